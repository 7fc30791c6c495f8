/**
 * Looking back at decisions: replaying a past recommendation under its own ruleset version, running one contact
 * through every borough's rules side by side, and how often people overrode each rule's recommendation.
 */
import { canonicalJson } from '../rules/content-hash';
import { evaluateThresholds, type ContactForRules, type Recommendation } from '../rules/thresholds';
import { PATHWAYS, type Pathway } from '../rules/vocabulary';
import { rulesetInForce, rulesetVersion } from './rulesets';
import { contactFor, ExplanationSchema, pastContacts, type OutcomeView } from './simulation';
import type { Sql, Tx } from './sql';

/** A past decision evaluated again under the ruleset version it recorded. */
export interface ReplayResult {
  /** Until screening decisions have ids of their own, a decision is identified by its contact's id. */
  decisionId: string;
  contactId: string;
  borough: string;
  reference: string;
  rulesetVersion: number;
  /** The content hash the decision recorded, and the hash of that version's stored content. */
  recordedHash: string;
  versionHash: string;
  evaluatedAt: Date;
  original: OutcomeView;
  replayed: Recommendation;
  /** True when the version's hash, the outcome, the deciding rule, every fact and every rule's result are the same. */
  matches: boolean;
  differences: string[];
}

/**
 * Re-evaluates the recommendation stored for `decisionId` (a contact id) under the version it recorded, from the
 * contact as stored, and lists every difference. Only decisions in `boroughs` are visible; null when none.
 */
export async function replayDecision(sql: Sql | Tx, boroughs: readonly string[], decisionId: string): Promise<ReplayResult | null> {
  const [stored] = await sql<{ borough: string; rulesetVersion: number; rulesetHash: string; evaluatedAt: Date; explanationText: string }[]>`
    select borough, ruleset_version, ruleset_hash, evaluated_at, explanation::text as explanation_text
    from recommendations where borough = any(${[...boroughs]}) and contact_id = ${decisionId}`;
  if (!stored) return null;
  const [contact] = await pastContacts(sql, stored.borough, { contactIds: [decisionId] });
  if (!contact?.recommendation) return null;
  const version = await rulesetVersion(sql, stored.borough, stored.rulesetVersion);
  const replayed = await evaluateThresholds(version.ruleset, version.hash, contactFor(contact));
  const recorded = ExplanationSchema.parse(JSON.parse(stored.explanationText));
  const original = contact.recommendation;

  const differences: string[] = [];
  if (stored.rulesetHash !== version.hash) {
    differences.push(`ruleset hash: the decision recorded ${stored.rulesetHash}, but version ${version.version} has ${version.hash}`);
  }
  for (const field of ['levelOfNeed', 'pathway', 'rag', 'decidingRuleId', 'summary'] as const) {
    if (original[field] !== replayed[field]) differences.push(`${field}: recorded ${JSON.stringify(original[field])}, replayed ${JSON.stringify(replayed[field])}`);
  }
  for (const fact of new Set([...Object.keys(recorded.facts), ...Object.keys(replayed.explanation.facts)])) {
    const [was, now] = [recorded.facts[fact], replayed.explanation.facts[fact]];
    if (canonicalJson(was) !== canonicalJson(now)) differences.push(`fact ${fact}: recorded ${JSON.stringify(was)}, replayed ${JSON.stringify(now)}`);
  }
  const firedBefore = new Map(recorded.rules.map((rule) => [rule.id, rule.fired]));
  for (const rule of replayed.explanation.rules) {
    if (firedBefore.get(rule.id) !== rule.fired) {
      differences.push(`rule ${rule.id}: ${firedBefore.has(rule.id) ? (firedBefore.get(rule.id) ? 'fired' : 'did not fire') : 'was not in the recorded explanation'}, replayed ${rule.fired ? 'fired' : 'did not fire'}`);
    }
  }

  return {
    decisionId,
    contactId: contact.id,
    borough: stored.borough,
    reference: contact.reference,
    rulesetVersion: version.version,
    recordedHash: stored.rulesetHash,
    versionHash: version.hash,
    evaluatedAt: stored.evaluatedAt,
    original,
    replayed,
    matches: differences.length === 0,
    differences,
  };
}

/** One borough's recommendation for a contact under the ruleset in force. */
export interface BoroughRecommendation {
  borough: string;
  recommendation: Recommendation;
}

/**
 * Runs one (hypothetical) contact through each borough's ruleset in force at `at`, side by side. Writes nothing.
 */
export async function compareBoroughs(sql: Sql | Tx, boroughs: readonly string[], contact: ContactForRules, at: Date): Promise<BoroughRecommendation[]> {
  const results: BoroughRecommendation[] = [];
  for (const borough of [...boroughs].sort()) {
    const { ruleset, hash } = await rulesetInForce(sql, borough, at);
    results.push({ borough, recommendation: await evaluateThresholds(ruleset, hash, contact) });
  }
  return results;
}

/** How often people overrode one rule's recommendation, and to what. */
export interface RuleOverrides {
  ruleId: string;
  decisions: number;
  overridden: number;
  /** overridden / decisions, 0 to 1. */
  overrideRate: number;
  overriddenTo: { pathway: Pathway; count: number }[];
}

/**
 * Per deciding rule (or 'default'), the screening decisions made in [from, to) on its recommendation, how many
 * overrode it, and to which pathways. Most overridden first.
 */
export async function overrideAnalytics(sql: Sql | Tx, borough: string, period: { from?: Date | null; to?: Date | null } = {}): Promise<RuleOverrides[]> {
  const from = period.from ?? new Date(0);
  const to = period.to ?? new Date('9999-12-31T00:00:00Z');
  const rows = await sql<{ ruleId: string; pathway: string; overridden: boolean; count: number }[]>`
    select recommendation_rule_id as rule_id, pathway, overridden, count(*)::int as count
    from screening_decisions
    where borough = ${borough} and decided_at >= ${from} and decided_at < ${to}
    group by 1, 2, 3`;
  const byRule = new Map<string, RuleOverrides>();
  for (const row of rows) {
    const entry = byRule.get(row.ruleId) ?? { ruleId: row.ruleId, decisions: 0, overridden: 0, overrideRate: 0, overriddenTo: [] };
    byRule.set(row.ruleId, entry);
    entry.decisions += row.count;
    if (!row.overridden) continue;
    entry.overridden += row.count;
    const pathway = PATHWAYS.find((p) => p === row.pathway);
    if (pathway) entry.overriddenTo.push({ pathway, count: row.count });
  }
  return [...byRule.values()]
    .map((entry) => ({
      ...entry,
      overrideRate: entry.decisions ? entry.overridden / entry.decisions : 0,
      overriddenTo: entry.overriddenTo.sort((a, b) => b.count - a.count || PATHWAYS.indexOf(a.pathway) - PATHWAYS.indexOf(b.pathway)),
    }))
    .sort((a, b) => b.overridden - a.overridden || b.overrideRate - a.overrideRate || a.ruleId.localeCompare(b.ruleId));
}

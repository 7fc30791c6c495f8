/**
 * What-if simulation: a ruleset version (usually a draft) run against a borough's past contacts in a period, compared
 * with the recommendations those contacts actually got. Nothing is written but the report itself.
 *
 * Speed: every contact is decided with the compiled ruleset (rules/compiled.ts, microseconds each); only contacts
 * whose outcome changes are evaluated again with json-rules-engine, whose answer is the one reported.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { compileRuleset } from '../rules/compiled';
import { evaluateThresholds, factsFor, parseRuleset, type ContactForRules, type Explanation, type Recommendation, type Ruleset } from '../rules/thresholds';
import {
  CONCERN_INDICATORS,
  CONSENT_STATUSES,
  PATHWAYS,
  RAG_RATINGS,
  REFERRER_TYPE_NAMES,
  type ConcernIndicator,
  type ConsentStatus,
  type Pathway,
  type RagRating,
  type ReferrerType,
} from '../rules/vocabulary';
import { findRulesetVersion, RulesetError, type Actor } from './rulesets';
import type { Sql, Tx } from './sql';

/** A recommendation's outcome, for comparisons. */
export interface OutcomeView {
  levelOfNeed: number;
  pathway: Pathway;
  rag: RagRating;
  decidingRuleId: string;
  summary: string;
}

/** One contact whose recommendation would change. */
export interface SimulationChange {
  contactId: string;
  reference: string;
  receivedAt: string;
  /** What it was recommended, and under which version. */
  from: OutcomeView & { rulesetVersion: number };
  /** What the simulated version recommends. */
  to: OutcomeView;
}

/** Counts over the period. Matrices list every from -> to pair seen, unchanged pairs included. */
export interface SimulationSummary {
  contactsInPeriod: number;
  /** Contacts with no stored recommendation yet (left out of the comparison). */
  withoutRecommendation: number;
  compared: number;
  /** Contacts whose level, pathway or RAG rating would change. */
  changed: number;
  pathwayChanged: number;
  ragChanged: number;
  levelChanged: number;
  pathwayMatrix: { from: Pathway; to: Pathway; count: number }[];
  ragMatrix: { from: RagRating; to: RagRating; count: number }[];
}

export interface SimulationReport {
  id: string;
  borough: string;
  rulesetVersion: number;
  rulesetHash: string;
  periodFrom: Date;
  periodTo: Date;
  requestedBy: string;
  createdAt: Date;
  durationMs: number;
  summary: SimulationSummary;
  changes: SimulationChange[];
}

/**
 * Runs version `version` of the borough's rules over every contact received in [from, to) and compares with the
 * stored recommendations. Writes the report, nothing else. Refuses a version whose content does
 * not parse (RULESET_INVALID, with every problem); coverage problems do not stop a simulation.
 */
export async function simulateRuleset(
  sql: Sql,
  input: { borough: string; version: number; from: Date; to: Date; actor: Actor; now: Date },
): Promise<SimulationReport> {
  const { borough, version, from, to, actor, now } = input;
  if (!(from.getTime() < to.getTime())) throw new RulesetError('BAD_USER_INPUT', 'The period must end after it starts.');
  const started = performance.now();
  const record = await findRulesetVersion(sql, borough, version, now);
  if (!record) throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no ruleset version ${version}.`);
  const parsed = parseRuleset(record.content);
  if (!parsed.ok) {
    throw new RulesetError('RULESET_INVALID', `Version ${version} cannot be simulated: its content has ${parsed.problems.length} problem(s). Fix them first.`, parsed.problems);
  }
  const { ruleset, hash } = parsed;

  const past = await pastContacts(sql, borough, { from, to });
  const compiled = compileRuleset(ruleset);
  const pathways = new Map<string, number>();
  const rags = new Map<string, number>();
  const candidates: { row: PastContact; contact: ContactForRules }[] = [];
  let withoutRecommendation = 0;
  for (const row of past) {
    if (!row.recommendation) {
      withoutRecommendation++;
      continue;
    }
    const contact = contactFor(row);
    const { outcome } = compiled.decide(factsFor(contact));
    const was = row.recommendation;
    bump(pathways, `${was.pathway}>${outcome.pathway}`);
    bump(rags, `${was.rag}>${outcome.rag}`);
    if (outcome.pathway !== was.pathway || outcome.rag !== was.rag || outcome.levelOfNeed !== was.levelOfNeed) candidates.push({ row, contact });
  }

  const changes: SimulationChange[] = [];
  for (const { row, contact } of candidates) {
    const was = row.recommendation!;
    const next = await evaluateThresholds(ruleset, hash, contact);
    if (next.pathway === was.pathway && next.rag === was.rag && next.levelOfNeed === was.levelOfNeed) continue;
    changes.push({
      contactId: row.id,
      reference: row.reference,
      receivedAt: row.receivedAt.toISOString(),
      from: { levelOfNeed: was.levelOfNeed, pathway: was.pathway, rag: was.rag, decidingRuleId: was.decidingRuleId, summary: was.summary, rulesetVersion: was.rulesetVersion },
      to: { levelOfNeed: next.levelOfNeed, pathway: next.pathway, rag: next.rag, decidingRuleId: next.decidingRuleId, summary: next.summary },
    });
  }

  const summary: SimulationSummary = {
    contactsInPeriod: past.length,
    withoutRecommendation,
    compared: past.length - withoutRecommendation,
    changed: changes.length,
    pathwayChanged: changes.filter((c) => c.from.pathway !== c.to.pathway).length,
    ragChanged: changes.filter((c) => c.from.rag !== c.to.rag).length,
    levelChanged: changes.filter((c) => c.from.levelOfNeed !== c.to.levelOfNeed).length,
    pathwayMatrix: matrix(pathways, PATHWAYS),
    ragMatrix: matrix(rags, RAG_RATINGS),
  };
  const report: SimulationReport = {
    id: randomUUID(),
    borough,
    rulesetVersion: version,
    rulesetHash: hash,
    periodFrom: from,
    periodTo: to,
    requestedBy: actor.userId,
    createdAt: now,
    durationMs: Math.round(performance.now() - started),
    summary,
    changes,
  };
  // The report is its own record of who ran what, when: nothing else is written.
  await sql`
    insert into simulation_reports (id, borough, ruleset_version, ruleset_hash, ruleset_content, period_from, period_to, requested_by, created_at,
      duration_ms, summary, changes)
    values (${report.id}, ${borough}, ${version}, ${hash}, ${sql.json(toJson(ruleset))}, ${from}, ${to}, ${actor.userId}, ${now},
      ${report.durationMs}, ${sql.json(toJson(summary))}, ${sql.json(toJson(changes))})`;
  return report;
}

/** A stored simulation report of one of `boroughs`, or null. */
export async function findSimulationReport(sql: Sql | Tx, boroughs: readonly string[], id: string): Promise<(SimulationReport & { ruleset: Ruleset }) | null> {
  const [row] = await sql<(Omit<SimulationReport, 'summary' | 'changes'> & { summaryText: string; changesText: string; contentText: string })[]>`
    select id, borough, ruleset_version, ruleset_hash, period_from, period_to, requested_by, created_at, duration_ms,
      summary::text as summary_text, changes::text as changes_text, ruleset_content::text as content_text
    from simulation_reports where borough = any(${[...boroughs]}) and id = ${id}`;
  if (!row) return null;
  const { summaryText, changesText, contentText, ...rest } = row;
  const parsed = parseRuleset(JSON.parse(contentText));
  if (!parsed.ok) throw new Error(`Simulation report ${id} holds a ruleset that no longer parses.`);
  return { ...rest, summary: SummarySchema.parse(JSON.parse(summaryText)), changes: ChangesSchema.parse(JSON.parse(changesText)), ruleset: parsed.ruleset };
}

/**
 * Both explanations for changed contacts of a report, by contact id: the stored one each was given, and the simulated
 * version's, recomputed from the ruleset exactly as simulated (evaluation is deterministic). Two queries in all.
 */
export async function explainSimulatedChanges(
  sql: Sql | Tx,
  report: SimulationReport & { ruleset: Ruleset },
  contactIds: readonly string[],
): Promise<Map<string, { from: Explanation; to: Recommendation }>> {
  const changed = new Set(report.changes.map((change) => change.contactId));
  const ids = contactIds.filter((id) => changed.has(id));
  const explained = new Map<string, { from: Explanation; to: Recommendation }>();
  if (ids.length === 0) return explained;
  const contacts = await pastContacts(sql, report.borough, { contactIds: ids });
  const stored = await sql<{ contactId: string; explanationText: string }[]>`
    select contact_id, explanation::text as explanation_text from recommendations where borough = ${report.borough} and contact_id = any(${ids}::uuid[])`;
  const storedById = new Map(stored.map((row) => [row.contactId, row.explanationText]));
  for (const contact of contacts) {
    const text = storedById.get(contact.id);
    if (text === undefined) continue;
    explained.set(contact.id, { from: ExplanationSchema.parse(JSON.parse(text)), to: await evaluateThresholds(report.ruleset, report.rulesetHash, contactFor(contact)) });
  }
  return explained;
}

// ---------------------------------------------------------------------------------------------------------------

/** A past contact as the rules see it, with its stored recommendation (if any). */
export interface PastContact {
  id: string;
  reference: string;
  receivedAt: Date;
  referrerType: string;
  consent: string;
  indicators: string[];
  children: { dateOfBirth: string | null; expectedDateOfBirth: string | null }[];
  previousContacts: number | null;
  recommendation: { levelOfNeed: number; pathway: Pathway; rag: RagRating; decidingRuleId: string; summary: string; rulesetVersion: number } | null;
}

/**
 * The borough's contacts received in [from, to) (or those with the ids given), with their children and stored
 * recommendation. Family-history facts, and consent (which changes as it is sought and given), are taken from the
 * stored recommendation's facts: both change after a decision, and a replay or simulation must see what the decision
 * saw, never today's record.
 */
export async function pastContacts(sql: Sql | Tx, borough: string, which: { from: Date; to: Date } | { contactIds: readonly string[] }): Promise<PastContact[]> {
  const rows = await sql<
    (Omit<PastContact, 'recommendation' | 'children'> & {
      childrenText: string | null;
      levelOfNeed: number | null;
      pathway: string | null;
      rag: string | null;
      decidingRuleId: string | null;
      summary: string | null;
      rulesetVersion: number | null;
    })[]
  >`
    select c.id, c.reference, c.received_at, c.referrer_type, coalesce(r.explanation #>> '{facts,consent}', c.consent) as consent, c.indicators,
      (select json_agg(json_build_array(to_char(k.date_of_birth, 'YYYY-MM-DD'), to_char(k.expected_date_of_birth, 'YYYY-MM-DD')) order by k.position)::text
         from contact_children k where k.borough = c.borough and k.contact_id = c.id) as children_text,
      r.level_of_need, r.pathway, r.rag, r.deciding_rule_id, r.summary, r.ruleset_version,
      (r.explanation #>> '{facts,previousContactsWithin12Months}')::int as previous_contacts
    from contacts c left join recommendations r on r.borough = c.borough and r.contact_id = c.id
    where c.borough = ${borough} and ${'contactIds' in which ? sql`c.id = any(${[...which.contactIds]}::uuid[])` : sql`c.received_at >= ${which.from} and c.received_at < ${which.to}`}
    order by c.received_at, c.id`;
  return rows.map(({ childrenText, levelOfNeed, pathway, rag, decidingRuleId, summary, rulesetVersion, ...row }) => ({
    ...row,
    children: ChildrenSchema.parse(childrenText === null ? [] : JSON.parse(childrenText)).map(([dateOfBirth, expectedDateOfBirth]) => ({ dateOfBirth, expectedDateOfBirth })),
    recommendation:
      levelOfNeed === null || !isPathway(pathway) || !isRag(rag) || decidingRuleId === null || summary === null || rulesetVersion === null
        ? null
        : { levelOfNeed, pathway, rag, decidingRuleId, summary, rulesetVersion },
  }));
}

/** What the rules see of a stored contact. Values outside today's vocabulary (there should be none) are left out. */
export function contactFor(row: PastContact): ContactForRules {
  return {
    receivedAt: row.receivedAt.toISOString(),
    referrerType: isReferrerType(row.referrerType) ? row.referrerType : 'UNKNOWN',
    consent: isConsent(row.consent) ? row.consent : 'NOT_SOUGHT',
    indicators: row.indicators.filter(isIndicator),
    children: row.children,
    previousContactsWithin12Months: row.previousContacts ?? 0,
  };
}

const ChildrenSchema = z.array(z.tuple([z.string().nullable(), z.string().nullable()]));
const OutcomeViewSchema = z.object({ levelOfNeed: z.number(), pathway: z.enum(PATHWAYS), rag: z.enum(RAG_RATINGS), decidingRuleId: z.string(), summary: z.string() });
const ChangesSchema = z.array(
  z.object({
    contactId: z.string(),
    reference: z.string(),
    receivedAt: z.string(),
    from: OutcomeViewSchema.extend({ rulesetVersion: z.number() }),
    to: OutcomeViewSchema,
  }),
);
const SummarySchema = z.object({
  contactsInPeriod: z.number(),
  withoutRecommendation: z.number(),
  compared: z.number(),
  changed: z.number(),
  pathwayChanged: z.number(),
  ragChanged: z.number(),
  levelChanged: z.number(),
  pathwayMatrix: z.array(z.object({ from: z.enum(PATHWAYS), to: z.enum(PATHWAYS), count: z.number() })),
  ragMatrix: z.array(z.object({ from: z.enum(RAG_RATINGS), to: z.enum(RAG_RATINGS), count: z.number() })),
});
/** A stored explanation (rules/thresholds.ts Explanation), checked as it is read back. */
export const ExplanationSchema = z.object({
  facts: z.record(z.string(), z.unknown()),
  decidingRuleId: z.string(),
  hitPolicy: z.string(),
  rules: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      priority: z.number(),
      fired: z.boolean(),
      outcome: z.object({ levelOfNeed: z.literal([1, 2, 3, 4]), pathway: z.enum(PATHWAYS), rag: z.enum(RAG_RATINGS) }),
      explanation: z.string(),
      conditions: z.array(z.object({ path: z.string(), fact: z.string(), operator: z.string(), value: z.unknown(), factValue: z.unknown(), result: z.boolean().nullable() })),
    }),
  ),
});

function matrix<T extends string>(counts: Map<string, number>, order: readonly T[]): { from: T; to: T; count: number }[] {
  const cells: { from: T; to: T; count: number }[] = [];
  for (const from of order) for (const to of order) {
    const count = counts.get(`${from}>${to}`);
    if (count) cells.push({ from, to, count });
  }
  return cells;
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const isPathway = (v: unknown): v is Pathway => (PATHWAYS as readonly unknown[]).includes(v);
const isRag = (v: unknown): v is RagRating => (RAG_RATINGS as readonly unknown[]).includes(v);
const isReferrerType = (v: string): v is ReferrerType => (REFERRER_TYPE_NAMES as readonly string[]).includes(v);
const isConsent = (v: string): v is ConsentStatus => (CONSENT_STATUSES as readonly string[]).includes(v);
const isIndicator = (v: string): v is ConcernIndicator => (CONCERN_INDICATORS as readonly string[]).includes(v);

function toJson(value: unknown): Parameters<Sql['json']>[0] {
  return JSON.parse(JSON.stringify(value)) as Parameters<Sql['json']>[0];
}

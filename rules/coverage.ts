/**
 * Coverage and conflicts of a threshold ruleset, checked on a generated grid of representative contacts: every
 * contact must get exactly one recommendation (the hit policy decides between fired rules; a tie that only the order
 * in the file would break, between different outcomes, is a conflict), and every rule must be able to fire.
 *
 * The grid crosses concern sets (none, each indicator alone, the toxic-trio combinations) with children of ages at
 * every boundary the rules use, every consent status, representative referrers and family-history counts at every
 * threshold. To that it adds, for each rule, a contact built to satisfy it, and for each pair of rules a contact
 * built to satisfy both (where one exists), so rules that can fire together are seen together.
 */
import { compileLeaf, compileRuleset, type Facts } from './compiled';
import { FACTS, factsFor, TOXIC_TRIO, type ContactForRules, type FactName, type Ruleset, type RulesetProblem } from './thresholds';
import { CONCERN_INDICATORS, CONSENT_STATUSES, REFERRER_TYPE_NAMES, type ConcernIndicator, type ConsentStatus, type ReferrerType } from './vocabulary';

/** Per-rule counts over the grid, and how many contacts fell to the default. */
export interface CoverageReport {
  contactsChecked: number;
  decidedByDefault: number;
  rules: { id: string; fired: number; decided: number }[];
}

export interface CoverageResult {
  coverage: CoverageReport;
  /** Blocking: rules that can never fire, and ties between different outcomes that only file order breaks. */
  problems: RulesetProblem[];
  /** Not blocking: rules that fire but never decide (a higher-priority rule always wins). */
  warnings: RulesetProblem[];
}

// Each fact depends on one part of a contact only, so a contact's facts are the union of its parts' facts. Adding a
// fact to FACTS fails to compile until it is given a group here.
type Group = 'concerns' | 'children' | 'referrer' | 'consent' | 'history';
const FACT_GROUPS = {
  indicators: 'concerns',
  indicatorCount: 'concerns',
  toxicTrioCount: 'concerns',
  childCount: 'children',
  youngestChildAgeMonths: 'children',
  anyUnbornChild: 'children',
  anyChildUnder1: 'children',
  anyChildUnder5: 'children',
  anyChildAged16Or17: 'children',
  referrerType: 'referrer',
  referrerIsProfessional: 'referrer',
  anonymousReferrer: 'referrer',
  consent: 'consent',
  previousContactsWithin12Months: 'history',
} as const satisfies Record<FactName, Group>;

/** The instant every grid contact is received at (a Thursday); ages are counted back from it. */
export const GRID_RECEIVED_AT = '2026-01-15T10:00:00Z';
const GRID_DAY = { year: 2026, month: 1, day: 15 };

interface ChildrenProfile {
  label: string;
  children: ContactForRules['children'];
}

/** A representative contact: its parts (to describe it) and its facts. */
export interface GridContact {
  indicators: ConcernIndicator[];
  children: ChildrenProfile;
  referrerType: ReferrerType;
  consent: ConsentStatus;
  previousContactsWithin12Months: number;
  facts: Facts;
}

interface Leaf {
  fact: FactName;
  negated: boolean;
  operator: string;
  value: unknown;
  holds: (facts: Facts) => boolean;
}

const MAX_ALTERNATIVES = 16;

/** Checks a parsed ruleset on the grid. Pure and synchronous; a few tens of milliseconds for a borough's rules. */
export function checkCoverage(ruleset: Ruleset): CoverageResult {
  const domains = new Domains(ruleset);
  const contacts = gridFor(ruleset, domains);
  const { rules } = ruleset;
  const compiled = compileRuleset(ruleset);
  const fired = rules.map(() => 0);
  const decided = rules.map(() => 0);
  let decidedByDefault = 0;
  const conflicts = new Map<string, { a: number; b: number; example: GridContact }>();

  for (const contact of contacts) {
    const flags = compiled.fired(contact.facts);
    let top: number[] = [];
    flags.forEach((on, i) => {
      if (!on) return;
      fired[i]!++;
      const rule = rules[i]!;
      const best = top[0] === undefined ? undefined : rules[top[0]]!;
      if (!best || rule.priority > best.priority || (rule.priority === best.priority && rule.outcome.levelOfNeed > best.outcome.levelOfNeed)) top = [i];
      else if (rule.priority === best.priority && rule.outcome.levelOfNeed === best.outcome.levelOfNeed) top.push(i);
    });
    const [winner, ...tied] = top;
    if (winner === undefined) {
      decidedByDefault++;
      continue;
    }
    decided[winner]!++;
    for (const other of tied) {
      const [a, b] = [rules[winner]!.outcome, rules[other]!.outcome];
      if (a.pathway === b.pathway && a.rag === b.rag) continue;
      const key = `${winner}|${other}`;
      if (!conflicts.has(key)) conflicts.set(key, { a: winner, b: other, example: contact });
    }
  }

  const problems: RulesetProblem[] = [];
  const warnings: RulesetProblem[] = [];
  rules.forEach((rule, i) => {
    if (fired[i] === 0) {
      problems.push({
        path: `rules[${i}].conditions`,
        message: `rule "${rule.id}" can never fire: no contact satisfies all its conditions (checked ${contacts.length} representative contacts, including ones built to satisfy this rule)`,
      });
    } else if (decided[i] === 0) {
      const winner = firstWinnerOver(compiled, contacts, i);
      warnings.push({
        path: `rules[${i}]`,
        message: `rule "${rule.id}" fires (for ${fired[i]} grid contacts) but never decides: a rule of higher priority always wins${winner ? `, e.g. "${winner}"` : ''}`,
      });
    }
  });
  for (const { a, b, example } of conflicts.values()) {
    const [first, second] = [rules[a]!, rules[b]!];
    problems.push({
      path: `rules[${b}].priority`,
      message:
        `rules "${first.id}" and "${second.id}" both fire for ${describeContact(example)}, with the same priority (${first.priority}) and level of need ` +
        `(${first.outcome.levelOfNeed}) but different outcomes (${first.outcome.pathway} ${first.outcome.rag}; ${second.outcome.pathway} ${second.outcome.rag}), ` +
        'so only their order in the file decides: give the one that should win a higher priority',
    });
  }

  return {
    coverage: { contactsChecked: contacts.length, decidedByDefault, rules: rules.map((rule, i) => ({ id: rule.id, fired: fired[i]!, decided: decided[i]! })) },
    problems,
    warnings,
  };
}

function firstWinnerOver(compiled: ReturnType<typeof compileRuleset>, contacts: GridContact[], ruleIndex: number): string | undefined {
  for (const contact of contacts) {
    const decision = compiled.decide(contact.facts);
    if (decision.fired[ruleIndex]) return decision.decidingRuleId;
  }
  return undefined;
}

/** The representative contacts for a ruleset (exported for tests that compare with json-rules-engine). */
export function representativeContacts(ruleset: Ruleset): GridContact[] {
  return gridFor(ruleset, new Domains(ruleset));
}

/** The contact a grid entry stands for, as the rules engine takes it. */
export function contactFor(entry: GridContact): ContactForRules {
  return {
    receivedAt: GRID_RECEIVED_AT,
    referrerType: entry.referrerType,
    consent: entry.consent,
    indicators: entry.indicators,
    children: entry.children.children,
    previousContactsWithin12Months: entry.previousContactsWithin12Months,
  };
}

/** A short plain-English description of a grid contact, for messages. */
export function describeContact(entry: GridContact): string {
  const concerns = entry.indicators.length ? `indicators ${entry.indicators.join(', ')}` : 'no indicators';
  return `a contact with ${concerns}; ${entry.children.label}; consent ${entry.consent}; referrer ${entry.referrerType}; ${entry.previousContactsWithin12Months} earlier contacts in 12 months`;
}

// ---------------------------------------------------------------------------------------------------------------

/** The candidate values of each part of a contact, with each candidate's facts computed once. */
class Domains {
  readonly children: { profile: ChildrenProfile; facts: Facts }[];
  readonly referrers: { referrerType: ReferrerType; facts: Facts }[];
  readonly consents: { consent: ConsentStatus; facts: Facts }[];
  readonly history: { count: number; facts: Facts }[];
  /** The grid's own subsets: fewer referrers and history counts than a witness may choose from. */
  readonly gridReferrers: ReferrerType[];
  readonly gridHistory: number[];
  private readonly concernFacts = new Map<string, Facts>();

  constructor(ruleset: Ruleset) {
    const thresholds = numericValues(ruleset);
    const around = (values: number[], min: number, max: number) =>
      [...new Set(values.flatMap((v) => [v - 1, v, v + 1]).map(Math.floor))].filter((v) => v >= min && v <= max).sort((a, b) => a - b);

    const ages = [0, 6, 11, 12, 24, 59, 60, 120, 191, 192, 215, ...around(thresholds.youngestChildAgeMonths, 0, 215)];
    const profiles: ChildrenProfile[] = [
      ...[...new Set(ages)].sort((a, b) => a - b).map((months) => ({ label: `one child aged ${ageLabel(months)}`, children: [{ dateOfBirth: bornMonthsAgo(months) }] })),
      { label: 'one unborn child', children: [{ expectedDateOfBirth: '2026-05-15' }] },
      { label: 'one child whose date of birth is not known', children: [{}] },
      { label: 'an unborn child and a child aged 10 years', children: [{ expectedDateOfBirth: '2026-05-15' }, { dateOfBirth: bornMonthsAgo(120) }] },
      { label: 'children aged 6 months and 16 years', children: [{ dateOfBirth: bornMonthsAgo(6) }, { dateOfBirth: bornMonthsAgo(192) }] },
      { label: 'children aged 2, 5 and 12 years', children: [24, 60, 144].map((m) => ({ dateOfBirth: bornMonthsAgo(m) })) },
      ...around(thresholds.childCount, 2, 12).map((n) => ({ label: `${n} children aged 10 years`, children: Array.from({ length: n }, () => ({ dateOfBirth: bornMonthsAgo(120) })) })),
    ];
    const base: ContactForRules = { receivedAt: GRID_RECEIVED_AT, referrerType: 'HEALTH_VISITOR', consent: 'GIVEN', indicators: [], children: [] };
    this.children = profiles.map((profile) => ({ profile, facts: pick(factsFor({ ...base, children: profile.children }), 'children') }));
    this.referrers = REFERRER_TYPE_NAMES.map((referrerType) => ({ referrerType, facts: pick(factsFor({ ...base, referrerType }), 'referrer') }));
    this.consents = CONSENT_STATUSES.map((consent) => ({ consent, facts: pick(factsFor({ ...base, consent }), 'consent') }));
    const counts = [...new Set([0, 1, 2, 3, 5, 10, ...around(thresholds.previousContactsWithin12Months, 0, 1000)])].sort((a, b) => a - b);
    this.history = counts.map((count) => ({ count, facts: pick(factsFor({ ...base, previousContactsWithin12Months: count }), 'history') }));
    this.gridReferrers = [...new Set<ReferrerType>(['HEALTH_VISITOR', 'FAMILY_MEMBER', 'ANONYMOUS', ...namedReferrers(ruleset)])];
    this.gridHistory = [...new Set([0, ...around(thresholds.previousContactsWithin12Months, 0, 1000)])].sort((a, b) => a - b);
  }

  concerns(indicators: readonly ConcernIndicator[]): Facts {
    const key = [...indicators].sort().join(',');
    let facts = this.concernFacts.get(key);
    if (!facts) {
      facts = pick(factsFor({ receivedAt: GRID_RECEIVED_AT, referrerType: 'HEALTH_VISITOR', consent: 'GIVEN', indicators: [...indicators], children: [] }), 'concerns');
      this.concernFacts.set(key, facts);
    }
    return facts;
  }

  contact(parts: Omit<GridContact, 'facts'>, facts: { concerns?: Facts; children: Facts; referrer: Facts; consent: Facts; history: Facts }): GridContact {
    return { ...parts, facts: mergeFacts(facts.concerns ?? this.concerns(parts.indicators), facts.children, facts.referrer, facts.consent, facts.history) };
  }
}

function gridFor(ruleset: Ruleset, domains: Domains): GridContact[] {
  const contacts: GridContact[] = [];
  const indicatorSets: ConcernIndicator[][] = [
    [],
    ...CONCERN_INDICATORS.map((i) => [i]),
    ...TOXIC_TRIO.flatMap((a, i) => TOXIC_TRIO.slice(i + 1).map((b) => [a, b])),
    [...TOXIC_TRIO],
  ];
  const referrers = domains.referrers.filter((r) => domains.gridReferrers.includes(r.referrerType));
  const history = domains.history.filter((h) => domains.gridHistory.includes(h.count));
  for (const indicators of indicatorSets) {
    const concerns = domains.concerns(indicators);
    for (const child of domains.children) {
      for (const consent of domains.consents) {
        for (const referrer of referrers) {
          for (const count of history) {
            contacts.push(
              domains.contact(
                { indicators, children: child.profile, referrerType: referrer.referrerType, consent: consent.consent, previousContactsWithin12Months: count.count },
                { concerns, children: child.facts, referrer: referrer.facts, consent: consent.facts, history: count.facts },
              ),
            );
          }
        }
      }
    }
  }

  // Contacts built to satisfy each rule (each way it can be satisfied), and each pair of rules together.
  const alternativesPerRule = ruleset.rules.map((rule) => alternatives(rule.conditions, false));
  for (const options of alternativesPerRule) {
    for (const leaves of options) {
      const witness = build(leaves, domains);
      if (witness) contacts.push(witness);
    }
  }
  for (let a = 0; a < alternativesPerRule.length; a++) {
    for (let b = a + 1; b < alternativesPerRule.length; b++) {
      for (const left of alternativesPerRule[a]!.slice(0, 2)) {
        for (const right of alternativesPerRule[b]!.slice(0, 2)) {
          const witness = build([...left, ...right], domains);
          if (witness) contacts.push(witness);
        }
      }
    }
  }
  return contacts;
}

/**
 * The ways a condition tree can hold, each a list of leaves that must all hold (a negated leaf must fail). `not` is
 * pushed down to the leaves; an empty `all` or `any` holds, as in json-rules-engine.
 */
function alternatives(node: unknown, negated: boolean): Leaf[][] {
  if (!isRecord(node)) return [];
  const conjunction = (parts: unknown[]) =>
    parts.reduce<Leaf[][]>((acc, part) => acc.flatMap((left) => alternatives(part, negated).map((right) => [...left, ...right])).slice(0, MAX_ALTERNATIVES), [[]]);
  const disjunction = (parts: unknown[]) => parts.flatMap((part) => alternatives(part, negated)).slice(0, MAX_ALTERNATIVES);
  if (Array.isArray(node.all)) {
    if (node.all.length === 0) return negated ? [] : [[]];
    return negated ? disjunction(node.all) : conjunction(node.all);
  }
  if (Array.isArray(node.any)) {
    if (node.any.length === 0) return negated ? [] : [[]];
    return negated ? conjunction(node.any) : disjunction(node.any);
  }
  if (node.not !== undefined) return alternatives(node.not, !negated);
  const fact = node.fact;
  if (typeof fact !== 'string' || !isFact(fact)) return [];
  const test = compileLeaf(fact, String(node.operator), node.value);
  return [[{ fact, negated, operator: String(node.operator), value: node.value, holds: negated ? (facts) => !test(facts) : test }]];
}

/** A contact on which every leaf holds, choosing each part of the contact independently; undefined if none is found. */
function build(leaves: Leaf[], domains: Domains): GridContact | undefined {
  const of = (group: Group) => leaves.filter((leaf) => FACT_GROUPS[leaf.fact] === group);
  const satisfies = (group: Group, facts: Facts) => of(group).every((leaf) => leaf.holds(facts));
  const indicators = concernsFor(of('concerns'), domains);
  const child = domains.children.find((c) => satisfies('children', c.facts));
  const referrer = domains.referrers.find((r) => satisfies('referrer', r.facts));
  const consent = domains.consents.find((c) => satisfies('consent', c.facts));
  const count = domains.history.find((h) => satisfies('history', h.facts));
  if (!indicators || !child || !referrer || !consent || !count) return undefined;
  return domains.contact(
    { indicators, children: child.profile, referrerType: referrer.referrerType, consent: consent.consent, previousContactsWithin12Months: count.count },
    { children: child.facts, referrer: referrer.facts, consent: consent.facts, history: count.facts },
  );
}

/** A set of concern indicators on which every concern leaf holds: the ones required, then trio members and others as counts need. */
function concernsFor(leaves: Leaf[], domains: Domains): ConcernIndicator[] | undefined {
  const required = new Set<ConcernIndicator>();
  const forbidden = new Set<ConcernIndicator>();
  const asIndicators = (value: unknown): ConcernIndicator[] => (Array.isArray(value) ? value : [value]).filter(isIndicator);
  for (const leaf of leaves) {
    if (leaf.fact !== 'indicators') continue;
    const values = asIndicators(leaf.value);
    const wants = (leaf.operator === 'contains' || leaf.operator === 'containsAny') !== leaf.negated;
    if (!wants) values.forEach((v) => forbidden.add(v));
  }
  for (const leaf of leaves) {
    if (leaf.fact !== 'indicators') continue;
    const values = asIndicators(leaf.value);
    if (leaf.operator === 'containsAny' && !leaf.negated) {
      const choice = values.find((v) => !forbidden.has(v)) ?? values[0];
      if (choice) required.add(choice);
    } else if ((leaf.operator === 'contains') !== leaf.negated && (leaf.operator === 'contains' || leaf.operator === 'doesNotContain')) {
      values.forEach((v) => required.add(v));
    }
  }
  const free = (list: readonly ConcernIndicator[]) => list.filter((i) => !forbidden.has(i) && !required.has(i));
  const trio = free(TOXIC_TRIO);
  const others = free(CONCERN_INDICATORS.filter((i) => !TOXIC_TRIO.includes(i)));
  for (let t = 0; t <= trio.length; t++) {
    for (let k = 0; k <= others.length; k++) {
      const candidate = [...required, ...trio.slice(0, t), ...others.slice(0, k)];
      const facts = domains.concerns(candidate);
      if (leaves.every((leaf) => leaf.holds(facts))) return CONCERN_INDICATORS.filter((i) => candidate.includes(i));
    }
  }
  return undefined;
}

/** Calls `visit` with every fact condition (`{ fact, value, … }`) in the ruleset's rules, through all / any / not. */
function forEachFactCondition(ruleset: Ruleset, visit: (condition: Record<string, unknown>) => void): void {
  const walk = (node: unknown): void => {
    if (!isRecord(node)) return;
    for (const key of ['all', 'any'] as const) {
      const children = node[key];
      if (Array.isArray(children)) children.forEach(walk);
    }
    if (node.not !== undefined) walk(node.not);
    if (typeof node.fact === 'string') visit(node);
  };
  ruleset.rules.forEach((rule) => walk(rule.conditions));
}

const valuesOf = (condition: Record<string, unknown>): unknown[] => (Array.isArray(condition.value) ? condition.value : [condition.value]);

/** Every number a rule compares each numeric fact with. */
function numericValues(ruleset: Ruleset): Record<'youngestChildAgeMonths' | 'childCount' | 'previousContactsWithin12Months', number[]> {
  const found = { youngestChildAgeMonths: [] as number[], childCount: [] as number[], previousContactsWithin12Months: [] as number[] };
  forEachFactCondition(ruleset, (condition) => {
    const fact = condition.fact;
    if (fact === 'youngestChildAgeMonths' || fact === 'childCount' || fact === 'previousContactsWithin12Months') {
      for (const v of valuesOf(condition)) if (typeof v === 'number' && Number.isFinite(v)) found[fact].push(v);
    }
  });
  return found;
}

function namedReferrers(ruleset: Ruleset): ReferrerType[] {
  const found: ReferrerType[] = [];
  forEachFactCondition(ruleset, (condition) => {
    if (condition.fact !== 'referrerType') return;
    for (const v of valuesOf(condition)) {
      const known = REFERRER_TYPE_NAMES.find((name) => name === v);
      if (known) found.push(known);
    }
  });
  return found;
}

/** One contact's facts from its parts' facts (a literal of every fact: far quicker than spreading, for the grid's size). */
function mergeFacts(concerns: Facts, children: Facts, referrer: Facts, consent: Facts, history: Facts): Facts {
  return {
    indicators: concerns.indicators,
    indicatorCount: concerns.indicatorCount,
    toxicTrioCount: concerns.toxicTrioCount,
    childCount: children.childCount,
    youngestChildAgeMonths: children.youngestChildAgeMonths,
    anyUnbornChild: children.anyUnbornChild,
    anyChildUnder1: children.anyChildUnder1,
    anyChildUnder5: children.anyChildUnder5,
    anyChildAged16Or17: children.anyChildAged16Or17,
    referrerType: referrer.referrerType,
    referrerIsProfessional: referrer.referrerIsProfessional,
    anonymousReferrer: referrer.anonymousReferrer,
    consent: consent.consent,
    previousContactsWithin12Months: history.previousContactsWithin12Months,
  } satisfies Record<FactName, unknown>;
}

function pick(facts: Record<FactName, unknown>, group: Group): Facts {
  return Object.fromEntries(Object.entries(facts).filter(([name]) => isFact(name) && FACT_GROUPS[name] === group));
}

function bornMonthsAgo(months: number): string {
  const total = GRID_DAY.year * 12 + (GRID_DAY.month - 1) - months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(GRID_DAY.day).padStart(2, '0')}`;
}

function ageLabel(months: number): string {
  if (months < 24) return `${months} month${months === 1 ? '' : 's'}`;
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return rest ? `${years} years ${rest} month${rest === 1 ? '' : 's'}` : `${years} years`;
}

const isFact = (name: string): name is FactName => Object.hasOwn(FACTS, name);
const isIndicator = (value: unknown): value is ConcernIndicator => typeof value === 'string' && (CONCERN_INDICATORS as readonly string[]).includes(value);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

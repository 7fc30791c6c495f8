/**
 * Each borough's threshold rules (`borough-config/<code>/thresholds.json`), checked at start-up and evaluated with
 * json-rules-engine into a *recommendation* (level of need, pathway, RAG rating) with an explanation a caseworker
 * can read. A named person makes the decision; this module never does.
 */
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import { z } from 'zod';
import { contentHash } from './content-hash';
import {
  BOROUGH_CODE_PATTERN,
  CONCERN_INDICATORS,
  CONSENT_STATUSES,
  LEVELS_OF_NEED,
  PATHWAYS,
  RAG_RATINGS,
  REFERRER_TYPES,
  REFERRER_TYPE_NAMES,
  type ConcernIndicator,
  type ConsentStatus,
  type LevelOfNeed,
  type Pathway,
  type RagRating,
  type ReferrerType,
} from './vocabulary';

/** What the threshold rules see of a contact. Dates of birth are 'YYYY-MM-DD'; one of the two per child. */
export interface ContactForRules {
  receivedAt: string;
  referrerType: ReferrerType;
  consent: ConsentStatus;
  indicators: ConcernIndicator[];
  children: { dateOfBirth?: string | null; expectedDateOfBirth?: string | null }[];
  /** Family history: earlier contacts about the same child(ren) in the 12 months before this one; default 0. */
  previousContactsWithin12Months?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Fact vocabulary

type FactType = 'boolean' | 'number' | 'number or null' | 'indicator list' | 'referrer type' | 'consent status';

/** Domestic abuse, parental substance misuse and parental mental ill health: the 'toxic trio'. */
export const TOXIC_TRIO: readonly ConcernIndicator[] = ['DOMESTIC_ABUSE', 'PARENTAL_SUBSTANCE_MISUSE', 'PARENTAL_MENTAL_HEALTH'];

/**
 * Every fact a rule may use, with its type and meaning. Ages are whole completed months or years on the London
 * calendar date of `receivedAt`. A child recorded with only an expected date of birth is unborn while that date is
 * today or later; once it has passed the child is treated as a newborn born on that date (the record has not caught
 * up), so baby rules still apply. `priority` orders evaluation inside a rule: indicator facts are checked first, and
 * conditions after a decisive failure are not evaluated (shown as `result: null`).
 */
export const FACTS = {
  indicators: { type: 'indicator list', priority: 2, description: 'concern indicators recorded on the contact, each once' },
  indicatorCount: { type: 'number', priority: 2, description: 'how many different concern indicators were recorded' },
  toxicTrioCount: { type: 'number', priority: 2, description: 'how many of domestic abuse, parental substance misuse and parental mental health were recorded (0-3)' },
  childCount: { type: 'number', priority: 1, description: 'children named on the contact, unborn included' },
  youngestChildAgeMonths: { type: 'number or null', priority: 1, description: "the youngest born child's age in completed months; null when no child is born (or no date is known)" },
  anyUnbornChild: { type: 'boolean', priority: 1, description: 'a child is unborn (pre-birth concern)' },
  anyChildUnder1: { type: 'boolean', priority: 1, description: 'a born child is under 1 year old' },
  anyChildUnder5: { type: 'boolean', priority: 1, description: 'a born child is under 5 years old' },
  anyChildAged16Or17: { type: 'boolean', priority: 1, description: 'a child is 16 or 17 years old' },
  referrerType: { type: 'referrer type', priority: 1, description: 'who made the contact (vocabulary REFERRER_TYPES)' },
  referrerIsProfessional: { type: 'boolean', priority: 1, description: 'the referrer is an agency (CIN referral source 2 to 8), not an individual, anonymous or unknown' },
  anonymousReferrer: { type: 'boolean', priority: 1, description: 'the referrer did not give their identity' },
  consent: { type: 'consent status', priority: 1, description: 'consent to multi-agency checks when the contact arrived: NOT_SOUGHT, GIVEN or REFUSED' },
  previousContactsWithin12Months: { type: 'number', priority: 1, description: 'earlier contacts about the same child(ren) in the 12 months before this one' },
} as const satisfies Record<string, { type: FactType; priority: number; description: string }>;
export type FactName = keyof typeof FACTS;

/** Operators a condition may use: json-rules-engine's built-ins plus `containsAny` (the list holds at least one of the values). */
export const OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'containsAny',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;
type OperatorName = (typeof OPERATORS)[number];

const FACT_NAMES = Object.keys(FACTS);
const isFactName = (name: string): name is FactName => Object.hasOwn(FACTS, name);
const isOperator = (name: string): name is OperatorName => (OPERATORS as readonly string[]).includes(name);

const LONDON_DATE = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The derived facts the rules reason about (see FACTS). Throws RangeError on a malformed date. */
export function factsFor(contact: ContactForRules): Record<FactName, unknown> {
  const received = new Date(contact.receivedAt);
  if (Number.isNaN(received.getTime())) throw new RangeError(`receivedAt "${contact.receivedAt}" is not an ISO instant`);
  const parts = Object.fromEntries(LONDON_DATE.formatToParts(received).map((p) => [p.type, p.value]));
  const today = `${parts.year}-${parts.month}-${parts.day}`;

  const ages: number[] = [];
  let anyUnbornChild = false;
  for (const child of contact.children) {
    const date = child.dateOfBirth ?? child.expectedDateOfBirth;
    if (!date) continue;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`date of birth "${date}" is not YYYY-MM-DD`);
    // A date of birth after the day of receipt is a recording error: treat the child as a newborn (the safer reading).
    if (date <= today) ages.push(completedMonths(date, today));
    else if (child.dateOfBirth) ages.push(0);
    else anyUnbornChild = true;
  }
  const indicators = CONCERN_INDICATORS.filter((i) => contact.indicators.includes(i));
  const referrerCode: string = REFERRER_TYPES[contact.referrerType];
  return {
    indicators,
    indicatorCount: indicators.length,
    toxicTrioCount: TOXIC_TRIO.filter((i) => indicators.includes(i)).length,
    childCount: contact.children.length,
    youngestChildAgeMonths: ages.length ? Math.min(...ages) : null,
    anyUnbornChild,
    anyChildUnder1: ages.some((m) => m < 12),
    anyChildUnder5: ages.some((m) => m < 60),
    anyChildAged16Or17: ages.some((m) => m >= 192 && m < 216),
    referrerType: contact.referrerType,
    referrerIsProfessional: !/^1[A-D]$/.test(referrerCode) && referrerCode !== '9' && referrerCode !== '10',
    anonymousReferrer: contact.referrerType === 'ANONYMOUS',
    consent: contact.consent,
    previousContactsWithin12Months: contact.previousContactsWithin12Months ?? 0,
  };
}

/** Whole months completed from one 'YYYY-MM-DD' date to a later one. */
function completedMonths(from: string, to: string): number {
  const [y1, m1, d1] = from.split('-').map(Number);
  const [y2, m2, d2] = to.split('-').map(Number);
  return ((y2 ?? 0) - (y1 ?? 0)) * 12 + ((m2 ?? 0) - (m1 ?? 0)) - ((d2 ?? 0) < (d1 ?? 0) ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------------------
// The ruleset file

const OutcomeSchema = z.strictObject({
  levelOfNeed: z.literal(LEVELS_OF_NEED),
  pathway: z.enum(PATHWAYS),
  rag: z.enum(RAG_RATINGS),
});

// The condition tree is checked by checkConditions and by json-rules-engine itself, which report precise paths.
const ConditionsSchema = z.custom<TopLevelCondition>((v) => isRecord(v), 'must be an object with "all", "any" or "not"');

const RuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lower-case slug such as "inj-u1"'),
  name: z.string().min(1),
  priority: z.number().int().min(1),
  conditions: ConditionsSchema,
  outcome: OutcomeSchema,
  explanation: z.string().min(1),
  notes: z.string().optional(),
});

const RulesetSchema = z.strictObject({
  borough: z.string().regex(BOROUGH_CODE_PATTERN, 'must be the borough code, e.g. "hf"'),
  version: z.number().int().min(1),
  name: z.string().min(1),
  hitPolicy: z.literal('HIGHEST_PRIORITY'),
  notes: z.array(z.string()).optional(),
  default: OutcomeSchema.extend({ explanation: z.string().min(1) }),
  rules: z.array(RuleSchema),
});

/** A borough's threshold ruleset as parsed from `thresholds.json` by parseRuleset (the only way to get one). */
export type Ruleset = z.infer<typeof RulesetSchema>;
export type ThresholdRule = Ruleset['rules'][number];
export type Outcome = z.infer<typeof OutcomeSchema>;

/** One problem in a ruleset file; `path` is like `rules[2].conditions.all[0].fact` ('' for the whole file). */
export interface RulesetProblem {
  path: string;
  message: string;
}

/**
 * Checks a whole thresholds.json and reports every problem at once: shape, conditions json-rules-engine rejects,
 * unknown facts and operators, values of the wrong type, duplicate rule ids, early help without a consent check.
 * On success returns the ruleset and its content hash (sha256 of canonical JSON). `source` names the file in
 * whole-file messages.
 */
export function parseRuleset(
  json: unknown,
  source?: string,
): { ok: true; ruleset: Ruleset; hash: string } | { ok: false; problems: RulesetProblem[] } {
  const problems: RulesetProblem[] = [];
  const parsed = RulesetSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // A rule's conditions are reported below, in more detail than zod can give.
      if (issue.path.length === 3 && issue.path[0] === 'rules' && issue.path[2] === 'conditions' && isRecord(json) && Array.isArray(json.rules)) continue;
      problems.push({ path: jsonPath(issue.path), message: issue.message });
    }
  }

  if (!isRecord(json)) {
    if (problems.length === 0) problems.push({ path: '', message: `${source ?? 'the ruleset'} must be a JSON object` });
    return { ok: false, problems };
  }
  if (isRecord(json.default) && json.default.pathway === 'EARLY_HELP') {
    problems.push({ path: 'default.pathway', message: 'the default cannot be EARLY_HELP: early help needs consent, and the default applies whatever the consent' });
  }
  const rules: unknown[] = Array.isArray(json.rules) ? json.rules : [];
  const seen = new Map<string, number>();
  const engine = newEngine();
  rules.forEach((rule, index) => {
    if (!isRecord(rule)) return;
    const at = `rules[${index}]`;
    if (typeof rule.id === 'string') {
      const first = seen.get(rule.id);
      if (first === undefined) seen.set(rule.id, index);
      else problems.push({ path: `${at}.id`, message: `duplicate rule id "${rule.id}" (also rules[${first}])` });
    }
    const conditions = ConditionsSchema.safeParse(rule.conditions);
    if (!conditions.success || !isRecord(rule.conditions)) {
      problems.push({ path: `${at}.conditions`, message: 'must be an object with "all", "any" or "not"' });
      return;
    }
    checkConditions(rule.conditions, `${at}.conditions`, problems);
    try {
      engine.addRule(engineRule(`check-${index}`, 1, conditions.data));
    } catch (error) {
      problems.push({ path: `${at}.conditions`, message: `json-rules-engine rejects these conditions: ${error instanceof Error ? error.message : String(error)}` });
    }
    if (isRecord(rule.outcome) && rule.outcome.pathway === 'EARLY_HELP' && !checksConsent(rule.conditions)) {
      problems.push({
        path: `${at}.conditions`,
        message: 'early help needs consent: add {"fact": "consent", "operator": "notEqual", "value": "REFUSED"} to this rule\'s top-level "all"',
      });
    }
  });

  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, ruleset: parsed.data, hash: contentHash(parsed.data) };
}

const GROUP_KEYS = new Set(['all', 'any', 'not', 'name', 'priority']);
const LEAF_KEYS = new Set(['fact', 'operator', 'value', 'name', 'priority']);

/** Vocabulary checks on the parts of a condition tree that are well formed; json-rules-engine reports the rest. */
function checkConditions(node: Record<string, unknown>, at: string, problems: RulesetProblem[]): void {
  if ('condition' in node) {
    problems.push({ path: `${at}.condition`, message: 'shared condition references are not supported: write the condition out in full' });
    return;
  }
  const group = ['all', 'any', 'not'].find((k) => k in node);
  const allowed = group ? GROUP_KEYS : LEAF_KEYS;
  for (const key of Object.keys(node)) {
    if (!allowed.has(key)) problems.push({ path: `${at}.${key}`, message: `unsupported key "${key}"` });
  }
  if (group) {
    const children = node[group];
    if (Array.isArray(children) && children.length === 0) {
      problems.push({ path: `${at}.${group}`, message: `an empty "${group}" holds for every contact in json-rules-engine: add conditions or remove it` });
    }
    if (Array.isArray(children)) children.forEach((child, i) => isRecord(child) && checkConditions(child, `${at}.${group}[${i}]`, problems));
    else if (isRecord(children)) checkConditions(children, `${at}.${group}`, problems);
    return;
  }
  const { fact, operator, value } = node;
  if (typeof fact !== 'string' || !isFactName(fact)) {
    problems.push({ path: `${at}.fact`, message: `unknown fact ${JSON.stringify(fact)}; known facts: ${FACT_NAMES.join(', ')}` });
    return;
  }
  if (typeof operator !== 'string' || !isOperator(operator)) {
    problems.push({ path: `${at}.operator`, message: `unknown operator ${JSON.stringify(operator)}; known operators: ${OPERATORS.join(', ')}` });
    return;
  }
  const problem = checkValue(FACTS[fact].type, operator, value);
  if (problem) problems.push({ path: problem.onOperator ? `${at}.operator` : `${at}.value`, message: `${problem.message} (fact "${fact}" is a ${FACTS[fact].type})` });
}

const ENUM_VALUES: Partial<Record<FactType, readonly string[]>> = {
  'indicator list': CONCERN_INDICATORS,
  'referrer type': REFERRER_TYPE_NAMES,
  'consent status': CONSENT_STATUSES,
};
const OPERATORS_FOR: Record<FactType, readonly OperatorName[]> = {
  boolean: ['equal', 'notEqual'],
  number: ['equal', 'notEqual', 'in', 'notIn', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'],
  'number or null': ['equal', 'notEqual', 'in', 'notIn', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'],
  'indicator list': ['contains', 'doesNotContain', 'containsAny'],
  'referrer type': ['equal', 'notEqual', 'in', 'notIn'],
  'consent status': ['equal', 'notEqual', 'in', 'notIn'],
};

/** Whether `value` can sensibly be compared with a fact of `type` by `operator` (a typo would never match). */
function checkValue(type: FactType, operator: OperatorName, value: unknown): { message: string; onOperator?: true } | undefined {
  if (!OPERATORS_FOR[type].includes(operator)) {
    return { message: `operator "${operator}" does not apply; use one of ${OPERATORS_FOR[type].join(', ')}`, onOperator: true };
  }
  const listOperator = operator === 'in' || operator === 'notIn' || operator === 'containsAny';
  const scalar = (v: unknown): string | undefined => {
    const allowed = ENUM_VALUES[type];
    if (allowed) return typeof v === 'string' && allowed.includes(v) ? undefined : `${JSON.stringify(v)} is not one of ${allowed.join(', ')}`;
    if (type === 'boolean') return typeof v === 'boolean' ? undefined : `${JSON.stringify(v)} is not true or false`;
    if (typeof v === 'number' && Number.isFinite(v)) return undefined;
    return type === 'number or null' && v === null && !operator.includes('Than') ? undefined : `${JSON.stringify(v)} is not a number`;
  };
  if (!listOperator) {
    const message = scalar(value);
    return message ? { message } : undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return { message: `operator "${operator}" needs a non-empty list of values` };
  const bad = value.map(scalar).find((m) => m !== undefined);
  return bad ? { message: bad } : undefined;
}

/** True when the top-level `all` excludes refused consent (consent notEqual REFUSED, equal GIVEN, or in without REFUSED). */
function checksConsent(conditions: Record<string, unknown>): boolean {
  if (!Array.isArray(conditions.all)) return false;
  return conditions.all.some(
    (c) =>
      isRecord(c) &&
      c.fact === 'consent' &&
      ((c.operator === 'notEqual' && c.value === 'REFUSED') ||
        (c.operator === 'equal' && c.value === 'GIVEN') ||
        (c.operator === 'in' && Array.isArray(c.value) && !c.value.includes('REFUSED'))),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** A threshold recommendation for a person to accept or override, with the reasons and the ruleset that gave it. */
export interface Recommendation {
  levelOfNeed: LevelOfNeed;
  pathway: Pathway;
  rag: RagRating;
  /** The rule whose outcome was chosen, or 'default' when no rule fired. */
  decidingRuleId: string;
  /** Plain English for the caseworker, e.g. "Level 4, strategy discussion, RED because: ... (rule inj-u1, version 7)". */
  summary: string;
  explanation: Explanation;
  rulesetVersion: number;
  rulesetHash: string;
}

/** One leaf condition as evaluated. `result` is null when the engine did not need to evaluate it (short-circuit). */
export interface ConditionTrace {
  /** Where it sits in the rule's condition tree, e.g. `all[1].any[0]`; a `not` in the path inverts it. */
  path: string;
  fact: string;
  operator: string;
  value: unknown;
  /** The fact's value for this contact (the same whether or not the condition was reached). */
  factValue: unknown;
  result: boolean | null;
}

/** Every rule in file order, whether it fired, and each of its conditions. */
export interface RuleTrace {
  id: string;
  name: string;
  priority: number;
  fired: boolean;
  outcome: Outcome;
  explanation: string;
  conditions: ConditionTrace[];
}

/** Why a recommendation was made: the facts, every rule's evaluation and the hit policy that chose among them. JSON-serialisable. */
export interface Explanation {
  facts: Record<string, unknown>;
  rules: RuleTrace[];
  decidingRuleId: string;
  hitPolicy: string;
}

/** How a winner is chosen among fired rules, for documentation and explanations. */
export const HIT_POLICY_DESCRIPTION =
  'HIGHEST_PRIORITY: of the rules that fired, the highest priority wins; a tie goes to the higher level of need, then to the rule earlier in the file; if none fired, the default applies';

/** Human wording of each pathway, for summaries. */
export const PATHWAY_LABELS: Record<Pathway, string> = {
  NO_FURTHER_ACTION: 'no further action',
  INFORMATION_AND_ADVICE: 'information and advice',
  UNIVERSAL_SERVICES: 'universal services',
  EARLY_HELP: 'early help',
  MASH_ENQUIRY: 'MASH enquiry',
  S17_ASSESSMENT: 'section 17 assessment',
  STRATEGY_DISCUSSION: 'strategy discussion',
  IMMEDIATE_PROTECTION: 'immediate protection',
};

// One engine per ruleset, reused. Runs on an engine are queued: json-rules-engine keeps run status on the engine,
// and a run that finishes while another is in progress makes the other skip its remaining rules.
const engines = new WeakMap<Ruleset, { engine: Engine; queue: Promise<unknown> }>();

/**
 * Recommends a level of need, pathway and RAG rating for a contact under `ruleset` (whose content hash is `hash`),
 * choosing among fired rules by the hit policy (HIT_POLICY_DESCRIPTION). Deterministic: the same inputs give an
 * identical result. The engine is built once per ruleset object and reused, so it is cheap to call in bulk.
 */
export async function evaluateThresholds(ruleset: Ruleset, hash: string, contact: ContactForRules): Promise<Recommendation> {
  let cached = engines.get(ruleset);
  if (!cached) {
    const engine = newEngine();
    for (const rule of ruleset.rules) engine.addRule(engineRule(rule.id, rule.priority, rule.conditions));
    cached = { engine, queue: Promise.resolve() };
    engines.set(ruleset, cached);
  }
  const facts = factsFor(contact);
  const { engine } = cached;
  const pending = cached.queue.then(() => engine.run(facts));
  cached.queue = pending.catch(() => undefined);
  const run = await pending;
  const traces = new Map<string, { fired: boolean; conditions: ConditionTrace[] }>();
  for (const result of [...run.results, ...run.failureResults]) {
    const conditions: ConditionTrace[] = [];
    traceConditions(result.conditions, '', facts, conditions);
    traces.set(result.name, { fired: result.result === true, conditions });
  }

  const rules: RuleTrace[] = ruleset.rules.map((rule) => {
    const trace = traces.get(rule.id);
    if (!trace) throw new Error(`json-rules-engine did not evaluate rule "${rule.id}"`);
    const { id, name, priority, outcome, explanation } = rule;
    return { id, name, priority, fired: trace.fired, outcome, explanation, conditions: trace.conditions };
  });
  const fired = ruleset.rules.filter((_, i) => rules[i]?.fired);
  const winner = pickWinner(fired);

  const outcome = winner?.outcome ?? ruleset.default;
  const decidingRuleId = winner?.id ?? 'default';
  const others = fired.filter((r) => r !== winner).map((r) => r.id);
  const because = winner
    ? `${winner.explanation} (rule ${winner.id}, version ${ruleset.version})`
    : `${ruleset.default.explanation} (no rule matched: default outcome, version ${ruleset.version})`;
  const summary =
    `Level ${outcome.levelOfNeed}, ${PATHWAY_LABELS[outcome.pathway]}, ${outcome.rag} because: ${because}` +
    (others.length ? `; also matched: ${others.join(', ')}` : '') +
    `. ${familyHistoryText(facts.previousContactsWithin12Months)}`;

  return {
    levelOfNeed: outcome.levelOfNeed,
    pathway: outcome.pathway,
    rag: outcome.rag,
    decidingRuleId,
    summary,
    explanation: { facts, rules, decidingRuleId, hitPolicy: ruleset.hitPolicy },
    rulesetVersion: ruleset.version,
    rulesetHash: hash,
  };
}

/** The family-history count the rules used, in words, e.g. "Family history: 2 earlier contacts about the same child(ren) in the 12 months before this one." */
export function familyHistoryText(count: unknown): string {
  const n = typeof count === 'number' ? count : 0;
  const contacts = n === 0 ? 'no earlier contact' : n === 1 ? '1 earlier contact' : `${n} earlier contacts`;
  return `Family history: ${contacts} about the same child(ren) in the 12 months before this one.`;
}

/** The hit policy (HIT_POLICY_DESCRIPTION): among fired rules in file order, the one whose outcome is chosen. */
export function pickWinner(fired: readonly ThresholdRule[]): ThresholdRule | undefined {
  return fired.reduce<ThresholdRule | undefined>(
    (best, rule) =>
      !best || rule.priority > best.priority || (rule.priority === best.priority && rule.outcome.levelOfNeed > best.outcome.levelOfNeed) ? rule : best,
    undefined,
  );
}

/** Flattens a json-rules-engine condition result into leaf traces; a leaf without `result` was not evaluated. */
function traceConditions(node: unknown, at: string, facts: Record<string, unknown>, out: ConditionTrace[]): void {
  if (!isRecord(node)) return;
  const prefix = at ? `${at}.` : '';
  for (const group of ['all', 'any'] as const) {
    const children = node[group];
    if (Array.isArray(children)) return children.forEach((c, i) => traceConditions(c, `${prefix}${group}[${i}]`, facts, out));
  }
  if (node.not !== undefined) return traceConditions(node.not, `${prefix}not`, facts, out);
  if (typeof node.fact !== 'string') return;
  const evaluated = typeof node.result === 'boolean';
  out.push({
    path: at,
    fact: node.fact,
    operator: String(node.operator),
    value: node.value,
    factValue: evaluated ? node.factResult : facts[node.fact],
    result: evaluated ? node.result === true : null,
  });
}

/** An engine that knows the fact vocabulary (with evaluation priorities) and the extra operators. */
function newEngine(): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false });
  engine.addOperator('containsAny', (factValue: unknown, values: unknown) => Array.isArray(factValue) && Array.isArray(values) && values.some((v) => factValue.includes(v)));
  for (const [id, fact] of Object.entries(FACTS)) {
    // Placeholders that fix each fact's priority; every run supplies the real values as runtime facts.
    engine.addFact(id, () => {
      throw new Error(`fact "${id}" was not supplied`);
    }, { priority: fact.priority });
  }
  return engine;
}

function engineRule(name: string, priority: number, conditions: TopLevelCondition): RuleProperties {
  return { name, priority, conditions: structuredClone(conditions), event: { type: name } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

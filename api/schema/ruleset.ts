import { z } from 'zod';
import { compareBoroughs, overrideAnalytics, replayDecision, type ReplayResult } from '../../db/decisions';
import {
  approveRulesetVersion,
  createRulesetDraft,
  findRulesetInForce,
  findRulesetVersion,
  listRulesetVersions,
  publishRulesetVersion,
  rollbackRuleset,
  rulesetAuditTrail,
  RulesetError,
  updateRulesetDraft,
  validateRulesetVersion,
  type Actor,
  type RulesetAuditEntry,
  type RulesetVersionRecord,
} from '../../db/rulesets';
import { explainSimulatedChanges, findSimulationReport, simulateRuleset, type OutcomeView, type SimulationChange, type SimulationReport } from '../../db/simulation';
import type { CoverageReport } from '../../rules/coverage';
import type { RulesetValidation } from '../../rules/ruleset-validation';
import type { ContactForRules, Explanation, Recommendation, RuleTrace, RulesetProblem } from '../../rules/thresholds';
import type { Role } from '../auth';
import { builder } from '../builder';
import { fromStore, requireBoroughRole, type ApiContext } from '../context';
import { rolesFor } from '../access';
import { apiError, inputError } from '../errors';
import { ConcernIndicatorEnum, ConsentStatusEnum, PathwayEnum, RagEnum, ReferrerTypeEnum } from './enums';


/** The caller, authorised for `roles` in `borough`, which must be a configured borough (checked after authorising). */
function authorise(context: ApiContext, borough: string, roles: readonly Role[]): Actor {
  const caller = requireBoroughRole(context, borough, roles);
  if (!context.services.boroughs.has(borough)) throw apiError('NOT_FOUND', `Borough "${borough}" is not configured (known: ${[...context.services.boroughs.keys()].join(', ')}).`);
  return { userId: caller.userId, role: roles.find((role) => caller.roles.includes(role)) ?? roles[0]! };
}

/** The caller, who must hold one of `roles` (in whichever of their boroughs the thing asked for turns out to be). */
function requireRole(context: ApiContext, roles: readonly Role[], what: string) {
  const caller = context.caller!;
  if (!roles.some((role) => caller.roles.includes(role))) throw apiError('FORBIDDEN', `${what} needs one of the roles ${roles.join(', ')} (you have: ${caller.roles.join(', ')}).`);
  return caller;
}

/** Runs store work, turning a refused lifecycle step into its coded error. */
async function store<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await fromStore(work);
  } catch (error) {
    if (!(error instanceof RulesetError)) throw error;
    if (error.code === 'RULESET_INVALID') {
      throw apiError('RULESET_INVALID', `${error.message} ${error.problems.map((p) => `${p.path || '(ruleset)'}: ${p.message}`).join('; ')}`, { problems: asFieldProblems(error.problems) });
    }
    throw apiError(error.code, error.message);
  }
}

const asFieldProblems = (problems: readonly RulesetProblem[]) => problems.map((p) => ({ field: p.path ? `content.${p.path}` : 'content', message: p.message }));

/** How every ruleset reason input states what requireReason accepts. */
const REASON_DESCRIPTION = 'Why the change: goes in the audit trail (not blank; at most 2000 characters).';
const reasonText = z.string().trim().min(1, 'must say why (it goes in the audit trail)').max(2_000, 'must be at most 2000 characters');
function requireReason(reason: string): string {
  const parsed = reasonText.safeParse(reason);
  if (!parsed.success) throw inputError([{ field: 'input.reason', message: parsed.error.issues[0]?.message ?? 'is not valid' }]);
  return parsed.data;
}

// ---- ruleset versions ----

type VersionParent = RulesetVersionRecord & { loadAudit: () => Promise<RulesetAuditEntry[]> };

/** Versions with one shared, lazy load of their borough's audit trail (one query however many versions are shown). */
function withAudit(context: ApiContext, borough: string, records: RulesetVersionRecord[]): VersionParent[] {
  let trail: Promise<RulesetAuditEntry[]> | undefined;
  const loadAudit = () => (trail ??= fromStore(() => rulesetAuditTrail(context.services.sql, borough)));
  return records.map((record) => ({ ...record, loadAudit }));
}

const RulesetStatusEnum = builder.enumType('RulesetStatus', {
  description: 'Where a ruleset version is in its lifecycle. PUBLISHED covers in force and scheduled (see inForce and effectiveFrom).',
  values: ['DRAFT', 'VALIDATED', 'APPROVED', 'PUBLISHED', 'SUPERSEDED'] as const,
});

const RulesetProblemRef = builder.objectRef<RulesetProblem>('RulesetProblem').implement({
  description: 'One problem in a ruleset, at its path (e.g. `rules[2].conditions.all[0].fact`; empty for the whole ruleset).',
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

const RulesetAuditEntryRef = builder.objectRef<RulesetAuditEntry>('RulesetAuditEntry').implement({
  description: 'One change to a borough\'s rulesets or settings: who, in what role, what, when and why.',
  fields: (t) => ({
    action: t.exposeString('action', { description: 'SEED, CREATE_DRAFT, UPDATE_DRAFT, VALIDATE, APPROVE, PUBLISH, ROLLBACK or SETTINGS_LOADED.' }),
    version: t.exposeInt('version', { nullable: true }),
    actor: t.exposeString('actor'),
    role: t.exposeString('role'),
    at: t.expose('at', { type: 'DateTime' }),
    reason: t.exposeString('reason', { nullable: true }),
    detail: t.field({ type: 'JSON', resolve: (e) => e.detail }),
  }),
});

export const RulesetVersionRef = builder.objectRef<VersionParent>('RulesetVersion').implement({
  description: 'One version of a borough\'s threshold ruleset. Immutable once published.',
  fields: (t) => ({
    borough: t.exposeString('borough'),
    version: t.exposeInt('version'),
    status: t.field({ type: RulesetStatusEnum, resolve: (v) => v.status }),
    inForce: t.exposeBoolean('inForce', { description: 'True for the one version that decides contacts received now.' }),
    name: t.string({ nullable: true, resolve: (v) => (isRecord(v.content) && typeof v.content.name === 'string' ? v.content.name : null) }),
    content: t.field({ type: 'JSON', description: 'The ruleset (thresholds.json format).', resolve: (v) => v.content }),
    contentHash: t.exposeString('contentHash', { description: 'sha256 of the canonical content: what every recommendation records.' }),
    author: t.exposeString('author'),
    reason: t.exposeString('reason'),
    basedOnVersion: t.exposeInt('basedOnVersion', { nullable: true }),
    rollbackOf: t.exposeInt('rollbackOf', { nullable: true, description: 'For a rollback: the earlier version republished.' }),
    source: t.exposeString('source', { nullable: true, description: 'For a seed: the file it came from.' }),
    problems: t.field({ type: [RulesetProblemRef], nullable: true, description: 'Problems found by the last validation; null if not validated since the last change.', resolve: (v) => v.problems }),
    validatedAt: t.expose('validatedAt', { type: 'DateTime', nullable: true }),
    approvedBy: t.exposeString('approvedBy', { nullable: true }),
    approvedAt: t.expose('approvedAt', { type: 'DateTime', nullable: true }),
    approvalReason: t.exposeString('approvalReason', { nullable: true }),
    publishedBy: t.exposeString('publishedBy', { nullable: true }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    publishReason: t.exposeString('publishReason', { nullable: true }),
    effectiveFrom: t.expose('effectiveFrom', { type: 'DateTime', nullable: true, description: 'When a published version takes (or took) effect.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    audit: t.field({
      type: [RulesetAuditEntryRef],
      description: 'Every change to this version, oldest first.',
      resolve: async (v) => (await v.loadAudit()).filter((entry) => entry.version === v.version),
    }),
  }),
});

const RuleCoverageRef = builder.objectRef<CoverageReport['rules'][number]>('RuleCoverage').implement({
  fields: (t) => ({
    ruleId: t.exposeString('id'),
    fired: t.exposeInt('fired', { description: 'Grid contacts on which the rule fired.' }),
    decided: t.exposeInt('decided', { description: 'Grid contacts on which it decided the recommendation.' }),
  }),
});

const CoverageRef = builder.objectRef<CoverageReport>('RulesetCoverage').implement({
  description: 'The ruleset run over a generated grid of representative contacts.',
  fields: (t) => ({
    contactsChecked: t.exposeInt('contactsChecked'),
    decidedByDefault: t.exposeInt('decidedByDefault'),
    rules: t.field({ type: [RuleCoverageRef], resolve: (c) => c.rules }),
  }),
});

const ValidationRef = builder.objectRef<{ validation: RulesetValidation; record: VersionParent }>('RulesetValidation').implement({
  description: 'A whole-ruleset check: every problem at once, each with its path.',
  fields: (t) => ({
    valid: t.boolean({ resolve: (v) => v.validation.valid }),
    problems: t.field({ type: [RulesetProblemRef], description: 'Blocking problems: none when valid.', resolve: (v) => v.validation.problems }),
    warnings: t.field({ type: [RulesetProblemRef], description: 'Worth a look, not blocking (e.g. a rule that fires but never decides).', resolve: (v) => v.validation.warnings }),
    coverage: t.field({ type: CoverageRef, nullable: true, description: 'Null when the ruleset could not be parsed.', resolve: (v) => v.validation.coverage }),
    ruleset: t.field({ type: RulesetVersionRef, description: 'The version after validation (DRAFT or VALIDATED).', resolve: (v) => v.record }),
  }),
});

builder.queryField('ruleset', (t) =>
  t.field({
    type: RulesetVersionRef,
    description: 'One version of a borough\'s threshold ruleset: the one in force now when `version` is left out.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }), version: t.arg.int() },
    resolve: async (_root, { borough, version }, context) => {
      authorise(context, borough, rolesFor('Query.ruleset'));
      const { sql, now } = context.services;
      const found = await store(() => (version == null ? findRulesetInForce(sql, borough, now()) : findRulesetVersion(sql, borough, version, now())));
      if (!found) throw apiError('NOT_FOUND', version == null ? `Borough "${borough}" has no published ruleset.` : `Borough "${borough}" has no ruleset version ${version}.`);
      return withAudit(context, borough, [found])[0]!;
    },
  }),
);

builder.queryField('rulesetVersions', (t) =>
  t.field({
    type: [RulesetVersionRef],
    description: 'Every version of a borough\'s threshold ruleset, newest first.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }) },
    resolve: async (_root, { borough }, context) => {
      authorise(context, borough, rolesFor('Query.rulesetVersions'));
      const { sql, now } = context.services;
      return withAudit(context, borough, await store(() => listRulesetVersions(sql, borough, now())));
    },
  }),
);

const CreateDraftInput = builder.inputType('CreateRulesetDraftInput', {
  fields: (t) => ({
    borough: t.string({ required: true }),
    basedOnVersion: t.int({ description: 'Copy this version\'s content (default: the version in force) unless `content` is given.' }),
    content: t.field({ type: 'JSON', description: 'The whole ruleset (thresholds.json format); `borough` and `version` are set for you.' }),
    reason: t.string({ required: true, description: REASON_DESCRIPTION }),
  }),
});

builder.mutationField('createRulesetDraft', (t) =>
  t.field({
    type: RulesetVersionRef,
    description: 'Starts a draft as the borough\'s next ruleset version. Administrators of the borough only.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateDraftInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.createRulesetDraft'));
      const reason = requireReason(input.reason);
      const { sql, now } = context.services;
      const record = await store(() =>
        createRulesetDraft(sql, { borough: input.borough, actor, now: now(), reason, content: input.content ?? undefined, basedOnVersion: input.basedOnVersion ?? undefined }),
      );
      return withAudit(context, input.borough, [record])[0]!;
    },
  }),
);

const UpdateDraftInput = builder.inputType('UpdateRulesetDraftInput', {
  fields: (t) => ({
    borough: t.string({ required: true }),
    version: t.int({ required: true }),
    content: t.field({ type: 'JSON', required: true, description: 'The whole ruleset; replaces the draft\'s content.' }),
    reason: t.string({ required: true, description: REASON_DESCRIPTION }),
  }),
});

builder.mutationField('updateRulesetDraft', (t) =>
  t.field({
    type: RulesetVersionRef,
    description: 'Replaces a draft\'s content (its author only). Any validation or approval is void: it is a DRAFT again.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateDraftInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.updateRulesetDraft'));
      const reason = requireReason(input.reason);
      const { sql, now } = context.services;
      const record = await store(() => updateRulesetDraft(sql, { borough: input.borough, version: input.version, actor, now: now(), reason, content: input.content }));
      return withAudit(context, input.borough, [record])[0]!;
    },
  }),
);

builder.mutationField('validateRuleset', (t) =>
  t.field({
    type: ValidationRef,
    description:
      'Checks a version as a whole and reports every problem with its path: shape, json-rules-engine, fact vocabulary, outcomes, and coverage ' +
      'and conflicts on a grid of representative contacts. A valid draft becomes VALIDATED; an invalid one stays a DRAFT.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }), version: t.arg.int({ required: true }) },
    resolve: async (_root, { borough, version }, context) => {
      const actor = authorise(context, borough, rolesFor('Mutation.validateRuleset'));
      const { sql, now } = context.services;
      const { validation, record } = await store(() => validateRulesetVersion(sql, { borough, version, actor, now: now() }));
      return { validation, record: withAudit(context, borough, [record])[0]! };
    },
  }),
);

const ApproveInput = builder.inputType('ApproveRulesetInput', {
  fields: (t) => ({ borough: t.string({ required: true }), version: t.int({ required: true }), reason: t.string({ required: true, description: REASON_DESCRIPTION }) }),
});

builder.mutationField('approveRuleset', (t) =>
  t.field({
    type: RulesetVersionRef,
    description: 'A second administrator (never the author) approves a VALIDATED version.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: ApproveInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.approveRuleset'));
      const reason = requireReason(input.reason);
      const { sql, now } = context.services;
      const record = await store(() => approveRulesetVersion(sql, { borough: input.borough, version: input.version, actor, now: now(), reason }));
      return withAudit(context, input.borough, [record])[0]!;
    },
  }),
);

const PublishInput = builder.inputType('PublishRulesetInput', {
  fields: (t) => ({
    borough: t.string({ required: true }),
    version: t.int({ required: true }),
    reason: t.string({ required: true, description: REASON_DESCRIPTION }),
    effectiveFrom: t.field({ type: 'DateTime', description: 'When it takes effect (default now; never in the past).' }),
  }),
});

builder.mutationField('publishRuleset', (t) =>
  t.field({
    type: RulesetVersionRef,
    description:
      'Publishes an APPROVED version, from now or a set time. It is validated again first; an invalid version is refused with every problem listed. ' +
      'Contacts already received keep the version they were given.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: PublishInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.publishRuleset'));
      const reason = requireReason(input.reason);
      const { sql, now } = context.services;
      const record = await store(() =>
        publishRulesetVersion(sql, { borough: input.borough, version: input.version, actor, now: now(), reason, effectiveFrom: input.effectiveFrom ?? undefined }),
      );
      return withAudit(context, input.borough, [record])[0]!;
    },
  }),
);

const RollbackInput = builder.inputType('RollbackRulesetInput', {
  fields: (t) => ({
    borough: t.string({ required: true }),
    toVersion: t.int({ required: true, description: 'An earlier published version to bring back.' }),
    reason: t.string({ required: true, description: REASON_DESCRIPTION }),
    effectiveFrom: t.field({ type: 'DateTime', description: 'When it takes effect (default now).' }),
  }),
});

builder.mutationField('rollbackRuleset', (t) =>
  t.field({
    type: RulesetVersionRef,
    description: 'Republishes an earlier published version\'s content as a new version (validated again first). Returns the new version.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RollbackInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.rollbackRuleset'));
      const reason = requireReason(input.reason);
      const { sql, now } = context.services;
      const record = await store(() =>
        rollbackRuleset(sql, { borough: input.borough, toVersion: input.toVersion, actor, now: now(), reason, effectiveFrom: input.effectiveFrom ?? undefined }),
      );
      return withAudit(context, input.borough, [record])[0]!;
    },
  }),
);

// ---- explanations ----

const ConditionEvaluationRef = builder.objectRef<RuleTrace['conditions'][number]>('ConditionEvaluation').implement({
  description: 'One condition of a rule as evaluated: what it tested, the fact value it saw, and whether it held (null: not evaluated).',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Where it sits in the rule\'s conditions, e.g. `all[1].any[0]`; a `not` in the path inverts it.' }),
    fact: t.exposeString('fact'),
    operator: t.exposeString('operator'),
    value: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.value }),
    factValue: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.factValue }),
    result: t.boolean({ nullable: true, resolve: (c) => c.result }),
  }),
});

const RuleEvaluationRef = builder.objectRef<RuleTrace>('RuleEvaluation').implement({
  description: 'One rule as evaluated for a contact.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    priority: t.exposeInt('priority'),
    fired: t.exposeBoolean('fired'),
    levelOfNeed: t.int({ resolve: (r) => r.outcome.levelOfNeed }),
    pathway: t.field({ type: PathwayEnum, resolve: (r) => r.outcome.pathway }),
    rag: t.field({ type: RagEnum, resolve: (r) => r.outcome.rag }),
    explanation: t.exposeString('explanation'),
    conditions: t.field({ type: [ConditionEvaluationRef], resolve: (r) => r.conditions }),
  }),
});

const ExplanationRef = builder.objectRef<Explanation>('Explanation').implement({
  description: 'Why a recommendation was made: the facts, every rule considered with each condition, and the hit policy that chose.',
  fields: (t) => ({
    decidingRuleId: t.exposeString('decidingRuleId'),
    hitPolicy: t.exposeString('hitPolicy'),
    facts: t.field({ type: 'JSON', resolve: (e) => e.facts }),
    rules: t.field({ type: [RuleEvaluationRef], resolve: (e) => e.rules }),
  }),
});

export const EvaluatedRecommendationRef = builder.objectRef<Recommendation>('EvaluatedRecommendation').implement({
  description: 'A recommendation computed on request (not stored): level of need, pathway and RAG rating, with the version and explanation.',
  fields: (t) => ({
    levelOfNeed: t.exposeInt('levelOfNeed'),
    pathway: t.field({ type: PathwayEnum, resolve: (r) => r.pathway }),
    rag: t.field({ type: RagEnum, resolve: (r) => r.rag }),
    decidingRuleId: t.exposeString('decidingRuleId'),
    summary: t.exposeString('summary', { description: 'Plain English for a caseworker.' }),
    rulesetVersion: t.exposeInt('rulesetVersion'),
    rulesetHash: t.exposeString('rulesetHash'),
    explanation: t.field({ type: ExplanationRef, resolve: (r) => r.explanation }),
  }),
});

const OutcomeRef = builder.objectRef<OutcomeView>('RecommendationOutcome').implement({
  fields: (t) => ({
    levelOfNeed: t.exposeInt('levelOfNeed'),
    pathway: t.field({ type: PathwayEnum, resolve: (o) => o.pathway }),
    rag: t.field({ type: RagEnum, resolve: (o) => o.rag }),
    decidingRuleId: t.exposeString('decidingRuleId'),
    summary: t.exposeString('summary'),
  }),
});

// ---- simulation ----

type StoredReport = NonNullable<Awaited<ReturnType<typeof findSimulationReport>>>;
type ChangeParent = SimulationChange & { explain: () => Promise<Map<string, { from: Explanation; to: Recommendation }>> };

const PathwayTransitionRef = builder.objectRef<SimulationReport['summary']['pathwayMatrix'][number]>('PathwayTransition').implement({
  fields: (t) => ({ from: t.field({ type: PathwayEnum, resolve: (c) => c.from }), to: t.field({ type: PathwayEnum, resolve: (c) => c.to }), count: t.exposeInt('count') }),
});
const RagTransitionRef = builder.objectRef<SimulationReport['summary']['ragMatrix'][number]>('RagTransition').implement({
  fields: (t) => ({ from: t.field({ type: RagEnum, resolve: (c) => c.from }), to: t.field({ type: RagEnum, resolve: (c) => c.to }), count: t.exposeInt('count') }),
});

const ChangeExplanationsRef = builder.objectRef<{ from: Explanation; to: Recommendation }>('SimulatedChangeExplanations').implement({
  fields: (t) => ({
    from: t.field({ type: ExplanationRef, description: 'The explanation stored with the recommendation it was given.', resolve: (e) => e.from }),
    to: t.field({ type: EvaluatedRecommendationRef, description: 'What the simulated version recommends, and why.', resolve: (e) => e.to }),
  }),
});

const SimulatedChangeRef = builder.objectRef<ChangeParent>('SimulatedChange').implement({
  description: 'A past contact whose recommendation the simulated version would change.',
  fields: (t) => ({
    contactId: t.exposeID('contactId'),
    reference: t.exposeString('reference'),
    receivedAt: t.field({ type: 'DateTime', resolve: (c) => new Date(c.receivedAt) }),
    from: t.field({ type: OutcomeRef, description: 'What it was recommended.', resolve: (c) => c.from }),
    fromRulesetVersion: t.int({ resolve: (c) => c.from.rulesetVersion }),
    to: t.field({ type: OutcomeRef, description: 'What the simulated version recommends.', resolve: (c) => c.to }),
    explanations: t.field({
      type: ChangeExplanationsRef,
      nullable: true,
      description: 'Both structured explanations (loaded for the whole page at once).',
      resolve: async (c) => (await c.explain()).get(c.contactId) ?? null,
    }),
  }),
});

const SimulationReportRef = builder.objectRef<StoredReport>('SimulationReport').implement({
  description: 'A what-if run of a ruleset version over a borough\'s past contacts. Only this report was written.',
  fields: (t) => ({
    id: t.exposeID('id'),
    borough: t.exposeString('borough'),
    rulesetVersion: t.exposeInt('rulesetVersion'),
    rulesetHash: t.exposeString('rulesetHash'),
    periodFrom: t.expose('periodFrom', { type: 'DateTime' }),
    periodTo: t.expose('periodTo', { type: 'DateTime' }),
    requestedBy: t.exposeString('requestedBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs'),
    contactsInPeriod: t.int({ resolve: (r) => r.summary.contactsInPeriod }),
    withoutRecommendation: t.int({ description: 'Contacts not yet recommended when simulated (left out).', resolve: (r) => r.summary.withoutRecommendation }),
    compared: t.int({ resolve: (r) => r.summary.compared }),
    changed: t.int({ description: 'Contacts whose level, pathway or RAG would change.', resolve: (r) => r.summary.changed }),
    pathwayChanged: t.int({ resolve: (r) => r.summary.pathwayChanged }),
    ragChanged: t.int({ resolve: (r) => r.summary.ragChanged }),
    levelChanged: t.int({ resolve: (r) => r.summary.levelChanged }),
    pathwayMatrix: t.field({ type: [PathwayTransitionRef], description: 'Every from -> to pathway pair seen, with its count (unchanged pairs included).', resolve: (r) => r.summary.pathwayMatrix }),
    ragMatrix: t.field({ type: [RagTransitionRef], description: 'Every from -> to RAG pair seen, with its count.', resolve: (r) => r.summary.ragMatrix }),
    changes: t.field({
      type: [SimulatedChangeRef],
      args: { offset: t.arg.int({ defaultValue: 0 }), limit: t.arg.int({ defaultValue: 100 }) },
      description: 'The changed contacts, oldest first, a page at a time (limit at most 500).',
      resolve: (report, { offset, limit }, context) => {
        const from = Math.max(0, offset ?? 0);
        const page = report.changes.slice(from, from + Math.min(Math.max(limit ?? 100, 0), 500));
        let loaded: ReturnType<ChangeParent['explain']> | undefined;
        const explain = () => (loaded ??= fromStore(() => explainSimulatedChanges(context.services.sql, report, page.map((c) => c.contactId))));
        return page.map((change) => ({ ...change, explain }));
      },
    }),
  }),
});

const SimulateInput = builder.inputType('SimulateRulesetInput', {
  fields: (t) => ({
    borough: t.string({ required: true }),
    version: t.int({ required: true, description: 'Usually a draft; any version whose content parses.' }),
    from: t.field({ type: 'DateTime', required: true, description: 'Contacts received from this instant...' }),
    to: t.field({ type: 'DateTime', required: true, description: '...until (not including) this one.' }),
  }),
});

builder.mutationField('simulateRuleset', (t) =>
  t.field({
    type: SimulationReportRef,
    description: 'Runs a ruleset version over the borough\'s contacts received in the period and compares with what they were recommended. Writes only the report.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: SimulateInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const actor = authorise(context, input.borough, rolesFor('Mutation.simulateRuleset'));
      const { sql, now } = context.services;
      const report = await store(() => simulateRuleset(sql, { borough: input.borough, version: input.version, from: input.from, to: input.to, actor, now: now() }));
      const stored = await store(() => findSimulationReport(sql, [input.borough], report.id));
      if (!stored) throw new Error(`simulation report ${report.id} was not stored`);
      return stored;
    },
  }),
);

builder.queryField('simulationReport', (t) =>
  t.field({
    type: SimulationReportRef,
    description: 'A stored simulation report of one of your boroughs.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const caller = requireRole(context, rolesFor('Query.simulationReport'), 'Reading simulation reports');
      const reportId = String(id);
      const boroughs = caller.boroughs.filter((b) => context.services.boroughs.has(b));
      const found = z.uuid().safeParse(reportId).success ? await store(() => findSimulationReport(context.services.sql, boroughs, reportId)) : null;
      if (!found) throw apiError('NOT_FOUND', `No simulation report ${reportId} in the boroughs you administer.`);
      return found;
    },
  }),
);

// ---- replay, comparison, overrides ----

const ReplayRef = builder.objectRef<ReplayResult>('DecisionReplay').implement({
  description: 'A past recommendation evaluated again under the ruleset version it recorded.',
  fields: (t) => ({
    decisionId: t.exposeID('decisionId'),
    contactId: t.exposeID('contactId'),
    borough: t.exposeString('borough'),
    reference: t.exposeString('reference'),
    rulesetVersion: t.exposeInt('rulesetVersion'),
    recordedHash: t.exposeString('recordedHash', { description: 'The ruleset hash the decision recorded.' }),
    versionHash: t.exposeString('versionHash', { description: 'The stored content hash of that version.' }),
    evaluatedAt: t.expose('evaluatedAt', { type: 'DateTime' }),
    original: t.field({ type: OutcomeRef, resolve: (r) => r.original }),
    replayed: t.field({ type: EvaluatedRecommendationRef, resolve: (r) => r.replayed }),
    matches: t.exposeBoolean('matches', { description: 'Same version hash, outcome, deciding rule, facts and rule results.' }),
    differences: t.exposeStringList('differences'),
  }),
});

builder.queryField('replayDecision', (t) =>
  t.field({
    type: ReplayRef,
    description: 'Re-evaluates a past decision (for now: a contact\'s recommendation, by contact id) under its own ruleset version and shows whether it matches.',
    authScopes: { authenticated: true },
    args: { decisionId: t.arg.id({ required: true }) },
    resolve: async (_root, { decisionId }, context) => {
      const caller = requireRole(context, rolesFor('Query.replayDecision'), 'Replaying decisions');
      const id = String(decisionId);
      const boroughs = caller.boroughs.filter((b) => context.services.boroughs.has(b));
      const found = z.uuid().safeParse(id).success ? await store(() => replayDecision(context.services.sql, boroughs, id)) : null;
      if (!found) throw apiError('NOT_FOUND', `No recorded decision ${id} in your boroughs (${caller.boroughs.join(', ')}).`);
      return found;
    },
  }),
);

const HypotheticalChildInput = builder.inputType('HypotheticalChildInput', {
  description: 'A child, by age only: give dateOfBirth, or expectedDateOfBirth for an unborn child.',
  fields: (t) => ({ dateOfBirth: t.field({ type: 'Date' }), expectedDateOfBirth: t.field({ type: 'Date' }) }),
});

const HypotheticalContactInput = builder.inputType('HypotheticalContactInput', {
  description: 'A contact described only as the threshold rules see it (no names): nothing is stored.',
  fields: (t) => ({
    receivedAt: t.field({ type: 'DateTime', description: 'Default now; ages are counted on its London date, and each borough\'s rules in force then apply.' }),
    referrerType: t.field({ type: ReferrerTypeEnum, required: true }),
    consent: t.field({ type: ConsentStatusEnum, required: true }),
    indicators: t.field({ type: [ConcernIndicatorEnum], required: true }),
    children: t.field({ type: [HypotheticalChildInput], required: true }),
    previousContactsWithin12Months: t.int({ defaultValue: 0 }),
  }),
});

const BoroughRecommendationRef = builder.objectRef<{ borough: string; name: string; recommendation: Recommendation }>('BoroughRecommendation').implement({
  fields: (t) => ({
    borough: t.exposeString('borough'),
    name: t.exposeString('name'),
    recommendation: t.field({ type: EvaluatedRecommendationRef, resolve: (r) => r.recommendation }),
  }),
});

const ComparisonRef = builder.objectRef<{ sameEverywhere: boolean; results: { borough: string; name: string; recommendation: Recommendation }[] }>('BoroughComparison').implement({
  fields: (t) => ({
    sameEverywhere: t.exposeBoolean('sameEverywhere', { description: 'True when every borough recommends the same level, pathway and RAG.' }),
    results: t.field({ type: [BoroughRecommendationRef], resolve: (c) => c.results }),
  }),
});

builder.queryField('compareBoroughs', (t) =>
  t.field({
    type: ComparisonRef,
    description: 'Runs one hypothetical contact through every borough\'s ruleset in force, side by side. Administrators only; nothing is stored.',
    authScopes: { role: 'administrator' },
    args: { contact: t.arg({ type: HypotheticalContactInput, required: true }) },
    resolve: async (_root, { contact: input }, context) => {
      const { services } = context;
      const problems: { field: string; message: string }[] = [];
      if (input.children.length === 0 || input.children.length > 20) problems.push({ field: 'contact.children', message: 'give 1 to 20 children' });
      input.children.forEach((child, i) => {
        if ((child.dateOfBirth == null) === (child.expectedDateOfBirth == null)) problems.push({ field: `contact.children[${i}]`, message: 'give exactly one of dateOfBirth or expectedDateOfBirth' });
      });
      const previous = input.previousContactsWithin12Months ?? 0;
      if (previous < 0) problems.push({ field: 'contact.previousContactsWithin12Months', message: 'must be 0 or more' });
      if (problems.length > 0) throw inputError(problems);
      const at = input.receivedAt ?? services.now();
      const contact: ContactForRules = {
        receivedAt: at.toISOString(),
        referrerType: input.referrerType,
        consent: input.consent,
        indicators: [...new Set(input.indicators)],
        children: input.children.map((c) => ({ dateOfBirth: c.dateOfBirth ?? null, expectedDateOfBirth: c.expectedDateOfBirth ?? null })),
        previousContactsWithin12Months: previous,
      };
      const compared = await store(() => compareBoroughs(services.sql, [...services.boroughs.keys()], contact, at));
      const results = compared.map((r) => ({ ...r, name: services.boroughs.get(r.borough)?.name ?? r.borough }));
      const outcomes = new Set(results.map(({ recommendation: r }) => `${r.levelOfNeed}/${r.pathway}/${r.rag}`));
      return { sameEverywhere: outcomes.size <= 1, results };
    },
  }),
);

const PathwayCountRef = builder.objectRef<{ pathway: (typeof PathwayEnum)['$inferType']; count: number }>('PathwayCount').implement({
  fields: (t) => ({ pathway: t.field({ type: PathwayEnum, resolve: (p) => p.pathway }), count: t.exposeInt('count') }),
});

const RuleOverridesRef = builder.objectRef<Awaited<ReturnType<typeof overrideAnalytics>>[number]>('RuleOverrides').implement({
  description: 'How often people overrode one rule\'s recommendation at screening, and to what.',
  fields: (t) => ({
    ruleId: t.exposeString('ruleId', { description: 'The deciding rule of the recommendation, or "default".' }),
    decisions: t.exposeInt('decisions'),
    overridden: t.exposeInt('overridden'),
    overrideRate: t.exposeFloat('overrideRate', { description: 'overridden / decisions, 0 to 1.' }),
    overriddenTo: t.field({ type: [PathwayCountRef], description: 'The pathways chosen instead, most common first.', resolve: (r) => r.overriddenTo }),
  }),
});

builder.queryField('overrideAnalytics', (t) =>
  t.field({
    type: [RuleOverridesRef],
    description: 'Per rule, the screening decisions made on its recommendation in the period, how many overrode it, and to what. Most overridden first.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }), from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: async (_root, { borough, from, to }, context) => {
      authorise(context, borough, rolesFor('Query.overrideAnalytics'));
      if (from && to && from > to) throw apiError('BAD_USER_INPUT', `to: ${to.toISOString()} is before from (${from.toISOString()}); a period ends after it starts.`);
      return store(() => overrideAnalytics(context.services.sql, borough, { from, to }));
    },
  }),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

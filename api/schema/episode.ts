import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { findEpisode, findEpisodeHeader, type EpisodeRecord } from '../../db/episodes';
import type { Agency } from '../../rules/vocabulary';
import type { Actor } from '../../workflows/contact';
import {
  ACTION_STATUSES, CONFERENCE_OUTCOMES, DISCUSSION_OUTCOMES, EARLY_HELP_OUTCOMES, EPISODE_STAGES, PLAN_KINDS, PROTECTION_KINDS, REVIEW_KINDS, SECTION47_RECOMMENDATIONS,
  SERVICE_LEVELS, addPlanAction, authoriseSection47, closeCase, completeAssessment, createPlan, endEarlyHelp, endProtection, extendEmergencyProtectionOrder,
  recordEarlyHelpAssessment, recordEmergencyProtectionOrder, recordInitialConference, recordPoliceProtection, recordReview, recordVisit, recordSection47Outcome,
  recordStrategyDiscussion, scheduleStrategyDiscussion, startAssessment,
  startSection47, stepDown, stepUp, updatePlanAction, type EpisodeStep,
} from '../../workflows/episode';
import { episodeWorkflowId } from '../../workflows/referral';
import { rolesFor } from '../access';
import type { Role } from '../auth';
import { builder } from '../builder';
import { fromStore, requireBoroughRole, type ApiContext } from '../context';
import { apiError } from '../errors';
import { answerEpisodeStep } from '../read-your-step';
import { asArguments, runCaseUpdate, underInput, type FieldPaths } from '../updates';
import { EscalationStageEnum } from './borough';
import { Child, childOfEpisode } from './child';
import { AgencyEnum, RagEnum } from './enums';

// A child's episode after referral: one mutation per human step (each a Temporal update on the child's episode
// workflow, whose validator enforces the law and the CIN census rules), and `episode(caseId)` to read it all back.

const EpisodeStageEnum = builder.enumType('EpisodeStage', { values: EPISODE_STAGES, description: 'The most pressing thing open on an episode (ASSESSMENT_COMPLETED: assessed, with no plan, early help or closure decided yet).' });
const ServiceLevelEnum = builder.enumType('ServiceLevel', { values: SERVICE_LEVELS, description: 'NONE (referral, assessment), EARLY_HELP, CIN (child in need plan) or CP (child protection plan).' });
const DiscussionOutcomeEnum = builder.enumType('StrategyDiscussionOutcome', { values: DISCUSSION_OUTCOMES });
const Section47RecommendationEnum = builder.enumType('Section47Recommendation', { values: SECTION47_RECOMMENDATIONS });
const ConferenceOutcomeEnum = builder.enumType('ConferenceOutcome', { values: CONFERENCE_OUTCOMES });
const PlanKindEnum = builder.enumType('PlanKind', { values: PLAN_KINDS, description: 'CIN (child in need) or CP (child protection).' });
const ReviewKindEnum = builder.enumType('ReviewKind', { values: REVIEW_KINDS });
const PlanActionStatusEnum = builder.enumType('PlanActionStatus', { values: ACTION_STATUSES });
const ProtectionKindEnum = builder.enumType('ProtectionKind', { values: PROTECTION_KINDS });
const StepDownToEnum = builder.enumType('StepDownTo', { values: ['CIN', 'EARLY_HELP'] as const });
const StepUpToEnum = builder.enumType('StepUpTo', { values: ['CIN', 'CP'] as const });
const EarlyHelpOutcomeEnum = builder.enumType('EarlyHelpOutcome', {
  values: EARLY_HELP_OUTCOMES,
  description: 'How an early help episode ended. STEPPED_UP is set by a step up to social care (stepUp, a CIN plan, or a CP plan at a conference), never by endEarlyHelp.',
});

// ---- the answer to every step ----

const EpisodeDeadline = builder.objectRef<EpisodeStep['deadlines'][number]>('EpisodeDeadline').implement({
  description: 'A deadline a step set, from the borough\'s calendar; it escalates up the borough\'s ladder when missed.',
  fields: (t) => ({
    what: t.field({ type: EscalationStageEnum, resolve: (d) => d.what }),
    dueAt: t.field({ type: 'DateTime', resolve: (d) => new Date(d.dueAt) }),
    dueDate: t.field({ type: 'Date', description: 'Europe/London date.', resolve: (d) => d.dueDate }),
  }),
});

const OverdueAction = builder.objectRef<EpisodeStep['overdueActions'][number]>('OverdueAction').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    description: t.exposeString('description'),
    responsibleAgency: t.exposeString('responsibleAgency'),
    dueDate: t.field({ type: 'Date', resolve: (a) => a.dueDate }),
  }),
});

const EpisodeStepPayload = builder.objectRef<EpisodeStep>('EpisodeStepPayload').implement({
  description: 'A step the child\'s episode accepted: where it now stands and what the step computed. `episode` and `case` read straight after show no less.',
  fields: (t) => ({
    caseId: t.exposeID('caseId'),
    stage: t.field({ type: EpisodeStageEnum, resolve: (s) => s.stage }),
    level: t.field({ type: ServiceLevelEnum, resolve: (s) => s.level }),
    recordId: t.exposeID('recordId', { nullable: true, description: 'What the step recorded (discussion, s47, assessment, plan, action, review, order).' }),
    deadlines: t.field({ type: [EpisodeDeadline], resolve: (s) => s.deadlines }),
    missingAgencies: t.field({ type: [AgencyEnum], description: 'Required agencies absent from a strategy discussion; each has a follow-up task.', resolve: (s) => s.missingAgencies }),
    overdueActions: t.field({ type: [OverdueAction], description: 'The plan\'s open actions past their due date, listed at a review.', resolve: (s) => s.overdueActions }),
  }),
});

// ---- inputs ----

const AttendeeInput = builder.inputType('StrategyDiscussionAttendeeInput', {
  fields: (t) => ({
    agency: t.field({ type: AgencyEnum, required: true }),
    name: t.string({ required: true, description: 'At least 2 characters.' }),
    role: t.string({ required: true, description: 'At least 2 characters.' }),
    manager: t.boolean({ required: true, description: 'A manager of that agency (children\'s social care must bring one).' }),
  }),
});

const DiscussionActionInput = builder.inputType('StrategyDiscussionActionInput', {
  fields: (t) => ({
    description: t.string({ required: true, description: 'Specific: what will be done and how (at least 20 characters and 4 words; no vague phrases such as "monitor" or "as appropriate").' }),
    owner: t.string({ required: true, description: 'The named person who will do it (at least 2 characters).' }),
    agency: t.field({ type: AgencyEnum, required: true }),
    dueDate: t.field({ type: 'Date', required: true, description: 'From today on (Europe/London).' }),
  }),
});

const ScheduleDiscussionInput = builder.inputType('ScheduleStrategyDiscussionInput', {
  fields: (t) => ({
    scheduledFor: t.field({ type: 'DateTime', required: true }),
    invitedAgencies: t.field({ type: [AgencyEnum], required: true, description: 'Must include every agency the borough requires.' }),
    purpose: t.string({ required: true, description: 'Why the discussion is needed (at least 10 characters).' }),
  }),
});

const RecordDiscussionInput = builder.inputType('RecordStrategyDiscussionInput', {
  fields: (t) => ({
    heldAt: t.field({ type: 'DateTime', required: true }),
    attendees: t.field({ type: [AttendeeInput], required: true }),
    outcome: t.field({ type: DiscussionOutcomeEnum, required: true }),
    rationale: t.string({ required: true, description: 'Why this outcome (at least 10 characters).' }),
    actions: t.field({ type: [DiscussionActionInput], required: true, description: 'Each with an owner and a due date.' }),
    overrideReason: t.string({ description: 'A manager\'s reason to record it without a required agency (or a social care manager): it is then incomplete, with a follow-up task per missing agency (at least 10 characters).' }),
  }),
});

const StartSection47Input = builder.inputType('StartSection47Input', {
  fields: (t) => ({
    strategyDiscussionId: t.id({ description: 'The discussion that decided on it; defaults to the latest that did.' }),
  }),
});

const Section47OutcomeInput = builder.inputType('Section47OutcomeInput', {
  fields: (t) => ({
    enquiries: t.stringList({ required: true, description: 'Each enquiry made: who was seen or spoken to, what was checked (at least one; each at least 10 characters).' }),
    analysis: t.string({ required: true, description: 'What the enquiries found and what it means for the child\'s safety (at least 50 characters).' }),
    recommendation: t.field({ type: Section47RecommendationEnum, required: true }),
    recommendationDetail: t.string({ required: true, description: 'At least 10 characters.' }),
  }),
});

const AuthoriseSection47Input = builder.inputType('AuthoriseSection47Input', {
  fields: (t) => ({ managerComment: t.string({ required: true, description: 'The manager\'s view of the enquiry, analysis and recommendation (at least 10 characters).' }) }),
});

const CompleteAssessmentInput = builder.inputType('CompleteAssessmentInput', {
  fields: (t) => ({
    factors: t.stringList({ required: true, description: 'Factors identified, as CIN census codes (e.g. 3B, 16A; 21 for none).' }),
    summary: t.string({ required: true, description: 'At least 10 characters.' }),
    overdueReason: t.string({ description: 'Required once the assessment is past its due date.' }),
    childSeen: t.boolean({ required: true, description: 'Whether the child was seen during the assessment (Ofsted Annex A list 4).' }),
  }),
});

const InitialConferenceInput = builder.inputType('InitialConferenceInput', {
  fields: (t) => ({
    heldOn: t.field({ type: 'Date', required: true, description: 'A working day in the borough\'s calendar.' }),
    outcome: t.field({ type: ConferenceOutcomeEnum, required: true }),
    categoryOfAbuse: t.string({ description: 'With a CP plan: NEG, PHY, SAB, EMO or MUL.' }),
    note: t.string(),
  }),
});

const CreatePlanInput = builder.inputType('CreatePlanInput', {
  fields: (t) => ({
    kind: t.field({ type: PlanKindEnum, required: true, description: 'CIN. (A CP plan starts at the initial conference that decides on one.)' }),
    startDate: t.field({ type: 'Date', description: 'Defaults to today.' }),
  }),
});

const PlanActionInput = builder.inputType('PlanActionInput', {
  fields: (t) => ({
    description: t.string({ required: true, description: 'Specific: what will be done, how and how often (at least 20 characters and 4 words; never "monitor" or "support the family").' }),
    responsibleAgency: t.field({ type: AgencyEnum, required: true }),
    responsiblePerson: t.string({ description: 'The named person, where known (required for OTHER; at least 2 characters).' }),
    dueDate: t.field({ type: 'Date', required: true, description: 'From today on (Europe/London): a date, never "next review".' }),
    intendedOutcome: t.string({ required: true, description: 'What it should change for the child (at least 10 characters).' }),
  }),
});

const UpdatePlanActionInput = builder.inputType('UpdatePlanActionInput', {
  fields: (t) => ({
    actionId: t.id({ required: true }),
    description: t.string(),
    responsibleAgency: t.field({ type: AgencyEnum }),
    responsiblePerson: t.string(),
    dueDate: t.field({ type: 'Date', description: 'A new due date, from today on; moving it needs a note.' }),
    intendedOutcome: t.string(),
    status: t.field({ type: PlanActionStatusEnum, description: 'COMPLETED, or CANCELLED (with a note).' }),
    note: t.string(),
  }),
});

const ReviewInput = builder.inputType('ReviewInput', {
  fields: (t) => ({
    kind: t.field({ type: ReviewKindEnum, required: true }),
    heldOn: t.field({ type: 'Date', required: true }),
    summary: t.string({ required: true, description: 'At least 10 characters.' }),
  }),
});

const RecordVisitInput = builder.inputType('RecordVisitInput', {
  fields: (t) => ({
    caseId: t.id({ required: true, description: 'The child\'s open episode.' }),
    visitedOn: t.field({ type: 'Date', required: true, description: 'Europe/London date: not before the referral, not in the future.' }),
    visitor: t.string({ required: true, description: 'Who visited: name and role (at least 2 characters).' }),
    childSeen: t.boolean({ required: true, description: 'Whether the child was seen. Only a visit in which the child was seen meets the plan\'s visit deadline.' }),
    seenAlone: t.boolean({ required: true, description: 'Whether the child was seen alone (only if seen).' }),
    note: t.string({ required: true, description: 'What the visit found (at least 10 characters).' }),
  }),
});

const EarlyHelpInput = builder.inputType('EarlyHelpInput', {
  description: 'The early help episode a step down to early help starts.',
  fields: (t) => ({
    organisation: t.string({ required: true, description: 'The organisation assessing and working with the family, e.g. the family hub (at least 2 characters).' }),
    startDate: t.field({ type: 'Date', description: 'When early help started: defaults to today; not in the future nor before the referral.' }),
  }),
});

const StepDownInput = builder.inputType('StepDownInput', {
  fields: (t) => ({
    to: t.field({ type: StepDownToEnum, required: true }),
    reason: t.string({ required: true, description: 'At least 10 characters.' }),
    earlyHelp: t.field({ type: EarlyHelpInput, description: 'Required with to: EARLY_HELP (and only then).' }),
  }),
});

const RecordEarlyHelpAssessmentInput = builder.inputType('RecordEarlyHelpAssessmentInput', {
  fields: (t) => ({
    caseId: t.id({ required: true, description: 'The episode with the open early help.' }),
    completedOn: t.field({ type: 'Date', required: true, description: 'Not in the future, nor before early help started.' }),
  }),
});

const EndEarlyHelpInput = builder.inputType('EndEarlyHelpInput', {
  fields: (t) => ({
    caseId: t.id({ required: true, description: 'The episode with the open early help.' }),
    endedOn: t.field({ type: 'Date', required: true, description: 'Not in the future, nor before early help started or its assessment was completed.' }),
    outcome: t.field({ type: EarlyHelpOutcomeEnum, required: true, description: 'Not STEPPED_UP (use stepUp).' }),
    note: t.string({ description: 'Required for OTHER (at least 10 characters).' }),
  }),
});

const StepUpInput = builder.inputType('StepUpInput', {
  fields: (t) => ({ to: t.field({ type: StepUpToEnum, required: true }), reason: t.string({ required: true, description: 'At least 10 characters.' }) }),
});

const CloseCaseInput = builder.inputType('CloseCaseInput', {
  fields: (t) => ({
    reason: t.string({ required: true, description: 'CIN reason for closure, RC1–RC9 (RC8 and RC9 need a completed assessment).' }),
    note: t.string({ required: true, description: 'At least 10 characters.' }),
  }),
});

const PoliceProtectionInput = builder.inputType('PoliceProtectionInput', {
  fields: (t) => ({ startedAt: t.field({ type: 'DateTime', required: true }), note: t.string() }),
});

const EmergencyProtectionOrderInput = builder.inputType('EmergencyProtectionOrderInput', {
  fields: (t) => ({ grantedAt: t.field({ type: 'DateTime', required: true }), days: t.int({ required: true, description: 'At most 8.' }) }),
});

const ExtendEmergencyProtectionOrderInput = builder.inputType('ExtendEmergencyProtectionOrderInput', {
  fields: (t) => ({ days: t.int({ required: true, description: 'At most 7, once.' }), reason: t.string({ required: true, description: 'At least 10 characters.' }) }),
});

const EndProtectionInput = builder.inputType('EndProtectionInput', {
  fields: (t) => ({ kind: t.field({ type: ProtectionKindEnum, required: true }), endedAt: t.field({ type: 'DateTime', required: true }), outcome: t.string({ required: true, description: 'How it ended and where the child is (at least 5 characters).' }) }),
});

// ---- mutations ----

/** The episode, if in the caller's boroughs and open, with the caller holding one of `roles` there. */
async function authoriseEpisode(context: ApiContext, caseId: string, roles: readonly Role[]): Promise<{ actor: Actor; workflowId: string; borough: string }> {
  const caller = context.caller!;
  const found = z.uuid().safeParse(caseId).success ? await fromStore(() => findEpisodeHeader(context.services.sql, caller.boroughs, caseId)) : null;
  if (!found) {
    throw apiError('NOT_FOUND', `No episode ${caseId} in your boroughs (${caller.boroughs.join(', ')}). A child referred moments ago may still be being recorded: try again shortly.`);
  }
  requireBoroughRole(context, found.borough, roles);
  if (found.closedAt) {
    throw apiError('INVALID_STATE', `This episode closed on ${found.closedAt.toISOString().slice(0, 10)} (${found.closureReason}); nothing can be recorded after closure. A new concern is a new contact.`);
  }
  return { actor: { userId: caller.userId, roles: caller.roles }, workflowId: episodeWorkflowId(found.childId), borough: found.borough };
}

/** Sends a step to the child's episode workflow on behalf of the authorised caller. */
async function takeStep<I extends { actor: Actor; caseId: string }>(
  context: ApiContext, args: { caseId: string | number }, roles: readonly Role[], update: UpdateDefinition<EpisodeStep, [I]>, input: Omit<I, 'actor' | 'caseId'>,
  paths: FieldPaths = underInput,
): Promise<EpisodeStep> {
  const caseId = String(args.caseId);
  const { actor, workflowId, borough } = await authoriseEpisode(context, caseId, roles);
  // The input type less the two fields added here: the same object the workflow's update expects; its field names are
  // the operation's `input` fields, so a problem with `note` is one with `input.note` in the caller's request.
  const answer = await runCaseUpdate(context.services.temporal, workflowId, update, [{ ...input, actor, caseId } as I], paths);
  // Answered once the records show what the step did, so `episode(caseId)` straight after shows no less.
  return answerEpisodeStep(context, borough, answer);
}

const iso = (at: Date) => at.toISOString();

builder.mutationField('scheduleStrategyDiscussion', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Arranges a strategy discussion; every agency the borough requires must be invited.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: ScheduleDiscussionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.scheduleStrategyDiscussion'), scheduleStrategyDiscussion, {
    scheduledFor: iso(input.scheduledFor), invitedAgencies: input.invitedAgencies, purpose: input.purpose,
  }),
}));

builder.mutationField('recordStrategyDiscussion', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records a strategy discussion: attendees by agency, outcome, and actions each with an owner and a date. Without a required agency it needs a manager\'s overrideReason, is recorded incomplete, and sets a follow-up task per missing agency.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: RecordDiscussionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordStrategyDiscussion'), recordStrategyDiscussion, {
    heldAt: iso(input.heldAt), attendees: input.attendees, outcome: input.outcome, rationale: input.rationale, actions: input.actions, overrideReason: input.overrideReason ?? null,
  }),
}));

builder.mutationField('startSection47', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Starts a section 47 enquiry after a strategy discussion decided on one (one open per child). Answers with the ICPC due date.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: StartSection47Input }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.startSection47'), startSection47, {
    strategyDiscussionId: input?.strategyDiscussionId != null ? String(input.strategyDiscussionId) : null,
  }),
}));

builder.mutationField('recordSection47Outcome', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records the s47\'s enquiries, analysis and recommendation (all required); a manager then authorises it.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: Section47OutcomeInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordSection47Outcome'), recordSection47Outcome, { ...input }),
}));

builder.mutationField('authoriseSection47', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'A manager authorises a fully recorded s47, completing it.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: AuthoriseSection47Input, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.authoriseSection47'), authoriseSection47, { managerComment: input.managerComment }),
}));

builder.mutationField('startAssessment', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Starts an assessment (one open per child). Answers with its due date (45 working days from the referral for the first).',
  args: { caseId: t.arg.id({ required: true }) },
  resolve: (_root, { caseId }, context) => takeStep(context, { caseId }, rolesFor('Mutation.startAssessment'), startAssessment, {}, asArguments('caseId')),
}));

builder.mutationField('completeAssessment', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'A manager completes and authorises an assessment with its factors (CIN codes); once overdue, with a reason.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: CompleteAssessmentInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.completeAssessment'), completeAssessment, {
    factors: input.factors, summary: input.summary, overdueReason: input.overdueReason ?? null, childSeen: input.childSeen,
  }),
}));

builder.mutationField('recordInitialConference', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records the initial child protection conference (on a working day). A CP plan outcome starts the plan that day and ends any CIN plan; answers with the first core group and review due dates.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: InitialConferenceInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordInitialConference'), recordInitialConference, {
    heldOn: input.heldOn, outcome: input.outcome, categoryOfAbuse: input.categoryOfAbuse ?? null, note: input.note ?? null,
  }),
}));

builder.mutationField('createPlan', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Creates a child in need plan after an assessment; answers with its first review date.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: CreatePlanInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.createPlan'), createPlan, { kind: input.kind, startDate: input.startDate ?? null }),
}));

builder.mutationField('addPlanAction', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Adds an action to the open plan: specific, with a responsible agency, a due date and an intended outcome; vague or undated actions are refused with the reason.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: PlanActionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.addPlanAction'), addPlanAction, {
    description: input.description, responsibleAgency: input.responsibleAgency, responsiblePerson: input.responsiblePerson ?? null, dueDate: input.dueDate, intendedOutcome: input.intendedOutcome,
  }),
}));

builder.mutationField('updatePlanAction', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Changes, completes or cancels an open plan action (moving its date or cancelling needs a note).',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: UpdatePlanActionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.updatePlanAction'), updatePlanAction, {
    actionId: String(input.actionId), description: input.description ?? null, responsibleAgency: input.responsibleAgency ?? null, responsiblePerson: input.responsiblePerson ?? null,
    dueDate: input.dueDate ?? null, intendedOutcome: input.intendedOutcome ?? null, status: input.status ?? null, note: input.note ?? null,
  }),
}));

builder.mutationField('recordReview', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records a core group, review conference or CIN review; answers with the plan\'s overdue actions and the next review date.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: ReviewInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordReview'), recordReview, { ...input }),
}));

builder.mutationField('stepDown', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'A manager steps down from CP to CIN, or from CP or CIN to early help (with the early help episode it starts: earlyHelp).',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: StepDownInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.stepDown'), stepDown, {
    to: input.to, reason: input.reason, earlyHelp: input.earlyHelp ? { organisation: input.earlyHelp.organisation, startDate: input.earlyHelp.startDate ?? null } : null,
  }),
}));

builder.mutationField('recordEarlyHelpAssessment', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records that the open early help episode\'s assessment was completed (once).',
  args: { input: t.arg({ type: RecordEarlyHelpAssessmentInput, required: true }) },
  resolve: (_root, { input }, context) => takeStep(context, { caseId: input.caseId }, rolesFor('Mutation.recordEarlyHelpAssessment'), recordEarlyHelpAssessment, { completedOn: input.completedOn }),
}));

builder.mutationField('endEarlyHelp', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records how the open early help episode ended (OTHER needs a note). The episode stays open at level EARLY_HELP until a manager closes it or a step up.',
  args: { input: t.arg({ type: EndEarlyHelpInput, required: true }) },
  resolve: (_root, { input }, context) => takeStep(context, { caseId: input.caseId }, rolesFor('Mutation.endEarlyHelp'), endEarlyHelp, {
    endedOn: input.endedOn, outcome: input.outcome, note: input.note ?? null,
  }),
}));

builder.mutationField('stepUp', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Steps up to a CIN plan, or towards child protection (asks for a strategy discussion as soon as possible).',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: StepUpInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.stepUp'), stepUp, { ...input }),
}));

builder.mutationField('recordVisit', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records a visit to the child on an open episode. With an open CP or CIN plan it is a statutory visit: one in which the child was seen restarts the plan\'s visit clock (the borough\'s clocks.cpVisitWorkingDays / cinVisitWorkingDays); answers with the next visit due.',
  args: { input: t.arg({ type: RecordVisitInput, required: true }) },
  resolve: (_root, { input }, context) => takeStep(context, { caseId: input.caseId }, rolesFor('Mutation.recordVisit'), recordVisit, {
    visitedOn: input.visitedOn, visitor: input.visitor, childSeen: input.childSeen, seenAlone: input.seenAlone, note: input.note,
  }),
}));

builder.mutationField('closeCase', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'A manager closes the episode with a CIN reason for closure; refused while an s47 is unresolved, an assessment is open or a protection order is in force.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: CloseCaseInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.closeCase'), closeCase, { ...input }),
}));

builder.mutationField('recordPoliceProtection', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records police protection: its 72-hour clock, and a strategy discussion as soon as possible.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: PoliceProtectionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordPoliceProtection'), recordPoliceProtection, { startedAt: iso(input.startedAt), note: input.note ?? null }),
}));

builder.mutationField('recordEmergencyProtectionOrder', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records an emergency protection order (at most 8 days): its clock, and a strategy discussion as soon as possible.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: EmergencyProtectionOrderInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.recordEmergencyProtectionOrder'), recordEmergencyProtectionOrder, { grantedAt: iso(input.grantedAt), days: input.days }),
}));

builder.mutationField('extendEmergencyProtectionOrder', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Extends the emergency protection order once, by at most 7 days.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: ExtendEmergencyProtectionOrderInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.extendEmergencyProtectionOrder'), extendEmergencyProtectionOrder, { ...input }),
}));

builder.mutationField('endProtection', (t) => t.field({
  type: EpisodeStepPayload, authScopes: { authenticated: true },
  description: 'Records how police protection or an emergency protection order ended, stopping its clock.',
  args: { caseId: t.arg.id({ required: true }), input: t.arg({ type: EndProtectionInput, required: true }) },
  resolve: (_root, { caseId, input }, context) => takeStep(context, { caseId }, rolesFor('Mutation.endProtection'), endProtection, { kind: input.kind, endedAt: iso(input.endedAt), outcome: input.outcome }),
}));

// ---- reading an episode ----

type Discussion = EpisodeRecord['strategyDiscussions'][number];
type Plan = EpisodeRecord['plans'][number];
const agencies = (values: string[] | null) => (values ?? []) as Agency[];

const EpisodeReferral = builder.objectRef<EpisodeRecord['referrals'][number]>('EpisodeReferral').implement({
  description: 'A contact\'s referral of the child: the first opened the episode, later ones joined it.',
  fields: (t) => ({
    contactId: t.exposeID('contactId'),
    referralAt: t.expose('referralAt', { type: 'DateTime' }),
    pathway: t.exposeString('pathway'),
    joined: t.exposeBoolean('joined'),
  }),
});

const Attendee = builder.objectRef<Discussion['attendees'][number]>('StrategyDiscussionAttendee').implement({
  fields: (t) => ({
    agency: t.field({ type: AgencyEnum, resolve: (a) => agencies([a.agency])[0]! }),
    name: t.exposeString('name'),
    role: t.exposeString('role'),
    manager: t.exposeBoolean('manager'),
  }),
});

const DiscussionAction = builder.objectRef<Discussion['actions'][number]>('StrategyDiscussionAction').implement({
  fields: (t) => ({
    description: t.exposeString('description'),
    owner: t.exposeString('owner'),
    agency: t.field({ type: AgencyEnum, resolve: (a) => agencies([a.agency])[0]! }),
    dueDate: t.field({ type: 'Date', resolve: (a) => a.dueDate }),
  }),
});

const StrategyDiscussion = builder.objectRef<Discussion>('StrategyDiscussion').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'SCHEDULED or HELD.' }),
    scheduledFor: t.expose('scheduledFor', { type: 'DateTime', nullable: true }),
    invitedAgencies: t.field({ type: [AgencyEnum], resolve: (d) => agencies(d.invitedAgencies) }),
    heldAt: t.expose('heldAt', { type: 'DateTime', nullable: true }),
    outcome: t.field({ type: DiscussionOutcomeEnum, nullable: true, resolve: (d) => d.outcome as (typeof DISCUSSION_OUTCOMES)[number] | null }),
    rationale: t.exposeString('rationale', { nullable: true }),
    complete: t.exposeBoolean('complete', { nullable: true, description: 'Every required agency and a social care manager took part.' }),
    missingAgencies: t.field({ type: [AgencyEnum], resolve: (d) => agencies(d.missingAgencies) }),
    socialCareManagerPresent: t.exposeBoolean('socialCareManagerPresent', { nullable: true }),
    overrideReason: t.exposeString('overrideReason', { nullable: true }),
    overrideBy: t.exposeString('overrideBy', { nullable: true }),
    attendees: t.field({ type: [Attendee], resolve: (d) => d.attendees }),
    actions: t.field({ type: [DiscussionAction], resolve: (d) => d.actions }),
  }),
});

const Section47Enquiry = builder.objectRef<EpisodeRecord['section47s'][number]>('Section47Enquiry').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'OPEN, AWAITING_AUTHORISATION or COMPLETED.' }),
    strategyDiscussionId: t.exposeID('strategyDiscussionId'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    icpcAnchor: t.exposeString('icpcAnchor'),
    icpcDueDate: t.field({ type: 'Date', nullable: true, resolve: (s) => s.icpcDueDate }),
    enquiries: t.exposeStringList('enquiries', { nullable: true }),
    analysis: t.exposeString('analysis', { nullable: true }),
    recommendation: t.field({ type: Section47RecommendationEnum, nullable: true, resolve: (s) => s.recommendation as (typeof SECTION47_RECOMMENDATIONS)[number] | null }),
    recommendationDetail: t.exposeString('recommendationDetail', { nullable: true }),
    authorisedBy: t.exposeString('authorisedBy', { nullable: true }),
    authorisedAt: t.expose('authorisedAt', { type: 'DateTime', nullable: true }),
    managerComment: t.exposeString('managerComment', { nullable: true }),
  }),
});

const Assessment = builder.objectRef<EpisodeRecord['assessments'][number]>('Assessment').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    dueDate: t.field({ type: 'Date', nullable: true, resolve: (a) => a.dueDate }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    authorisedBy: t.exposeString('authorisedBy', { nullable: true }),
    overdueReason: t.exposeString('overdueReason', { nullable: true }),
    childSeen: t.exposeBoolean('childSeen', { nullable: true, description: 'Whether the child was seen during the assessment; null until completed, and for assessments completed before it was recorded.' }),
    factors: t.exposeStringList('factors', { description: 'CIN census assessment factor codes.' }),
  }),
});

const InitialConference = builder.objectRef<EpisodeRecord['conferences'][number]>('InitialConference').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    section47Id: t.exposeID('section47Id'),
    heldOn: t.field({ type: 'Date', resolve: (c) => c.heldOn }),
    dueDate: t.field({ type: 'Date', nullable: true, resolve: (c) => c.dueDate }),
    withinTimescale: t.exposeBoolean('withinTimescale', { nullable: true }),
    outcome: t.field({ type: ConferenceOutcomeEnum, resolve: (c) => c.outcome as (typeof CONFERENCE_OUTCOMES)[number] }),
    categoryOfAbuse: t.exposeString('categoryOfAbuse', { nullable: true }),
  }),
});

const PlanAction = builder.objectRef<Plan['actions'][number]>('PlanAction').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    description: t.exposeString('description'),
    responsibleAgency: t.field({ type: AgencyEnum, resolve: (a) => agencies([a.responsibleAgency])[0]! }),
    responsiblePerson: t.exposeString('responsiblePerson', { nullable: true }),
    dueDate: t.field({ type: 'Date', resolve: (a) => a.dueDate }),
    intendedOutcome: t.exposeString('intendedOutcome'),
    status: t.exposeString('status', { description: 'OPEN, COMPLETED, CANCELLED or ENDED_WITH_PLAN.' }),
  }),
});

const PlanReview = builder.objectRef<Plan['reviews'][number]>('PlanReview').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: ReviewKindEnum, resolve: (r) => r.kind as (typeof REVIEW_KINDS)[number] }),
    heldOn: t.field({ type: 'Date', resolve: (r) => r.heldOn }),
    dueDate: t.field({ type: 'Date', nullable: true, resolve: (r) => r.dueDate }),
    summary: t.exposeString('summary'),
    overdueActionIds: t.exposeIDList('overdueActionIds', { description: 'The plan\'s actions that were overdue when it was held.' }),
    nextDueDate: t.field({ type: 'Date', nullable: true, resolve: (r) => r.nextDueDate }),
  }),
});

const PlanRef = builder.objectRef<Plan>('Plan').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: PlanKindEnum, resolve: (p) => p.kind as (typeof PLAN_KINDS)[number] }),
    startDate: t.field({ type: 'Date', resolve: (p) => p.startDate }),
    endDate: t.field({ type: 'Date', nullable: true, resolve: (p) => p.endDate }),
    endReason: t.exposeString('endReason', { nullable: true }),
    categoryOfAbuse: t.exposeString('categoryOfAbuse', { nullable: true }),
    nextReviewDueDate: t.field({ type: 'Date', nullable: true, resolve: (p) => p.nextReviewDueDate }),
    firstCoreGroupDueDate: t.field({ type: 'Date', nullable: true, resolve: (p) => p.firstCoreGroupDueDate }),
    nextVisitDueDate: t.field({ type: 'Date', nullable: true, description: 'When the next statutory visit (the child seen) is due, while the plan is open.', resolve: (p) => p.nextVisitDueDate }),
    actions: t.field({ type: [PlanAction], resolve: (p) => p.actions }),
    reviews: t.field({ type: [PlanReview], resolve: (p) => p.reviews }),
  }),
});

const ProtectionOrder = builder.objectRef<EpisodeRecord['protectionOrders'][number]>('ProtectionOrder').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: ProtectionKindEnum, resolve: (p) => p.kind as (typeof PROTECTION_KINDS)[number] }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    extendedByDays: t.exposeInt('extendedByDays', { nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    endOutcome: t.exposeString('endOutcome', { nullable: true }),
  }),
});

const Visit = builder.objectRef<EpisodeRecord['visits'][number]>('Visit').implement({
  description: 'A visit to the child; with an open CP or CIN plan, a statutory visit counted against the plan\'s visit deadline.',
  fields: (t) => ({
    id: t.exposeID('id'),
    visitedOn: t.field({ type: 'Date', resolve: (v) => v.visitedOn }),
    visitor: t.exposeString('visitor'),
    childSeen: t.exposeBoolean('childSeen'),
    seenAlone: t.exposeBoolean('seenAlone'),
    note: t.exposeString('note'),
    dueDate: t.field({ type: 'Date', nullable: true, description: 'The plan\'s visit deadline running when it was recorded (null without a plan).', resolve: (v) => v.dueDate }),
    withinTimescale: t.exposeBoolean('withinTimescale', { nullable: true, description: 'The child was seen by the deadline (false when not seen; null without a deadline).' }),
    planId: t.exposeID('planId', { nullable: true, description: 'The plan the visit counts for.' }),
    planKind: t.field({ type: PlanKindEnum, nullable: true, resolve: (v) => v.planKind as (typeof PLAN_KINDS)[number] | null }),
    recordedBy: t.exposeString('recordedBy'),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
  }),
});

const EarlyHelpEpisode = builder.objectRef<EpisodeRecord['earlyHelp'][number]>('EarlyHelpEpisode').implement({
  description: 'An early help episode a step down started: the organisation assessing, when its assessment was completed, and how it ended.',
  fields: (t) => ({
    id: t.exposeID('id'),
    stepChangeId: t.exposeID('stepChangeId', { nullable: true, description: 'The step down that started it.' }),
    open: t.boolean({ description: 'Not yet ended.', resolve: (e) => e.endedOn === null }),
    startedOn: t.field({ type: 'Date', resolve: (e) => e.startedOn }),
    organisation: t.exposeString('organisation'),
    assessmentCompletedOn: t.field({ type: 'Date', nullable: true, resolve: (e) => e.assessmentCompletedOn }),
    endedOn: t.field({ type: 'Date', nullable: true, resolve: (e) => e.endedOn }),
    outcome: t.field({ type: EarlyHelpOutcomeEnum, nullable: true, resolve: (e) => e.outcome as (typeof EARLY_HELP_OUTCOMES)[number] | null }),
    outcomeNote: t.exposeString('outcomeNote', { nullable: true }),
    recordedBy: t.exposeString('recordedBy', { description: 'The manager who stepped down to early help.' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
    endedBy: t.exposeString('endedBy', { nullable: true }),
  }),
});

const Episode = builder.objectRef<EpisodeRecord>('Episode').implement({
  description: 'A child\'s episode of children\'s social care, from referral to closure (one open per child).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The episode\'s case id.' }),
    borough: t.exposeString('borough'),
    reference: t.exposeString('reference', { description: 'The opening contact\'s reference and the child\'s number on it, e.g. HF-261126-7K3Q-9XZP/2 (child.number 2).' }),
    child: t.field({
      type: Child,
      description: 'The child the episode is about, as named on the contact that opened it.',
      resolve: async (e, _args, context) => {
        const child = await childOfEpisode(context, e);
        if (!child) throw new Error(`Episode ${e.id} has no child recorded at position ${e.childPosition} of contact ${e.contactId}.`);
        return child;
      },
    }),
    stage: t.field({ type: EpisodeStageEnum, resolve: (e) => e.stage as (typeof EPISODE_STAGES)[number] }),
    level: t.field({ type: ServiceLevelEnum, resolve: (e) => e.level as (typeof SERVICE_LEVELS)[number] }),
    referralAt: t.expose('referralAt', { type: 'DateTime' }),
    referralDate: t.field({ type: 'Date', description: 'The CIN referral date (Europe/London).', resolve: (e) => e.referralDate }),
    referralSource: t.exposeString('referralSource', { description: 'CIN census ReferralSource code.' }),
    primaryNeed: t.exposeString('primaryNeed', { description: 'CIN census PrimaryNeedCode.' }),
    pathway: t.exposeString('pathway'),
    levelOfNeed: t.exposeInt('levelOfNeed'),
    rag: t.field({ type: RagEnum, resolve: (e) => e.rag as 'RED' | 'AMBER' | 'GREEN' }),
    reReferral: t.exposeBoolean('reReferral', { description: 'Referred within 12 months of the child\'s previous referral.' }),
    previousEpisodeId: t.exposeID('previousEpisodeId', { nullable: true }),
    referralNfa: t.exposeBoolean('referralNfa', { description: 'The referral was concluded with no further action.' }),
    assessmentDueDate: t.field({ type: 'Date', nullable: true, description: 'The first assessment\'s due date (45 working days from the referral).', resolve: (e) => e.assessmentDueDate }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    closureReason: t.exposeString('closureReason', { nullable: true, description: 'CIN reason for closure, RC1–RC9.' }),
    closureNote: t.exposeString('closureNote', { nullable: true }),
    referrals: t.field({ type: [EpisodeReferral], resolve: (e) => e.referrals }),
    strategyDiscussions: t.field({ type: [StrategyDiscussion], resolve: (e) => e.strategyDiscussions }),
    section47s: t.field({ type: [Section47Enquiry], resolve: (e) => e.section47s }),
    assessments: t.field({ type: [Assessment], resolve: (e) => e.assessments }),
    conferences: t.field({ type: [InitialConference], resolve: (e) => e.conferences }),
    plans: t.field({ type: [PlanRef], resolve: (e) => e.plans }),
    protectionOrders: t.field({ type: [ProtectionOrder], resolve: (e) => e.protectionOrders }),
    visits: t.field({ type: [Visit], description: 'Visits to the child, oldest first.', resolve: (e) => e.visits }),
    earlyHelp: t.field({ type: [EarlyHelpEpisode], description: 'Early help episodes started by steps down, oldest first.', resolve: (e) => e.earlyHelp }),
  }),
});

builder.queryField('episode', (t) => t.field({
  type: Episode,
  description: 'A child\'s episode with everything recorded in it, if it is in one of your boroughs.',
  authScopes: { authenticated: true },
  args: { caseId: t.arg.id({ required: true }) },
  resolve: async (_root, args, context) => {
    const caller = context.caller!;
    const caseId = String(args.caseId);
    const header = z.uuid().safeParse(caseId).success ? await fromStore(() => findEpisodeHeader(context.services.sql, caller.boroughs, caseId)) : null;
    if (!header) throw apiError('NOT_FOUND', `No episode ${caseId} in your boroughs (${caller.boroughs.join(', ')}).`);
    requireBoroughRole(context, header.borough, rolesFor('Query.episode'));
    const episode = await fromStore(() => findEpisode(context.services.sql, header.borough, caseId));
    if (!episode) throw apiError('NOT_FOUND', `No episode ${caseId} in your boroughs (${caller.boroughs.join(', ')}).`);
    return episode;
  },
}));

import { patched, uuid4 } from '@temporalio/workflow';
import type { DeadlineSpec } from '../../activities/casework';
import type { PlanEnd, PlanStart } from '../../db/episodes';
import { normaliseFactors } from '../../rules/cin-codes';
import type { Referral } from '../referral';
import type { EpisodeRun } from './run';
import type {
  AddPlanActionInput, AuthoriseSection47Input, CloseCaseInput, CompleteAssessmentInput, CreatePlanInput, EarlyHelpOutcome, EmergencyProtectionOrderInput, EndEarlyHelpInput,
  EndProtectionInput, EpisodeSettings, EpisodeStep, ExtendEmergencyProtectionOrderInput, InitialConferenceInput, OpenAction, PoliceProtectionInput, ProtectionKind,
  RecordEarlyHelpAssessmentInput, RecordReviewInput, RecordStrategyDiscussionInput, RecordVisitInput, ScheduleStrategyDiscussionInput, Section47OutcomeInput, StartAssessmentInput,
  StartSection47Input, StepDeadline, StepDownInput,
  StepUpInput, UpdatePlanActionInput,
} from './types';
import { SECTION_47_START_CLOCK } from './types';
import { discussionForSection47, mergeAction, missingAgencies, socialCareManagerPresent } from './validate';

// The handlers of an episode's human steps. Each runs after its validator accepted the input, and changes the state
// at once (before any await, so a concurrent step's validator already sees it); then works out its deadlines and
// queues its writes, which run in order in the background. Deadlines computed after an await are applied only if
// what they belong to is still current.

const DISCUSSION = 'STRATEGY_DISCUSSION';
const ASSESSMENT = 'ASSESSMENT';
const SECTION_47 = 'SECTION_47';
const ICPC = 'ICPC';
const reviewClock = (planId: string) => `REVIEW:${planId}`;
const coreGroupClock = (planId: string) => `CORE_GROUP:${planId}`;
const actionClock = (actionId: string) => `PLAN_ACTION:${actionId}`;
const visitClock = (planId: string) => `VISIT:${planId}`;
const VISIT = 'VISIT';
const FOLLOW_UP = 'STRATEGY_DISCUSSION_FOLLOW_UP';
const followUpKey = (discussionId: string, agency: string) => `sd-follow-up:${discussionId}:${agency}`;

/**
 * "As soon as possible" for a strategy discussion (after a referral for one, a step up, police protection or an EPO):
 * by the close of the next working day, and never after a protection order ends.
 */
const DISCUSSION_AS_SOON_AS_POSSIBLE: DeadlineSpec = { kind: 'WORKING_DAYS', days: 1 };

type Handler<I> = (run: EpisodeRun, input: I) => Promise<EpisodeStep>;

// ---- referrals ----

/** The first referral has opened the episode: start the clock its pathway calls for. */
export function begin(run: EpisodeRun, referral: Referral): void {
  if (referral.pathway === 'S17_ASSESSMENT') {
    run.startClock(ASSESSMENT, { stage: ASSESSMENT, subject: 'assessment', ...run.state.assessmentDue, title: 'Complete the assessment' });
    run.syncCase();
  } else {
    run.track(requireDiscussion(run, referral.pathway === 'IMMEDIATE_PROTECTION' ? 'Referred for immediate protection' : 'Referred for a strategy discussion', referral.referralAt));
  }
}

/** Another contact's referral of this child joins the open episode; one needing a strategy discussion asks for one. */
export function join(run: EpisodeRun, referral: Referral): void {
  run.state.contactIds.push(referral.contactId);
  const { borough, childId, contactId, contactReference, childPosition, referralAt, pathway, decidedBy } = referral;
  run.persist({ op: 'joinReferral', args: { caseId: run.state.caseId, borough, childId, contactId, contactReference, childPosition, referralAt, pathway, decidedBy } });
  if (referral.pathway !== 'S17_ASSESSMENT') run.track(requireDiscussion(run, `Further referral (${referral.contactReference}) for a strategy discussion`, referral.referralAt));
}

/** Asks for a strategy discussion as soon as possible (keeping an earlier deadline already running). */
async function requireDiscussion(run: EpisodeRun, reason: string, from: string, notAfter: string | null = null): Promise<StepDeadline> {
  const s = run.state;
  s.strategy.required ??= reason;
  let due = await run.deadline(from, DISCUSSION_AS_SOON_AS_POSSIBLE);
  if (notAfter !== null && notAfter < due.dueAt) due = { dueAt: notAfter, dueDate: run.localDate(notAfter) };
  const current = s.clocks[DISCUSSION];
  if (s.strategy.required !== null && !s.closed && (!current || due.dueAt < current.dueAt)) {
    run.startClock(DISCUSSION, { stage: DISCUSSION, subject: 'discussion', ...due, title: 'Hold a strategy discussion' });
  }
  run.syncCase();
  const clock = s.clocks[DISCUSSION] ?? due;
  return { what: DISCUSSION, dueAt: clock.dueAt, dueDate: clock.dueDate };
}

// ---- strategy discussions ----

export const scheduleDiscussion: Handler<ScheduleStrategyDiscussionInput> = async (run, input) => {
  const s = run.state;
  const id = s.strategy.scheduled?.id ?? uuid4();
  const invited = [...new Set(input.invitedAgencies)];
  const asked = s.strategy.required !== null;
  s.strategy.scheduled = { id, scheduledFor: input.scheduledFor, invited };
  s.strategy.required ??= input.purpose.trim();
  run.persist({ op: 'scheduleDiscussion', args: { ...run.stamp(input.actor.userId), id, scheduledFor: input.scheduledFor, invited, purpose: input.purpose.trim() } });
  if (!asked) {
    // Arranged without an earlier request: due by the close of office on the day it is arranged for.
    const due = await run.deadline(input.scheduledFor, { kind: 'WORKING_DAYS', days: 0 });
    if (s.strategy.required !== null && !s.clocks[DISCUSSION]) run.startClock(DISCUSSION, { stage: DISCUSSION, subject: 'discussion', ...due, title: 'Hold the strategy discussion' });
  }
  return run.step({ recordId: id, deadlines: running(run, [DISCUSSION]) });
};

export const recordDiscussion: Handler<RecordStrategyDiscussionInput> = async (run, input) => {
  const s = run.state;
  const id = s.strategy.scheduled?.id ?? uuid4();
  const heldAt = new Date(input.heldAt).toISOString();
  const missing = missingAgencies(s, run.settings, input.attendees);
  const attended = new Set(input.attendees.map((a) => a.agency));
  const resolved = s.strategy.followUps.filter((f) => attended.has(f.agency));
  s.strategy.followUps = [...s.strategy.followUps.filter((f) => !attended.has(f.agency)), ...missing.map((agency) => ({ discussionId: id, agency }))];
  s.strategy.held.push({ id, heldAt, outcome: input.outcome, section47Started: false });
  s.strategy.scheduled = null;
  s.strategy.required = null;
  run.stopClock(DISCUSSION, 'DONE');
  if (input.outcome !== 'NO_FURTHER_ACTION') s.nfa = false;
  else if (!s.servicesStarted) {
    s.nfa = true;
    run.stopClock(ASSESSMENT, 'CANCELLED');
  }
  const actions = input.actions.map((a) => ({ description: a.description.trim(), owner: a.owner.trim(), agency: a.agency, dueDate: a.dueDate.trim() }));
  const stamp = run.stamp(input.actor.userId);
  run.persist({ op: 'recordDiscussion', args: {
    ...stamp, id, heldAt, outcome: input.outcome, rationale: input.rationale.trim(), missingAgencies: missing, actions,
    attendees: input.attendees.map((a) => ({ ...a, name: a.name.trim(), role: a.role.trim() })),
    socialCareManagerPresent: socialCareManagerPresent(input.attendees), overrideReason: input.overrideReason?.trim() || null,
  } });
  // An agency that takes part meets the follow-ups its absence from earlier discussions left.
  for (const f of resolved) run.persist({ op: 'closeTasks', args: { borough: s.borough, caseId: s.caseId, kind: FOLLOW_UP, key: followUpKey(f.discussionId, f.agency), status: 'DONE', at: stamp.at } });

  // Each missing agency's input is due by the close of the next working day; each action by the close of its date.
  const [followUpDue, ...actionDues] = await Promise.all([
    run.deadline(heldAt, { kind: 'WORKING_DAYS', days: 1 }),
    ...actions.map((a) => run.deadline(run.noonOn(a.dueDate), { kind: 'WORKING_DAYS', days: 0 })),
  ]);
  for (const agency of missing) {
    run.persist({ op: 'openTask', args: {
      borough: s.borough, caseId: s.caseId, kind: FOLLOW_UP, key: followUpKey(id, agency), title: `Get ${agency}'s input to the strategy discussion it missed`,
      dueAt: followUpDue.dueAt, dueDate: followUpDue.dueDate, createdAt: stamp.at, detail: { discussionId: id, agency },
    } });
  }
  actions.forEach((a, position) => run.persist({ op: 'openTask', args: {
    borough: s.borough, caseId: s.caseId, kind: 'STRATEGY_DISCUSSION_ACTION', key: `sd-action:${id}:${position}`, title: `Strategy discussion action (${a.agency}, ${a.owner})`,
    dueAt: actionDues[position]!.dueAt, dueDate: actionDues[position]!.dueDate, createdAt: stamp.at, detail: { discussionId: id, description: a.description },
  } }));

  const deadlines: StepDeadline[] = [];
  if (input.outcome === 'S17_ASSESSMENT' && s.assessment?.status !== 'OPEN') deadlines.push(...(await expectAssessment(run)));
  // Added while episodes were running (histories without it replay unchanged): a decision on a section 47 enquiry
  // starts a clock until the enquiry is started, so a decided s47 cannot sit unnoticed; a later discussion that
  // decides otherwise stops it.
  if (patched('section-47-start-clock')) {
    if (input.outcome !== 'SECTION_47') run.stopClock(SECTION_47_START_CLOCK, 'CANCELLED');
    else if (!s.s47 || s.s47.status === 'COMPLETED') deadlines.push(...(await expectSection47(run, id, heldAt)));
  }
  const s47 = s.s47;
  const icpcStillAhead = s47 !== null && !s47.conferenceHeld && (s47.status !== 'COMPLETED' || s47.recommendation === 'CONVENE_ICPC');
  if (run.settings.icpcAnchor === 'LAST_STRATEGY_DISCUSSION' && icpcStillAhead && heldAt > s47.anchor.heldAt) {
    deadlines.push(...(await anchorIcpc(run, s47.id, { id, heldAt }, input.actor.userId)));
  }
  return run.step({ recordId: id, deadlines, missingAgencies: missing });
};

// ---- section 47 ----

/** The clock to start the s47 a discussion decided on: by the close of the next working day after it was held. */
async function expectSection47(run: EpisodeRun, discussionId: string, heldAt: string): Promise<StepDeadline[]> {
  const due = await run.deadline(heldAt, { kind: 'WORKING_DAYS', days: 1 });
  const s = run.state;
  const latest = s.strategy.held.at(-1);
  if (s.closed || latest?.id !== discussionId || latest.section47Started) return [];
  run.startClock(SECTION_47_START_CLOCK, { stage: SECTION_47, subject: discussionId, ...due, title: 'Start the section 47 enquiry the strategy discussion decided on' });
  return [{ what: SECTION_47, ...due }];
}

export const startSection47: Handler<StartSection47Input> = async (run, input) => {
  const s = run.state;
  const discussion = discussionForSection47(s, input.strategyDiscussionId);
  discussion.section47Started = true;
  const anchor = run.settings.icpcAnchor === 'FIRST_STRATEGY_DISCUSSION' ? discussion : s.strategy.held.reduce((a, b) => (b.heldAt > a.heldAt ? b : a));
  const id = uuid4();
  s.s47 = { id, discussionId: discussion.id, anchor: { id: anchor.id, heldAt: anchor.heldAt }, startedAt: new Date().toISOString(), icpcDue: null, status: 'OPEN', recommendation: null, conferenceHeld: false };
  s.servicesStarted = true;
  s.nfa = false;
  run.persist({ op: 'startSection47', args: { ...run.stamp(input.actor.userId), id, discussionId: discussion.id, anchor: run.settings.icpcAnchor, anchorDiscussionId: anchor.id } });
  run.stopClock(SECTION_47_START_CLOCK, 'DONE');
  const deadlines = await anchorIcpc(run, id, s.s47.anchor, input.actor.userId);
  return run.step({ recordId: id, deadlines });
};

/**
 * Sets the ICPC deadline (15 working days, the borough's setting) from the anchoring strategy discussion, and runs
 * the clock due then: the s47's while it is open, the conference's once it recommends one. `by` took the step that
 * set it (started the s47, or recorded the discussion that now anchors it), and is named on its timeline event.
 */
async function anchorIcpc(run: EpisodeRun, s47Id: string, anchor: { id: string; heldAt: string }, by: string): Promise<StepDeadline[]> {
  const s = run.state;
  s.s47!.anchor = anchor;
  const due = await run.deadline(anchor.heldAt, { kind: 'WORKING_DAYS', days: run.settings.clocks.icpcWorkingDays });
  const s47 = s.s47;
  if (s47?.id !== s47Id || s47.anchor.id !== anchor.id || s47.conferenceHeld || s.closed) return [];
  s47.icpcDue = due;
  run.persist({ op: 'setIcpcDue', args: { ...run.stamp(by), id: s47Id, anchorDiscussionId: anchor.id, due } });
  if (s47.status !== 'COMPLETED') {
    run.startClock(SECTION_47, { stage: SECTION_47, subject: s47Id, ...due, title: 'Complete the section 47 enquiry and have it authorised, in time for the conference' });
  } else if (s47.recommendation === 'CONVENE_ICPC') {
    run.startClock(ICPC, { stage: ICPC, subject: s47Id, ...due, title: 'Hold the initial child protection conference' });
  }
  return [{ what: ICPC, ...due }];
}

export const recordSection47Outcome: Handler<Section47OutcomeInput> = (run, input) => {
  const s47 = run.state.s47!;
  s47.status = 'AWAITING_AUTHORISATION';
  s47.recommendation = input.recommendation;
  run.persist({ op: 'recordSection47Outcome', args: {
    ...run.stamp(input.actor.userId), id: s47.id, enquiries: input.enquiries.map((e) => e.trim()).filter(Boolean), analysis: input.analysis.trim(),
    recommendation: input.recommendation, recommendationDetail: input.recommendationDetail.trim(), revision: uuid4(),
  } });
  return Promise.resolve(run.step({ recordId: s47.id, deadlines: running(run, [SECTION_47]) }));
};

export const authoriseSection47: Handler<AuthoriseSection47Input> = (run, input) => {
  const s47 = run.state.s47!;
  s47.status = 'COMPLETED';
  run.stopClock(SECTION_47, 'DONE');
  if (s47.recommendation === 'CONVENE_ICPC' && s47.icpcDue) {
    run.startClock(ICPC, { stage: ICPC, subject: s47.id, ...s47.icpcDue, title: 'Hold the initial child protection conference' });
  }
  run.persist({ op: 'authoriseSection47', args: { ...run.stamp(input.actor.userId), id: s47.id, managerComment: input.managerComment.trim() } });
  return Promise.resolve(run.step({ recordId: s47.id, deadlines: running(run, [ICPC]) }));
};

// ---- assessment ----

/** Runs the assessment clock: the first assessment is due from the referral, a later one from when it is asked for. */
async function expectAssessment(run: EpisodeRun): Promise<StepDeadline[]> {
  const s = run.state;
  if (!s.clocks[ASSESSMENT]) {
    const due = s.assessmentsCompleted === 0 ? s.assessmentDue : await run.deadline(new Date().toISOString(), { kind: 'WORKING_DAYS', days: run.settings.clocks.assessmentWorkingDays });
    if (!s.clocks[ASSESSMENT] && !s.closed && !s.nfa) run.startClock(ASSESSMENT, { stage: ASSESSMENT, subject: 'assessment', ...due, title: 'Complete the assessment' });
  }
  return running(run, [ASSESSMENT]);
}

export const startAssessment: Handler<StartAssessmentInput> = async (run, input) => {
  const s = run.state;
  const id = uuid4();
  const expected = s.clocks[ASSESSMENT];
  const known = expected ? { dueAt: expected.dueAt, dueDate: expected.dueDate } : s.assessmentsCompleted === 0 ? s.assessmentDue : null;
  s.assessment = { id, startedAt: new Date().toISOString(), dueAt: known?.dueAt ?? '', dueDate: known?.dueDate ?? '', status: 'OPEN' };
  s.servicesStarted = true;
  s.nfa = false;
  run.persist({ op: 'startAssessment', args: { ...run.stamp(input.actor.userId), id, due: known } });
  await expectAssessment(run);
  const clock = s.clocks[ASSESSMENT];
  if (!known && clock && s.assessment?.id === id) {
    const due = { dueAt: clock.dueAt, dueDate: clock.dueDate };
    Object.assign(s.assessment, due);
    run.persist({ op: 'setAssessmentDue', args: { borough: s.borough, id, due } });
  }
  return run.step({ recordId: id, deadlines: running(run, [ASSESSMENT]) });
};

export const completeAssessment: Handler<CompleteAssessmentInput> = (run, input) => {
  const s = run.state;
  const assessment = s.assessment!;
  const overdue = assessment.dueAt !== '' && Date.now() > Date.parse(assessment.dueAt);
  assessment.status = 'COMPLETED';
  s.assessmentsCompleted += 1;
  run.stopClock(ASSESSMENT, 'DONE');
  run.persist({ op: 'completeAssessment', args: {
    ...run.stamp(input.actor.userId), id: assessment.id, factors: normaliseFactors(input.factors), summary: input.summary.trim(),
    overdueReason: input.overdueReason?.trim() || null, dueDate: assessment.dueDate, overdue,
    // An update from before issue 10 has no childSeen: not recorded.
    childSeen: (input as Partial<CompleteAssessmentInput>).childSeen ?? null,
  } });
  return Promise.resolve(run.step({ recordId: assessment.id }));
};

// ---- conference and plans ----

export const recordInitialConference: Handler<InitialConferenceInput> = async (run, input) => {
  const s = run.state;
  const s47 = s.s47!;
  const id = uuid4();
  s47.conferenceHeld = true;
  run.stopClock(ICPC, 'DONE');
  const end: PlanEnd[] = [];
  let start: PlanStart | null = null;
  if (input.outcome === 'CP_PLAN') {
    // The CP plan starts the day of the ICPC, and any CIN plan ends that day.
    start = { id: uuid4(), kind: 'CP', startDate: input.heldOn, categoryOfAbuse: input.categoryOfAbuse, conferenceId: id };
    if (s.cinPlan) end.push(endPlan(run, 'CIN', input.heldOn, 'A child protection plan started'));
    s.cpPlan = { id: start.id, startDate: input.heldOn, icpcDate: input.heldOn };
    s.level = 'CP';
  }
  run.persist({ op: 'recordConference', args: {
    ...run.stamp(input.actor.userId), id, section47Id: s47.id, heldOn: input.heldOn, dueDate: s47.icpcDue?.dueDate ?? null, outcome: input.outcome,
    categoryOfAbuse: input.categoryOfAbuse, note: input.note?.trim() || null, startPlan: start, endPlans: end,
  } });
  if (start) endEarlyHelpOnStepUp(run, input.actor.userId, 'A child protection plan started at the initial conference');
  const deadlines = start ? await startPlanClocks(run, 'CP', start.id, input.heldOn) : [];
  return run.step({ recordId: id, deadlines });
};

export const createPlan: Handler<CreatePlanInput> = async (run, input) => {
  const s = run.state;
  const plan: PlanStart = { id: uuid4(), kind: 'CIN', startDate: input.startDate ?? run.today(), categoryOfAbuse: null, conferenceId: null };
  s.cinPlan = { id: plan.id, startDate: plan.startDate };
  s.level = 'CIN';
  s.servicesStarted = true;
  run.persist({ op: 'createPlan', args: { ...run.stamp(input.actor.userId), plan, level: 'CIN' } });
  endEarlyHelpOnStepUp(run, input.actor.userId, 'A child in need plan started');
  return run.step({ recordId: plan.id, deadlines: await startPlanClocks(run, 'CIN', plan.id, plan.startDate) });
};

/**
 * A plan's first deadlines: a CP plan's first core group (10 working days) and first review conference (3 months)
 * from the ICPC; a CIN plan's first review at the borough's interval from its start.
 */
async function startPlanClocks(run: EpisodeRun, kind: 'CIN' | 'CP', planId: string, from: string): Promise<StepDeadline[]> {
  const { clocks } = run.settings;
  const start = run.noonOn(from);
  // Added while episodes were running (histories without it replay unchanged): a plan also runs the statutory visit
  // clock, the first visit due the borough's number of working days from the plan's start.
  const visits = patched('statutory-visit-clock');
  if (kind === 'CIN') {
    const reviewDue = run.deadline(start, { kind: 'CALENDAR_MONTHS', months: clocks.cinReviewMonths });
    const visitDue = visits ? run.deadline(start, { kind: 'WORKING_DAYS', days: visitWorkingDays(run.settings, 'CIN') }) : null;
    const review = await reviewDue;
    const visit = visitDue && (await visitDue);
    if (run.state.cinPlan?.id !== planId) return [];
    run.startClock(reviewClock(planId), { stage: 'REVIEW', subject: planId, ...review, title: 'Review the child in need plan' });
    if (visit) run.startClock(visitClock(planId), { stage: VISIT, subject: planId, ...visit, title: visitTitle('CIN') });
    run.persist({ op: 'setPlanDue', args: { borough: run.state.borough, id: planId, nextReviewDue: review, ...(visit ? { nextVisitDue: visit } : {}) } });
    return [{ what: 'REVIEW', ...review }, ...(visit ? [{ what: VISIT, ...visit } as const] : [])];
  }
  const coreGroupAndReview = Promise.all([
    run.deadline(start, { kind: 'WORKING_DAYS', days: clocks.coreGroupWorkingDays }),
    run.deadline(start, { kind: 'CALENDAR_MONTHS', months: clocks.firstReviewMonths }),
  ]);
  const visitDue = visits ? run.deadline(start, { kind: 'WORKING_DAYS', days: visitWorkingDays(run.settings, 'CP') }) : null;
  const [coreGroup, review] = await coreGroupAndReview;
  const visit = visitDue && (await visitDue);
  if (run.state.cpPlan?.id !== planId) return [];
  run.startClock(coreGroupClock(planId), { stage: 'CORE_GROUP', subject: planId, ...coreGroup, title: 'Hold the first core group' });
  run.startClock(reviewClock(planId), { stage: 'REVIEW', subject: planId, ...review, title: 'Hold the first review conference' });
  if (visit) run.startClock(visitClock(planId), { stage: VISIT, subject: planId, ...visit, title: visitTitle('CP') });
  run.persist({ op: 'setPlanDue', args: { borough: run.state.borough, id: planId, nextReviewDue: review, firstCoreGroupDue: coreGroup, ...(visit ? { nextVisitDue: visit } : {}) } });
  return [{ what: 'CORE_GROUP', ...coreGroup }, { what: 'REVIEW', ...review }, ...(visit ? [{ what: VISIT, ...visit } as const] : [])];
}

/**
 * Working days between statutory visits to a child on a plan of this kind: the borough's setting, or (a run carried
 * over from before the setting existed) the London procedures' 10 for a CP plan and 20 for a CIN plan.
 */
export function visitWorkingDays(settings: EpisodeSettings, kind: 'CIN' | 'CP'): number {
  return kind === 'CP' ? settings.clocks.cpVisitWorkingDays ?? 10 : settings.clocks.cinVisitWorkingDays ?? 20;
}

const visitTitle = (kind: 'CIN' | 'CP') => `Statutory visit due: see the child (${kind === 'CP' ? 'child protection' : 'child in need'} plan)`;

/** Ends the open plan of a kind in the state: its clocks stop and its open actions end with it. */
function endPlan(run: EpisodeRun, kind: 'CIN' | 'CP', endDate: string, reason: string): PlanEnd {
  const s = run.state;
  const plan = kind === 'CP' ? s.cpPlan! : s.cinPlan!;
  for (const action of s.actions.filter((a) => a.planId === plan.id)) run.stopClock(actionClock(action.id), 'CANCELLED');
  s.actions = s.actions.filter((a) => a.planId !== plan.id);
  run.stopClock(reviewClock(plan.id), 'CANCELLED');
  run.stopClock(coreGroupClock(plan.id), 'CANCELLED');
  run.stopClock(visitClock(plan.id), 'CANCELLED');
  if (kind === 'CP') s.cpPlan = null;
  else s.cinPlan = null;
  return { id: plan.id, kind, endDate, reason };
}

export const addPlanAction: Handler<AddPlanActionInput> = async (run, input) => {
  const s = run.state;
  const plan = (s.cpPlan ?? s.cinPlan)!;
  const action: OpenAction = {
    id: uuid4(), planId: plan.id, description: input.description.trim(), responsibleAgency: input.responsibleAgency,
    responsiblePerson: input.responsiblePerson?.trim() || null, dueDate: input.dueDate.trim(), intendedOutcome: (input.intendedOutcome ?? '').trim(),
  };
  s.actions.push(action);
  run.persist({ op: 'addPlanAction', args: { ...run.stamp(input.actor.userId), action } });
  return run.step({ recordId: action.id, deadlines: await runActionClock(run, action) });
};

export const updatePlanAction: Handler<UpdatePlanActionInput> = async (run, input) => {
  const s = run.state;
  const before = s.actions.find((a) => a.id === input.actionId)!;
  const merged = trimAction(mergeAction(before, input));
  const status = input.status ?? 'OPEN';
  if (status === 'OPEN') s.actions = s.actions.map((a) => (a.id === before.id ? merged : a));
  else {
    s.actions = s.actions.filter((a) => a.id !== before.id);
    run.stopClock(actionClock(before.id), status === 'COMPLETED' ? 'DONE' : 'CANCELLED');
  }
  run.persist({ op: 'updatePlanAction', args: { ...run.stamp(input.actor.userId), action: merged, status, note: input.note?.trim() || null, revision: uuid4() } });
  const deadlines = status === 'OPEN' && merged.dueDate !== before.dueDate ? await runActionClock(run, merged) : [];
  return run.step({ recordId: before.id, deadlines });
};

/** A plan action is due by the close of office hours on its due date. */
async function runActionClock(run: EpisodeRun, action: OpenAction): Promise<StepDeadline[]> {
  const due = await run.deadline(run.noonOn(action.dueDate), { kind: 'WORKING_DAYS', days: 0 });
  if (run.state.actions.some((a) => a.id === action.id && a.dueDate === action.dueDate)) {
    run.startClock(actionClock(action.id), { stage: 'PLAN_ACTION', subject: action.id, ...due, title: `Plan action due (${action.responsibleAgency})` });
  }
  return [{ what: 'PLAN_ACTION', ...due }];
}

export const recordReview: Handler<RecordReviewInput> = async (run, input) => {
  const s = run.state;
  const plan = (input.kind === 'CIN_REVIEW' ? s.cinPlan : s.cpPlan)!;
  const overdueActions = s.actions
    .filter((a) => a.planId === plan.id && a.dueDate < input.heldOn)
    .map((a) => ({ id: a.id, description: a.description, responsibleAgency: a.responsibleAgency, dueDate: a.dueDate }));
  const id = uuid4();
  const clockKey = input.kind === 'CORE_GROUP' ? coreGroupClock(plan.id) : reviewClock(plan.id);
  const dueDate = s.clocks[clockKey]?.dueDate ?? null;
  run.stopClock(clockKey, 'DONE');
  run.persist({ op: 'recordReview', args: {
    ...run.stamp(input.actor.userId), id, planId: plan.id, kind: input.kind, heldOn: input.heldOn, dueDate, summary: input.summary.trim(), overdueActionIds: overdueActions.map((a) => a.id),
  } });
  const deadlines: StepDeadline[] = [];
  if (input.kind !== 'CORE_GROUP') {
    // Reviews recur: a CP plan's every 6 months (the borough may shorten it), a CIN plan's at the borough's interval.
    const months = input.kind === 'CIN_REVIEW' ? run.settings.clocks.cinReviewMonths : run.settings.clocks.subsequentReviewMonths;
    const next = await run.deadline(run.noonOn(input.heldOn), { kind: 'CALENDAR_MONTHS', months });
    const current = input.kind === 'CIN_REVIEW' ? s.cinPlan : s.cpPlan;
    if (current?.id === plan.id && !s.clocks[clockKey]) {
      run.startClock(clockKey, { stage: 'REVIEW', subject: plan.id, ...next, title: input.kind === 'CIN_REVIEW' ? 'Review the child in need plan' : 'Hold the review conference' });
      run.persist({ op: 'setReviewNextDue', args: { borough: s.borough, id, planId: plan.id, nextDue: next } });
      deadlines.push({ what: 'REVIEW', ...next });
    }
  }
  return run.step({ recordId: id, deadlines, overdueActions });
};

// ---- visits ----

/**
 * Records a visit to the child. With an open CP or CIN plan (started on or before the visit) the visit counts for
 * it: it is recorded against the visit deadline running then (met only if the child was seen by then), and a visit
 * in which the child was seen restarts the plan's visit clock from the visit's date. A visit in which the child was
 * not seen is recorded, and the deadline stands. A visit dated before a later one already recorded never moves the
 * clock back.
 */
export const recordVisit: Handler<RecordVisitInput> = async (run, input) => {
  const s = run.state;
  const id = uuid4();
  const open = s.cpPlan ? { kind: 'CP' as const, id: s.cpPlan.id, startDate: s.cpPlan.startDate } : s.cinPlan ? { kind: 'CIN' as const, ...s.cinPlan } : null;
  const plan = open && input.visitedOn >= open.startDate ? open : null;
  const key = plan ? visitClock(plan.id) : null;
  const standing = key ? s.clocks[key] : undefined;
  const dueDate = standing?.dueDate ?? null;
  const withinTimescale = dueDate === null ? null : input.childSeen && input.visitedOn <= dueDate;
  run.persist({ op: 'recordVisit', args: {
    ...run.stamp(input.actor.userId), id, planId: plan?.id ?? null, planKind: plan?.kind ?? null, visitedOn: input.visitedOn, visitor: input.visitor.trim(),
    childSeen: input.childSeen, seenAlone: input.childSeen && input.seenAlone, note: input.note.trim(), dueDate, withinTimescale,
  } });
  if (plan && key && input.childSeen) {
    const next = await run.deadline(run.noonOn(input.visitedOn), { kind: 'WORKING_DAYS', days: visitWorkingDays(run.settings, plan.kind) });
    const current = s.clocks[key];
    const stillOpen = !s.closed && (plan.kind === 'CP' ? s.cpPlan : s.cinPlan)?.id === plan.id;
    if (stillOpen && (!current || next.dueAt > current.dueAt)) {
      run.stopClock(key, 'DONE');
      run.startClock(key, { stage: VISIT, subject: plan.id, ...next, title: visitTitle(plan.kind) });
      run.persist({ op: 'setPlanDue', args: { borough: s.borough, id: plan.id, nextVisitDue: next } });
    }
  }
  return run.step({ recordId: id, deadlines: key ? running(run, [key]) : [] });
};

// ---- moving and closing ----

export const stepDown: Handler<StepDownInput> = async (run, input) => {
  const s = run.state;
  const from = s.level;
  const today = run.today();
  const reason = input.reason.trim();
  const end: PlanEnd[] = [];
  if (s.cpPlan) end.push(endPlan(run, 'CP', today, `Stepped down to ${input.to}: ${reason}`));
  let start: PlanStart | null = null;
  if (input.to === 'CIN') {
    start = { id: uuid4(), kind: 'CIN', startDate: today, categoryOfAbuse: null, conferenceId: null };
    s.cinPlan = { id: start.id, startDate: today };
  } else if (s.cinPlan) {
    end.push(endPlan(run, 'CIN', today, `Stepped down to early help: ${reason}`));
  }
  s.level = input.to;
  const stepChangeId = uuid4();
  run.persist({ op: 'changeLevel', args: { ...run.stamp(input.actor.userId), id: stepChangeId, direction: 'DOWN', from, to: input.to, reason, level: input.to, start, end } });
  // The early help episode starts in the same batch (one transaction) as the step down. An update from a history
  // before issue 10 has no earlyHelp and records none (the batch, and so the commands, are the same either way).
  const earlyHelp = input.to === 'EARLY_HELP' ? input.earlyHelp ?? null : null;
  let recordId: string | null = null;
  if (earlyHelp !== null) {
    recordId = uuid4();
    const startedOn = earlyHelp.startDate ?? today;
    const organisation = earlyHelp.organisation.trim();
    s.earlyHelp = { id: recordId, startedOn, organisation, assessedOn: null };
    run.persist({ op: 'startEarlyHelp', args: { ...run.stamp(input.actor.userId), id: recordId, stepChangeId, startedOn, organisation } });
  }
  return run.step({ recordId, deadlines: start ? await startPlanClocks(run, 'CIN', start.id, today) : [] });
};

export const stepUp: Handler<StepUpInput> = async (run, input) => {
  const s = run.state;
  const from = s.level;
  const reason = input.reason.trim();
  if (input.to === 'CP') {
    // Child protection comes only through a strategy discussion, an s47 enquiry and a conference.
    run.persist({ op: 'changeLevel', args: { ...run.stamp(input.actor.userId), id: uuid4(), direction: 'UP', from, to: 'CP', reason, level: from, start: null, end: [] } });
    endEarlyHelpOnStepUp(run, input.actor.userId, `Stepped up towards child protection: ${reason}`);
    return run.step({ deadlines: [await requireDiscussion(run, `Stepped up towards child protection: ${reason}`, new Date().toISOString())] });
  }
  const start: PlanStart = { id: uuid4(), kind: 'CIN', startDate: run.today(), categoryOfAbuse: null, conferenceId: null };
  s.cinPlan = { id: start.id, startDate: start.startDate };
  s.level = 'CIN';
  s.servicesStarted = true;
  run.persist({ op: 'changeLevel', args: { ...run.stamp(input.actor.userId), id: uuid4(), direction: 'UP', from, to: 'CIN', reason, level: 'CIN', start, end: [] } });
  endEarlyHelpOnStepUp(run, input.actor.userId, `Stepped up to a child in need plan: ${reason}`);
  return run.step({ recordId: start.id, deadlines: await startPlanClocks(run, 'CIN', start.id, start.startDate) });
};

export const closeCase: Handler<CloseCaseInput> = (run, input) => {
  const s = run.state;
  const today = run.today();
  const end = [...(s.cpPlan ? [endPlan(run, 'CP', today, 'Episode closed')] : []), ...(s.cinPlan ? [endPlan(run, 'CIN', today, 'Episode closed')] : [])];
  const at = new Date().toISOString();
  s.closed = { at, reason: input.reason };
  s.strategy.required = null;
  s.strategy.scheduled = null;
  // Every clock stops (the store cancels every open task with the case).
  for (const key of Object.keys(s.clocks)) delete s.clocks[key];
  run.persist({ op: 'closeEpisode', args: { ...run.stamp(input.actor.userId), reason: input.reason, note: input.note.trim(), referralNfa: s.nfa, end } });
  return Promise.resolve(run.step({}));
};

// ---- early help ----

/**
 * Ends the open early help episode, if any, with outcome STEPPED_UP, in the same batch as the step that moved the
 * child up to social care (a step up, a CIN plan, or a CP plan at a conference). Early help workers may stay
 * involved; the early help episode as a level of service ends.
 */
function endEarlyHelpOnStepUp(run: EpisodeRun, by: string, note: string): void {
  const earlyHelp = run.state.earlyHelp;
  if (!earlyHelp) return;
  run.state.earlyHelp = null;
  run.persist({ op: 'endEarlyHelp', args: { ...run.stamp(by), id: earlyHelp.id, endedOn: run.today(), outcome: 'STEPPED_UP', note } });
}

export const recordEarlyHelpAssessment: Handler<RecordEarlyHelpAssessmentInput> = (run, input) => {
  const earlyHelp = run.state.earlyHelp!;
  earlyHelp.assessedOn = input.completedOn;
  run.persist({ op: 'recordEarlyHelpAssessment', args: { ...run.stamp(input.actor.userId), id: earlyHelp.id, completedOn: input.completedOn } });
  return Promise.resolve(run.step({ recordId: earlyHelp.id }));
};

/** Records how early help ended; the episode stays open at level EARLY_HELP for a manager to close (or step up). */
export const endEarlyHelp: Handler<EndEarlyHelpInput> = (run, input) => {
  const earlyHelp = run.state.earlyHelp!;
  run.state.earlyHelp = null;
  const outcome: EarlyHelpOutcome = input.outcome;
  run.persist({ op: 'endEarlyHelp', args: { ...run.stamp(input.actor.userId), id: earlyHelp.id, endedOn: input.endedOn, outcome, note: input.note?.trim() || null } });
  return Promise.resolve(run.step({ recordId: earlyHelp.id }));
};

// ---- emergencies ----

const protectionClock = (kind: ProtectionKind) => kind;

export const recordPoliceProtection: Handler<PoliceProtectionInput> = async (run, input) => {
  const s = run.state;
  const id = uuid4();
  const startedAt = new Date(input.startedAt).toISOString();
  s.protection.police = { id, startedAt, endsAt: '' };
  const ends = await run.deadline(startedAt, { kind: 'CALENDAR_HOURS', hours: 72 });
  s.protection.police.endsAt = ends.dueAt;
  run.persist({ op: 'startProtection', args: { ...run.stamp(input.actor.userId), id, kind: 'POLICE_PROTECTION', startedAt, endsAt: ends.dueAt, supersedes: null } });
  run.startClock(protectionClock('POLICE_PROTECTION'), { stage: 'POLICE_PROTECTION', subject: id, ...ends, title: 'Police protection ends (72 hours): the child\'s care after it must be decided' });
  const discussion = await requireDiscussion(run, 'Police protection', startedAt, ends.dueAt);
  return run.step({ recordId: id, deadlines: [{ what: 'POLICE_PROTECTION', ...ends }, discussion] });
};

export const recordEmergencyProtectionOrder: Handler<EmergencyProtectionOrderInput> = async (run, input) => {
  const s = run.state;
  const id = uuid4();
  const grantedAt = new Date(input.grantedAt).toISOString();
  const police = s.protection.police;
  s.protection.epo = { id, grantedAt, endsAt: '', extended: false };
  if (police) {
    s.protection.police = null;
    run.stopClock(protectionClock('POLICE_PROTECTION'), 'DONE');
  }
  const ends = await run.deadline(grantedAt, { kind: 'CALENDAR_HOURS', hours: 24 * input.days });
  s.protection.epo.endsAt = ends.dueAt;
  run.persist({ op: 'startProtection', args: { ...run.stamp(input.actor.userId), id, kind: 'EMERGENCY_PROTECTION_ORDER', startedAt: grantedAt, endsAt: ends.dueAt, supersedes: police?.id ?? null } });
  run.startClock(protectionClock('EMERGENCY_PROTECTION_ORDER'), { stage: 'EMERGENCY_PROTECTION_ORDER', subject: id, ...ends, title: 'Emergency protection order ends: extend it, apply to court, or end it' });
  const discussion = await requireDiscussion(run, 'Emergency protection order', grantedAt, ends.dueAt);
  return run.step({ recordId: id, deadlines: [{ what: 'EMERGENCY_PROTECTION_ORDER', ...ends }, discussion] });
};

export const extendEmergencyProtectionOrder: Handler<ExtendEmergencyProtectionOrderInput> = async (run, input) => {
  const epo = run.state.protection.epo!;
  epo.extended = true;
  const ends = await run.deadline(epo.endsAt, { kind: 'CALENDAR_HOURS', hours: 24 * input.days });
  if (run.state.protection.epo?.id === epo.id) {
    epo.endsAt = ends.dueAt;
    run.persist({ op: 'extendProtection', args: { ...run.stamp(input.actor.userId), id: epo.id, days: input.days, endsAt: ends.dueAt, reason: input.reason.trim() } });
    run.startClock(protectionClock('EMERGENCY_PROTECTION_ORDER'), { stage: 'EMERGENCY_PROTECTION_ORDER', subject: epo.id, ...ends, title: 'Extended emergency protection order ends: apply to court, or end it' });
  }
  return run.step({ recordId: epo.id, deadlines: [{ what: 'EMERGENCY_PROTECTION_ORDER', ...ends }] });
};

export const endProtection: Handler<EndProtectionInput> = (run, input) => {
  const s = run.state;
  const order = (input.kind === 'POLICE_PROTECTION' ? s.protection.police : s.protection.epo)!;
  if (input.kind === 'POLICE_PROTECTION') s.protection.police = null;
  else s.protection.epo = null;
  run.stopClock(protectionClock(input.kind), 'DONE');
  run.persist({ op: 'endProtection', args: { ...run.stamp(input.actor.userId), id: order.id, endedAt: new Date(input.endedAt).toISOString(), outcome: input.outcome.trim() } });
  return Promise.resolve(run.step({ recordId: order.id }));
};

// ---- helpers ----

/** The deadlines of these clocks that are running. */
function running(run: EpisodeRun, keys: string[]): StepDeadline[] {
  return keys.flatMap((key) => {
    const clock = run.state.clocks[key];
    return clock ? [{ what: clock.stage, dueAt: clock.dueAt, dueDate: clock.dueDate }] : [];
  });
}

function trimAction(action: OpenAction): OpenAction {
  return {
    ...action, description: action.description.trim(), responsiblePerson: action.responsiblePerson?.trim() || null, dueDate: action.dueDate.trim(), intendedOutcome: action.intendedOutcome.trim(),
  };
}

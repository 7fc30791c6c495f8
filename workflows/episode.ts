import type { UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineUpdate, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Actor } from './contact';
import { act, createRun, type EpisodeRun } from './episode/run';
import { validating } from './shared/refusal';
import * as steps from './episode/steps';
import type * as T from './episode/types';
import * as v from './episode/validate';
import { referralSignal, type EpisodeWorkflowInput, type Referral } from './referral';

export * from './episode/types';

// Changing this workflow while episodes are running: a CP plan can run for years, so old histories replay against new
// code. Any change to the commands a path issues (activities, timers, their order) goes behind `patched('<id>')`
// (and later `deprecatePatch`), and the replay test (tests/integration/replay.test.ts) replays every recorded history
// in tests/fixtures/histories against the new bundle, so a change that breaks determinism fails CI.

/** The episode's working state, for diagnostics and tests (the case page reads PostgreSQL). */
export const episodeStateQuery = defineQuery<T.EpisodeState | null>('episodeState');

/** Arranges a strategy discussion; every agency the borough requires must be invited. */
export const scheduleStrategyDiscussion = defineUpdate<T.EpisodeStep, [T.ScheduleStrategyDiscussionInput]>('scheduleStrategyDiscussion');
/**
 * Records a strategy discussion with its attendees by agency, outcome and actions (each with an owner and a date).
 * Without a required agency (or a social care manager) it is refused unless a manager overrides with a reason; it is
 * then recorded incomplete, and each missing agency gets a follow-up task.
 */
export const recordStrategyDiscussion = defineUpdate<T.EpisodeStep, [T.RecordStrategyDiscussionInput]>('recordStrategyDiscussion');
/** Starts a section 47 enquiry: only from a strategy discussion that decided on one, and one open at a time. */
export const startSection47 = defineUpdate<T.EpisodeStep, [T.StartSection47Input]>('startSection47');
/** Records an s47's enquiries, analysis and recommendation (all required); it then awaits a manager's authorisation. */
export const recordSection47Outcome = defineUpdate<T.EpisodeStep, [T.Section47OutcomeInput]>('recordSection47Outcome');
/** A manager authorises a fully recorded s47, completing it (and starting the ICPC clock when it recommends one). */
export const authoriseSection47 = defineUpdate<T.EpisodeStep, [T.AuthoriseSection47Input]>('authoriseSection47');
/** Starts an assessment (one open at a time); the first is due 45 working days from the referral. */
export const startAssessment = defineUpdate<T.EpisodeStep, [T.StartAssessmentInput]>('startAssessment');
/** A manager completes an assessment with its factors (CIN codes); once overdue, only with a reason. */
export const completeAssessment = defineUpdate<T.EpisodeStep, [T.CompleteAssessmentInput]>('completeAssessment');
/** Records the initial child protection conference (a working day); a CP plan outcome starts the plan that day. */
export const recordInitialConference = defineUpdate<T.EpisodeStep, [T.InitialConferenceInput]>('recordInitialConference');
/** Creates a child in need plan (a CP plan starts only at an ICPC). */
export const createPlan = defineUpdate<T.EpisodeStep, [T.CreatePlanInput]>('createPlan');
/** Adds an action to the open plan: specific, with a responsible agency, a real due date and an intended outcome. */
export const addPlanAction = defineUpdate<T.EpisodeStep, [T.AddPlanActionInput]>('addPlanAction');
/** Changes, completes or cancels an open plan action (moving its date or cancelling it needs a note). */
export const updatePlanAction = defineUpdate<T.EpisodeStep, [T.UpdatePlanActionInput]>('updatePlanAction');
/** Records a core group, review conference or CIN review; answers with the plan's overdue actions and next review. */
export const recordReview = defineUpdate<T.EpisodeStep, [T.RecordReviewInput]>('recordReview');
/**
 * Records a visit to the child (date, visitor, seen, seen alone, note) on any open episode. With an open CP or CIN
 * plan it is a statutory visit: one in which the child was seen restarts the plan's visit clock.
 */
export const recordVisit = defineUpdate<T.EpisodeStep, [T.RecordVisitInput]>('recordVisit');
/** A manager steps down from CP to CIN, or from CP or CIN to early help, ending the plans that go. */
export const stepDown = defineUpdate<T.EpisodeStep, [T.StepDownInput]>('stepDown');
/** Steps up to a CIN plan, or towards child protection (a strategy discussion, due as soon as possible). */
export const stepUp = defineUpdate<T.EpisodeStep, [T.StepUpInput]>('stepUp');
/** A manager closes the episode with a CIN reason for closure; refused while an s47 is unresolved or an assessment open. */
export const closeCase = defineUpdate<T.EpisodeStep, [T.CloseCaseInput]>('closeCase');
/** Records police protection (at most 72 hours): its clock, and a strategy discussion as soon as possible. */
export const recordPoliceProtection = defineUpdate<T.EpisodeStep, [T.PoliceProtectionInput]>('recordPoliceProtection');
/** Records an emergency protection order (at most 8 days): its clock, and a strategy discussion as soon as possible. */
export const recordEmergencyProtectionOrder = defineUpdate<T.EpisodeStep, [T.EmergencyProtectionOrderInput]>('recordEmergencyProtectionOrder');
/** Extends an emergency protection order once, by at most 7 days. */
export const extendEmergencyProtectionOrder = defineUpdate<T.EpisodeStep, [T.ExtendEmergencyProtectionOrderInput]>('extendEmergencyProtectionOrder');
/** Records how police protection or an emergency protection order ended, stopping its clock. */
export const endProtection = defineUpdate<T.EpisodeStep, [T.EndProtectionInput]>('endProtection');
/** Records that the open early help episode's assessment was completed (once). */
export const recordEarlyHelpAssessment = defineUpdate<T.EpisodeStep, [T.RecordEarlyHelpAssessmentInput]>('recordEarlyHelpAssessment');
/** Records how the open early help episode ended (not STEPPED_UP: a step up ends it itself); the episode stays open. */
export const endEarlyHelp = defineUpdate<T.EpisodeStep, [T.EndEarlyHelpInput]>('endEarlyHelp');

/** A run's input: the contract's, plus what a previous run carries over. */
export interface EpisodeRunInput extends EpisodeWorkflowInput {
  /** The episode's state, when continuing as new. */
  carried?: T.EpisodeState;
  /** The borough's settings for the new run, read as the previous run ended (a run uses one version throughout). */
  settings?: T.EpisodeSettings;
  /** Referrals received but not yet opened or joined (e.g. one that arrived as the previous episode closed). */
  inbox?: Referral[];
  /** Continue as new once the history has this many events (default 2,000; at least 100). */
  historyLimit?: number;
}

/** How an episode ended: its case, closure time and reason (null when a repeated referral opened nothing). */
export interface EpisodeResult {
  caseId: string | null;
  closedAt: string | null;
  reason: string | null;
}

const DEFAULT_HISTORY_LIMIT = 2_000;
const MIN_HISTORY_LIMIT = 100;

/**
 * A child's episode of children's social care, from referral to closure: one workflow per child (id
 * `episode-<childId>`), so Temporal itself keeps at most one open per child. Opens on the first referral (signal-
 * with-start), detecting a re-referral; later referrals of the child join it (a repeat of one is ignored). Every human
 * step is an update whose validator enforces the law and the CIN census invariants; every deadline comes from the
 * borough's calendar and escalates up its ladder, once per rung, until a step meets it. Continues as new when its
 * history grows, carrying its small state; a referral arriving as it closes starts the child's next episode.
 */
export async function episodeWorkflow(input: EpisodeRunInput): Promise<EpisodeResult> {
  const { borough, childId } = input;
  const inbox: Referral[] = [...(input.inbox ?? [])];
  let run: EpisodeRun | null = null;
  const historyLimit = Math.max(input.historyLimit ?? DEFAULT_HISTORY_LIMIT, MIN_HISTORY_LIMIT);

  setHandler(referralSignal, (referral) => {
    if (referral.borough !== borough || referral.childId !== childId) {
      log.warn('Referral for another child ignored', { contactId: referral.contactId });
      return;
    }
    if (run?.state.contactIds.includes(referral.contactId) || inbox.some((r) => r.contactId === referral.contactId)) return;
    if (run && !run.state.closed) steps.join(run, referral);
    else inbox.push(referral);
  });
  setHandler(episodeStateQuery, () => run?.state ?? null);
  const step = <I extends { actor: Actor; caseId: string }>(
    update: UpdateDefinition<T.EpisodeStep, [I]>,
    validate: (s: T.EpisodeState, cfg: T.EpisodeSettings, input: I, now: number) => void,
    handle: (run: EpisodeRun, input: I) => Promise<T.EpisodeStep>,
  ) => {
    // Stage and role refusals stop at once; every content problem is refused together.
    const check = (episode: EpisodeRun, i: I) => validating(() => {
      v.checkOpen(episode.state, i);
      validate(episode.state, episode.settings, i, Date.now());
    });
    setHandler(update, async (i: I) => {
      // A step that arrived while the episode was being opened is checked now, with the same refusals.
      if (!run) {
        await condition(() => run !== null);
        check(run!, i);
      }
      return handle(run!, i);
    }, {
      validator: (i: I) => {
        if (run) check(run, i);
      },
    });
  };
  step(scheduleStrategyDiscussion, v.validateScheduleDiscussion, steps.scheduleDiscussion);
  step(recordStrategyDiscussion, v.validateRecordDiscussion, steps.recordDiscussion);
  step(startSection47, v.validateStartSection47, steps.startSection47);
  step(recordSection47Outcome, v.validateSection47Outcome, steps.recordSection47Outcome);
  step(authoriseSection47, v.validateAuthoriseSection47, steps.authoriseSection47);
  step(startAssessment, v.validateStartAssessment, steps.startAssessment);
  step(completeAssessment, v.validateCompleteAssessment, steps.completeAssessment);
  step(recordInitialConference, v.validateInitialConference, steps.recordInitialConference);
  step(createPlan, v.validateCreatePlan, steps.createPlan);
  step(addPlanAction, v.validateAddPlanAction, steps.addPlanAction);
  step(updatePlanAction, v.validateUpdatePlanAction, steps.updatePlanAction);
  step(recordReview, v.validateReview, steps.recordReview);
  step(recordVisit, v.validateRecordVisit, steps.recordVisit);
  step(stepDown, v.validateStepDown, steps.stepDown);
  step(stepUp, v.validateStepUp, steps.stepUp);
  step(closeCase, v.validateClose, steps.closeCase);
  step(recordPoliceProtection, v.validatePoliceProtection, steps.recordPoliceProtection);
  step(recordEmergencyProtectionOrder, v.validateEmergencyProtectionOrder, steps.recordEmergencyProtectionOrder);
  step(extendEmergencyProtectionOrder, v.validateExtendEmergencyProtectionOrder, steps.extendEmergencyProtectionOrder);
  step(endProtection, v.validateEndProtection, steps.endProtection);
  step(recordEarlyHelpAssessment, v.validateRecordEarlyHelpAssessment, steps.recordEarlyHelpAssessment);
  step(endEarlyHelp, v.validateEndEarlyHelp, steps.endEarlyHelp);

  // 1. Resume the carried episode at once (with the settings read for this run as the last one ended), or read the
  //    borough's settings and open an episode on the first referral.
  if (input.carried && input.settings) {
    run = createRun(input.carried, input.settings);
    run.resumeClocks();
  } else {
    run = await openOnFirstReferral(inbox, await act.episodeSettings({ borough, at: new Date().toISOString() }));
    if (!run) return { caseId: null, closedAt: null, reason: null };
  }
  const episode: EpisodeRun = run;
  for (const referral of inbox.splice(0)) steps.join(episode, referral);

  // 2. Human steps arrive as updates until the episode closes. A long history continues as new, once no step is in
  //    progress and no write outstanding, carrying the state and the borough's settings as they are now.
  await condition(() => episode.state.closed !== null || historyIsLong(historyLimit));
  if (!episode.state.closed) {
    const settings = await act.episodeSettings({ borough, at: new Date().toISOString() });
    await condition(() => allHandlersFinished() && episode.idle());
    if (!episode.state.closed) {
      return continueAsNew<typeof episodeWorkflow>({ borough, childId, carried: episode.state, settings, inbox, historyLimit: input.historyLimit });
    }
  }
  await condition(() => allHandlersFinished() && episode.idle());

  // 3. Closed. A referral that arrived meanwhile is the child's next episode.
  log.info('Episode closed', { caseId: episode.state.caseId, reason: episode.state.closed.reason });
  if (inbox.length > 0) return continueAsNew<typeof episodeWorkflow>({ borough, childId, inbox, historyLimit: input.historyLimit });
  return { caseId: episode.state.caseId, closedAt: episode.state.closed.at, reason: episode.state.closed.reason };
}

/** Opens the episode on the first referral that is not a repeat of one an earlier episode already had. */
async function openOnFirstReferral(inbox: Referral[], settings: T.EpisodeSettings): Promise<EpisodeRun | null> {
  for (;;) {
    await condition(() => inbox.length > 0);
    const first = inbox.shift()!;
    const assessmentDue = await act.computeDeadline({ borough: first.borough, from: first.referralAt, spec: { kind: 'WORKING_DAYS', days: settings.clocks.assessmentWorkingDays } });
    const opened = await act.openEpisode({ referral: first, assessmentDue });
    if (opened.duplicate) {
      log.info('Repeated referral ignored: it belongs to an earlier episode', { caseId: opened.caseId });
      if (inbox.length === 0) return null;
      continue;
    }
    const run = createRun({
      caseId: opened.caseId, borough: first.borough, childId: first.childId, contactId: first.contactId, referralAt: first.referralAt, referralDate: opened.referralDate,
      pathway: first.pathway, levelOfNeed: first.levelOfNeed, rag: first.rag, reReferral: opened.reReferral, prebirth: first.child.dateOfBirth === null,
      contactIds: [first.contactId], level: 'NONE', nfa: false, servicesStarted: false, assessmentDue,
      strategy: { required: null, scheduled: null, held: [], followUps: [] },
      s47: null, assessment: null, assessmentsCompleted: 0, cinPlan: null, cpPlan: null, actions: [], protection: { police: null, epo: null }, clocks: {}, earlyHelp: null, closed: null, writes: 0,
    }, settings);
    log.info('Episode opened', { caseId: opened.caseId, reReferral: opened.reReferral });
    steps.begin(run, first);
    return run;
  }
}

function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

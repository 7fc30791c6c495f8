import { assessmentFactorProblems, CATEGORIES_OF_ABUSE, closureReasonProblem, isCategoryOfAbuse } from '../../rules/cin-codes';
import { isWorkingDay, localDateOf, type WorkingCalendar } from '../../rules/calendar';
import { isAgency, isCalendarDate, planActionProblems, type ActionProblem } from '../../rules/plan-actions';
import { AGENCIES, type Agency } from '../../rules/vocabulary';
import type { Actor } from '../contact';
import { forbid, invalidState, problem } from '../shared/refusal';
import { SECTION_47_START_CLOCK } from './types';
import type {
  AddPlanActionInput, AuthoriseSection47Input, CloseCaseInput, CompleteAssessmentInput, CreatePlanInput, DiscussionAttendee, EmergencyProtectionOrderInput,
  EndEarlyHelpInput, EndProtectionInput, EpisodeSettings, EpisodeState, ExtendEmergencyProtectionOrderInput, InitialConferenceInput, OpenAction, PoliceProtectionInput,
  RecordEarlyHelpAssessmentInput, RecordReviewInput, RecordStrategyDiscussionInput, RecordVisitInput, ScheduleStrategyDiscussionInput, Section47OutcomeInput, StartAssessmentInput,
  StartSection47Input,
  StepDownInput, StepUpInput, UpdatePlanActionInput,
} from './types';

// Validators: run before an update is accepted (nothing is recorded, nothing enters history when they refuse). Each
// takes the episode state, the borough's settings, the input and the workflow's clock, and refuses with a reason a
// caseworker can act on: 'Forbidden' (a role this step needs) or 'InvalidState' (not possible at this stage; says
// what first) at once, or every content problem together (`problem`, collected by `validating` in workflows/episode.ts).

type Validator<I> = (s: EpisodeState, cfg: EpisodeSettings, input: I, now: number) => void;

/** Rejects an update at once with a reason the caller can act on; `type` decides the API's error code. */
export function refuse(type: 'Forbidden' | 'InvalidState', message: string): never {
  return type === 'Forbidden' ? forbid(message) : invalidState(message);
}

/** Refuses a step meant for another episode, or any step once the episode has closed. */
export function checkOpen(s: EpisodeState, input: { caseId: string }): void {
  if (input.caseId !== s.caseId) {
    refuse('InvalidState', `Case ${input.caseId} is not this child's open episode (that is ${s.caseId}): the episode you named has closed, so nothing more can be recorded on it.`);
  }
  if (s.closed) {
    refuse('InvalidState', `This episode closed on ${s.closed.at.slice(0, 10)} (${s.closed.reason}); nothing can be recorded after closure. A new concern is a new contact.`);
  }
}

export const validateScheduleDiscussion: Validator<ScheduleStrategyDiscussionInput> = (s, cfg, input, now) => {
  const at = instant(input.scheduledFor, 'scheduledFor');
  if (at !== null && at < now - HOUR) problem('scheduledFor: is in the past; to record a discussion that has been held, use recordStrategyDiscussion.');
  else notBeforeReferral(s, cfg, at, 'scheduledFor');
  const missing = requiredAgencies(s, cfg).filter((agency) => !input.invitedAgencies.includes(agency));
  if (missing.length > 0) {
    problem(`invitedAgencies: invite ${list(missing)} as well: every strategy discussion about this child needs ${list(requiredAgencies(s, cfg))}.`);
  }
  unknownAgencies(input.invitedAgencies, 'invitedAgencies');
  text(input.purpose, 'purpose', 10);
};

export const validateRecordDiscussion: Validator<RecordStrategyDiscussionInput> = (s, cfg, input, now) => {
  const heldAt = instant(input.heldAt, 'heldAt');
  notInFuture(heldAt, now, 'heldAt');
  notBeforeReferral(s, cfg, heldAt, 'heldAt');
  const noAttendees = input.attendees.length === 0;
  if (noAttendees) problem('attendees: list who took part, with their agency.');
  input.attendees.forEach((a, i) => {
    unknownAgencies([a.agency], `attendees[${i}].agency`);
    text(a.name, `attendees[${i}].name`, 2);
    text(a.role, `attendees[${i}].role`, 2);
  });
  const missing = missingAgencies(s, cfg, input.attendees);
  const noManager = !socialCareManagerPresent(input.attendees);
  const gaps = [...missing.map((agency) => `${agency} did not take part`), ...(noManager ? ['no children\'s social care manager took part'] : [])];
  if (gaps.length > 0 && noAttendees) {
    // Already refused above: nobody took part.
  } else if (gaps.length > 0) {
    if (!input.overrideReason?.trim()) {
      problem(`attendees: ${gaps.join('; ')}. This borough's strategy discussions need ${list(requiredAgencies(s, cfg))}, with a social care manager. Hold it with them, or a manager may record it as incomplete with an overrideReason; each missing agency then gets a follow-up task to obtain its input.`);
    } else {
      if (!isManager(input.actor)) refuse('Forbidden', `Recording it as incomplete needs the manager role: only a manager may record a strategy discussion without ${missing.length > 0 ? list(missing) : 'a social care manager'}; ask a manager to record it.`);
      text(input.overrideReason, 'overrideReason', 10);
    }
  } else if (input.overrideReason?.trim()) {
    problem('overrideReason: every required agency and a social care manager took part, so there is nothing to override; leave it out.');
  }
  text(input.rationale, 'rationale', 10);
  const today = todayIn(cfg, now);
  input.actions.forEach((a, i) => {
    if (a.owner.trim().length < 2) problem(`actions[${i}].owner: every action agreed at a strategy discussion needs a named owner.`);
    const problems = planActionProblems({ description: a.description, responsibleAgency: a.agency, responsiblePerson: a.owner, dueDate: a.dueDate, intendedOutcome: null }, { today, outcomeRequired: false });
    actionProblems(problems, `actions[${i}].`, { responsibleAgency: 'agency', responsiblePerson: 'owner' });
  });
};

export const validateStartSection47: Validator<StartSection47Input> = (s, _cfg, input) => {
  notConcludedNfa(s);
  if (s.s47 && s.s47.status !== 'COMPLETED') {
    refuse('InvalidState', `A section 47 enquiry (started ${s.s47.startedAt.slice(0, 10)}) is already open for this child; only one may be open at a time.`);
  }
  discussionForSection47(s, input.strategyDiscussionId);
};

export const validateSection47Outcome: Validator<Section47OutcomeInput> = (s, _cfg, input) => {
  if (!s.s47 || s.s47.status === 'COMPLETED') refuse('InvalidState', 'There is no open section 47 enquiry on this episode; start one after a strategy discussion decides on it.');
  const enquiries = input.enquiries.map((e) => e.trim()).filter(Boolean);
  if (enquiries.length === 0) problem('enquiries: list each enquiry made (who was seen or spoken to, what was checked); an s47 record needs all four: enquiries, analysis, recommendation and a manager\'s authorisation.');
  enquiries.forEach((e, i) => {
    if (e.length < 10) problem(`enquiries[${i}]: "${e}" does not say what was done; describe the enquiry (e.g. "Home visit: saw Sam alone and with mother").`);
  });
  if (input.analysis.trim().length < 50) {
    problem('analysis: say what the enquiries found and what it means for the child\'s safety (at least 50 characters). An s47 cannot be completed with a list of enquiries and no analysis.');
  }
  text(input.recommendationDetail, 'recommendationDetail', 10);
};

export const validateAuthoriseSection47: Validator<AuthoriseSection47Input> = (s, _cfg, input) => {
  if (!isManager(input.actor)) refuse('Forbidden', 'A section 47 enquiry is authorised by a manager (the manager role): ask a manager to authorise it.');
  if (!s.s47) refuse('InvalidState', 'There is no section 47 enquiry on this episode to authorise.');
  if (s.s47.status === 'COMPLETED') refuse('InvalidState', 'This section 47 enquiry has already been authorised.');
  if (s.s47.status === 'OPEN') {
    refuse('InvalidState', 'The section 47 enquiry has no outcome recorded yet: record the enquiries made, the analysis and the recommendation (recordSection47Outcome) first; a manager then authorises the complete record.');
  }
  text(input.managerComment, 'managerComment', 10);
};

export const validateStartAssessment: Validator<StartAssessmentInput> = (s) => {
  notConcludedNfa(s);
  if (s.assessment?.status === 'OPEN') refuse('InvalidState', `An assessment (started ${s.assessment.startedAt.slice(0, 10)}) is already open for this child; only one may be open at a time.`);
};

export const validateCompleteAssessment: Validator<CompleteAssessmentInput> = (s, _cfg, input, now) => {
  if (!isManager(input.actor)) refuse('Forbidden', 'An assessment is completed with a manager\'s authorisation: ask a manager to complete it.');
  if (s.assessment?.status !== 'OPEN') refuse('InvalidState', 'There is no open assessment on this episode; start one first.');
  const problems = assessmentFactorProblems(input.factors);
  problems.forEach((p) => problem(p));
  text(input.summary, 'summary', 10);
  // The API's schema requires it; a direct update without it (a caller outside the API) is refused the same way.
  if (typeof (input as Partial<CompleteAssessmentInput>).childSeen !== 'boolean') {
    problem('childSeen: say whether the child was seen during the assessment (true or false); an assessment cannot be authorised without it.');
  }
  if (now > Date.parse(s.assessment.dueAt) && !input.overdueReason?.trim()) {
    problem(`overdueReason: the assessment was due by ${s.assessment.dueDate} and is overdue; say why before authorising it.`);
  }
};

export const validateInitialConference: Validator<InitialConferenceInput> = (s, cfg, input, now) => {
  const s47 = s.s47;
  if (!s47) refuse('InvalidState', 'An initial child protection conference follows a section 47 enquiry that recommends one; there is none on this episode.');
  if (s47.status !== 'COMPLETED') refuse('InvalidState', 'The section 47 enquiry must be completed (enquiries, analysis, recommendation) and authorised by a manager before the conference.');
  if (s47.recommendation !== 'CONVENE_ICPC') refuse('InvalidState', `The section 47 enquiry recommended ${s47.recommendation}, not a conference.`);
  if (s47.conferenceHeld) refuse('InvalidState', 'The initial conference for this section 47 enquiry has already been recorded.');
  const heldOn = dateInEpisode(s, cfg, input.heldOn, 'heldOn', now);
  const s47Started = localDateOf(new Date(s47.startedAt), calendarOf(cfg));
  if (heldOn !== null && heldOn < s47Started) problem(`heldOn: ${heldOn} is before the section 47 enquiry started (${s47Started}).`);
  else if (heldOn !== null && !isWorkingDay(heldOn, calendarOf(cfg))) problem(`heldOn: ${heldOn} is a weekend or bank holiday in this borough; an initial child protection conference is always held on a working day.`);
  if (input.outcome === 'CP_PLAN') {
    if (s.cpPlan) refuse('InvalidState', `A child protection plan is already open (since ${s.cpPlan.startDate}); a child has only one at a time.`);
    if (!input.categoryOfAbuse || !isCategoryOfAbuse(input.categoryOfAbuse)) {
      problem(`categoryOfAbuse: a child protection plan needs its category of abuse: ${Object.entries(CATEGORIES_OF_ABUSE).map(([code, name]) => `${code} (${name.toLowerCase()})`).join(', ')}.`);
    }
  } else if (input.categoryOfAbuse) {
    problem('categoryOfAbuse: is given only with a child protection plan; leave it out.');
  }
};

export const validateCreatePlan: Validator<CreatePlanInput> = (s, cfg, input, now) => {
  notConcludedNfa(s);
  if (input.kind === 'CP') {
    refuse('InvalidState', 'A child protection plan starts only at an initial child protection conference that decides on one (recordInitialConference with outcome CP_PLAN), and it starts that day.');
  }
  if (s.cpPlan) refuse('InvalidState', `A child protection plan is open (since ${s.cpPlan.startDate}); a child in need plan follows only when it ends (stepDown to CIN).`);
  if (s.cinPlan) refuse('InvalidState', `A child in need plan is already open (since ${s.cinPlan.startDate}).`);
  assessedForPlan(s);
  if (input.startDate !== null) dateInEpisode(s, cfg, input.startDate, 'startDate', now);
};

export const validateAddPlanAction: Validator<AddPlanActionInput> = (s, cfg, input, now) => {
  if (!s.cpPlan && !s.cinPlan) refuse('InvalidState', 'There is no open plan on this episode to add an action to; the plan comes first.');
  actionProblems(planActionProblems(input, { today: todayIn(cfg, now) }));
};

export const validateUpdatePlanAction: Validator<UpdatePlanActionInput> = (s, cfg, input, now) => {
  const action = s.actions.find((a) => a.id === input.actionId);
  if (!action) refuse('InvalidState', `There is no open action ${input.actionId} on this child's plans (completed, cancelled or ended actions do not change).`);
  const merged = mergeAction(action, input);
  const changed = (['description', 'responsibleAgency', 'responsiblePerson', 'dueDate', 'intendedOutcome'] as const).some((field) => merged[field] !== action[field]);
  if (!changed && (input.status ?? 'OPEN') === 'OPEN') problem('Nothing to change: give the fields to change, or a status.');
  const movedDue = merged.dueDate !== action.dueDate;
  // An overdue action keeps its date unless it is moved, so only a moved date must be from today on.
  actionProblems(planActionProblems(merged, { today: movedDue ? todayIn(cfg, now) : '0000-01-01' }));
  if ((movedDue || input.status === 'CANCELLED') && !input.note?.trim()) {
    problem(`note: say why the action is ${input.status === 'CANCELLED' ? 'cancelled' : `moved from ${action.dueDate}`}; it is shown at the next review.`);
  }
};

export const validateReview: Validator<RecordReviewInput> = (s, cfg, input, now) => {
  const plan = input.kind === 'CIN_REVIEW' ? s.cinPlan : s.cpPlan;
  if (!plan) {
    refuse('InvalidState', input.kind === 'CIN_REVIEW' ? 'There is no open child in need plan to review.' : `A ${input.kind === 'CORE_GROUP' ? 'core group' : 'review conference'} is held on a child protection plan, and none is open.`);
  }
  const heldOn = dateInEpisode(s, cfg, input.heldOn, 'heldOn', now);
  if (heldOn !== null && heldOn < plan.startDate) problem(`heldOn: ${heldOn} is before the plan started (${plan.startDate}).`);
  text(input.summary, 'summary', 10);
};

/**
 * A visit to the child, on any open episode: dated within the episode (not before the referral, not in the future),
 * with who visited and a note; seen alone only if seen.
 */
export const validateRecordVisit: Validator<RecordVisitInput> = (s, cfg, input, now) => {
  dateInEpisode(s, cfg, input.visitedOn, 'visitedOn', now);
  text(input.visitor, 'visitor', 2);
  if (input.seenAlone && !input.childSeen) problem('seenAlone: a child who was not seen cannot have been seen alone; set childSeen to true, or seenAlone to false.');
  text(input.note, 'note', 10);
};

export const validateStepDown: Validator<StepDownInput> = (s, cfg, input, now) => {
  if (unresolvedSection47(s)) refuse('InvalidState', 'A section 47 enquiry is unresolved: complete and authorise it (and hold the conference it recommends) before stepping down.');
  if (input.to === 'CIN' && !s.cpPlan) refuse('InvalidState', 'Stepping down to child in need ends a child protection plan, and none is open.');
  if (input.to === 'EARLY_HELP' && s.level !== 'CP' && s.level !== 'CIN') refuse('InvalidState', `Stepping down to early help ends a CP or CIN plan; this child has ${s.level === 'EARLY_HELP' ? 'already stepped down to early help' : 'no plan'}.`);
  if (!isManager(input.actor)) refuse('Forbidden', 'Stepping down is a manager\'s decision (the manager role) (for a CP plan, from a review conference): ask a manager to record it.');
  text(input.reason, 'reason', 10);
  const earlyHelp = input.earlyHelp ?? null;
  if (input.to === 'EARLY_HELP') {
    if (earlyHelp === null) {
      problem('earlyHelp: a step-down to early help starts an early help episode: give the organisation that will assess and work with the family (earlyHelp.organisation) and, if not today, when it started (earlyHelp.startDate).');
    } else {
      text(earlyHelp.organisation, 'earlyHelp.organisation', 2);
      if (earlyHelp.startDate !== null) dateInEpisode(s, cfg, earlyHelp.startDate, 'earlyHelp.startDate', now);
    }
  } else if (earlyHelp !== null) {
    problem('earlyHelp: is given only with a step-down to EARLY_HELP; leave it out.');
  }
};

/** The open early help episode, or an InvalidState refusal saying why there is none. */
function openEarlyHelp(s: EpisodeState): NonNullable<EpisodeState['earlyHelp']> {
  if (!s.earlyHelp) {
    refuse('InvalidState', s.level === 'EARLY_HELP'
      ? 'The early help episode on this case has ended (its outcome is recorded); a new one starts with a step down to early help from a CIN or CP plan.'
      : 'There is no open early help episode on this case: early help starts with a manager\'s step down (stepDown to EARLY_HELP) from a CIN or CP plan.');
  }
  return s.earlyHelp;
}

export const validateRecordEarlyHelpAssessment: Validator<RecordEarlyHelpAssessmentInput> = (s, cfg, input, now) => {
  const earlyHelp = openEarlyHelp(s);
  if (earlyHelp.assessedOn !== null) refuse('InvalidState', `The early help assessment is already recorded as completed on ${earlyHelp.assessedOn}; it is recorded once.`);
  const completedOn = dateInEpisode(s, cfg, input.completedOn, 'completedOn', now);
  if (completedOn !== null && completedOn < earlyHelp.startedOn) problem(`completedOn: ${completedOn} is before early help started (${earlyHelp.startedOn}).`);
};

export const validateEndEarlyHelp: Validator<EndEarlyHelpInput> = (s, cfg, input, now) => {
  const earlyHelp = openEarlyHelp(s);
  const endedOn = dateInEpisode(s, cfg, input.endedOn, 'endedOn', now);
  if (endedOn !== null && endedOn < earlyHelp.startedOn) problem(`endedOn: ${endedOn} is before early help started (${earlyHelp.startedOn}).`);
  else if (endedOn !== null && earlyHelp.assessedOn !== null && endedOn < earlyHelp.assessedOn) problem(`endedOn: ${endedOn} is before the early help assessment was completed (${earlyHelp.assessedOn}).`);
  if (input.outcome === 'STEPPED_UP') {
    problem('outcome: a step up to social care is recorded with stepUp, which ends early help with STEPPED_UP itself; use NEEDS_MET, DISENGAGED, MOVED_AWAY, TRANSFERRED or OTHER here.');
  }
  if (input.outcome === 'OTHER') text(input.note, 'note', 10);
};

export const validateStepUp: Validator<StepUpInput> = (s, _cfg, input) => {
  notConcludedNfa(s);
  if (input.to === 'CIN') {
    if (s.cpPlan || s.cinPlan) refuse('InvalidState', `This child already has a ${s.cpPlan ? 'child protection' : 'child in need'} plan.`);
    assessedForPlan(s);
  } else if (s.cpPlan) {
    refuse('InvalidState', 'This child already has a child protection plan.');
  }
  text(input.reason, 'reason', 10);
};

export const validateClose: Validator<CloseCaseInput> = (s, _cfg, input) => {
  if (!isManager(input.actor)) refuse('Forbidden', 'Closing a child\'s episode is a manager\'s decision (the manager role): ask a manager to close it.');
  if (unresolvedSection47(s)) {
    refuse('InvalidState', `A section 47 enquiry is unresolved (${s.s47!.status === 'COMPLETED' ? 'its conference has not been held' : s.s47!.status === 'OPEN' ? 'no outcome recorded' : 'awaiting a manager\'s authorisation'}): complete and authorise it, and hold the conference it recommends, before closing the episode.`);
  }
  if (s.clocks[SECTION_47_START_CLOCK]) {
    refuse('InvalidState', 'A strategy discussion decided on a section 47 enquiry that has not been started: start it (startSection47), or hold a further strategy discussion that decides otherwise, before closing the episode.');
  }
  if (s.assessment?.status === 'OPEN') {
    refuse('InvalidState', `The assessment started ${s.assessment.startedAt.slice(0, 10)} is still open: complete it (factors and a manager's authorisation) before closing the episode.`);
  }
  if (s.protection.police || s.protection.epo) {
    refuse('InvalidState', `${s.protection.epo ? 'An emergency protection order' : 'Police protection'} is recorded as in force: record how it ended (endProtection) before closing the episode.`);
  }
  if (s.earlyHelp) {
    refuse('InvalidState', `Early help with ${s.earlyHelp.organisation} (since ${s.earlyHelp.startedOn}) is open: record how it ended (endEarlyHelp, with its outcome) before closing the episode, so the early help outcome is reported.`);
  }
  const closure = closureReasonProblem(input.reason, { assessmentCompleted: s.assessmentsCompleted > 0, referralNfa: s.nfa });
  if (closure) problem(closure);
  text(input.note, 'note', 10);
};

export const validatePoliceProtection: Validator<PoliceProtectionInput> = (s, cfg, input, now) => {
  if (s.protection.police) refuse('InvalidState', `Police protection (from ${s.protection.police.startedAt}) is already recorded as in force; record how it ended first.`);
  if (s.protection.epo) refuse('InvalidState', 'An emergency protection order is in force for this child.');
  const at = instant(input.startedAt, 'startedAt');
  notInFuture(at, now, 'startedAt');
  notBeforeReferral(s, cfg, at, 'startedAt');
};

export const validateEmergencyProtectionOrder: Validator<EmergencyProtectionOrderInput> = (s, cfg, input, now) => {
  if (s.protection.epo) refuse('InvalidState', `An emergency protection order (granted ${s.protection.epo.grantedAt.slice(0, 10)}) is already in force.`);
  if (s.protection.police?.endsAt === '') refuse('InvalidState', 'The police protection is still being recorded; try again in a moment.');
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > 8) problem(`days: an emergency protection order lasts 1 to 8 days (got ${input.days}).`);
  const at = instant(input.grantedAt, 'grantedAt');
  notInFuture(at, now, 'grantedAt');
  notBeforeReferral(s, cfg, at, 'grantedAt');
};

export const validateExtendEmergencyProtectionOrder: Validator<ExtendEmergencyProtectionOrderInput> = (s, _cfg, input) => {
  const epo = s.protection.epo;
  if (!epo || epo.endsAt === '') refuse('InvalidState', 'There is no emergency protection order in force to extend.');
  if (epo.extended) refuse('InvalidState', 'An emergency protection order may be extended once only, and this one has been.');
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > 7) problem(`days: an extension is 1 to 7 days (got ${input.days}).`);
  text(input.reason, 'reason', 10);
};

export const validateEndProtection: Validator<EndProtectionInput> = (s, cfg, input, now) => {
  const order = input.kind === 'POLICE_PROTECTION' ? s.protection.police : s.protection.epo;
  if (!order || order.endsAt === '') refuse('InvalidState', `There is no ${input.kind === 'POLICE_PROTECTION' ? 'police protection' : 'emergency protection order'} in force on this episode.`);
  const at = instant(input.endedAt, 'endedAt');
  notInFuture(at, now, 'endedAt');
  const start = 'startedAt' in order ? order.startedAt : order.grantedAt;
  if (at !== null && at < Date.parse(start)) problem(`endedAt: is before it started (${start}).`);
  else notBeforeReferral(s, cfg, at, 'endedAt');
  text(input.outcome, 'outcome', 5);
};

// ---- shared checks (also used by the steps) ----

/** The agencies this child's strategy discussions need: the borough's set, and midwifery for an unborn child. */
export function requiredAgencies(s: EpisodeState, cfg: EpisodeSettings): Agency[] {
  return s.prebirth && !cfg.requiredAgencies.includes('MIDWIFERY') ? [...cfg.requiredAgencies, 'MIDWIFERY'] : cfg.requiredAgencies;
}

export function missingAgencies(s: EpisodeState, cfg: EpisodeSettings, attendees: readonly DiscussionAttendee[]): Agency[] {
  return requiredAgencies(s, cfg).filter((agency) => !attendees.some((a) => a.agency === agency));
}

export function socialCareManagerPresent(attendees: readonly DiscussionAttendee[]): boolean {
  return attendees.some((a) => a.agency === 'CHILDRENS_SOCIAL_CARE' && a.manager);
}

/** An s47 not yet resolved: open, awaiting authorisation, or recommending a conference not yet held. */
export function unresolvedSection47(s: EpisodeState): boolean {
  return s.s47 !== null && (s.s47.status !== 'COMPLETED' || (s.s47.recommendation === 'CONVENE_ICPC' && !s.s47.conferenceHeld));
}

/** The held strategy discussion an s47 starts from: the one named, or the latest that decided on one and has not started it. */
export function discussionForSection47(s: EpisodeState, id: string | null): EpisodeState['strategy']['held'][number] {
  const candidates = s.strategy.held.filter((d) => d.outcome === 'SECTION_47' && !d.section47Started);
  const chosen = id === null ? candidates.at(-1) : s.strategy.held.find((d) => d.id === id);
  if (!chosen) {
    refuse('InvalidState', id === null
      ? 'No strategy discussion has decided on a section 47 enquiry (or each that did has started one): an s47 starts only from a strategy discussion with outcome SECTION_47.'
      : `There is no strategy discussion ${id} on this episode.`);
  }
  if (chosen.outcome !== 'SECTION_47') refuse('InvalidState', `The strategy discussion of ${chosen.heldAt.slice(0, 10)} decided ${chosen.outcome}, not a section 47 enquiry.`);
  if (chosen.section47Started) refuse('InvalidState', `The strategy discussion of ${chosen.heldAt.slice(0, 10)} has already started its section 47 enquiry.`);
  return chosen;
}

export function mergeAction(action: OpenAction, input: UpdatePlanActionInput): OpenAction {
  return {
    ...action,
    description: input.description ?? action.description,
    responsibleAgency: input.responsibleAgency ?? action.responsibleAgency,
    responsiblePerson: input.responsiblePerson ?? action.responsiblePerson,
    dueDate: input.dueDate ?? action.dueDate,
    intendedOutcome: input.intendedOutcome ?? action.intendedOutcome,
  };
}

export function isManager(actor: Actor): boolean {
  return actor.roles.includes('manager');
}

const calendars = new WeakMap<EpisodeSettings, WorkingCalendar>();
/** The borough's working calendar, from the settings this run read. */
export function calendarOf(cfg: EpisodeSettings): WorkingCalendar {
  let calendar = calendars.get(cfg);
  if (!calendar) {
    calendar = { timeZone: cfg.calendar.timeZone, officeHours: cfg.calendar.officeHours, bankHolidays: new Set(cfg.calendar.holidays), workingDayCounting: 'NEXT_WORKING_DAY_IS_DAY_1' };
    calendars.set(cfg, calendar);
  }
  return calendar;
}

/** Today's local date in the borough, by the workflow's clock. */
export function todayIn(cfg: EpisodeSettings, now: number): string {
  return localDateOf(new Date(now), calendarOf(cfg));
}

// ---- small checks ----

const HOUR = 3_600_000;
const FUTURE_TOLERANCE = 5 * 60_000;

function notConcludedNfa(s: EpisodeState): void {
  if (s.nfa) {
    refuse('InvalidState', 'The latest strategy discussion on this referral decided no further action, so no assessment, s47 or plan may start. A strategy discussion that decides otherwise must come first; or close the episode.');
  }
}

function assessedForPlan(s: EpisodeState): void {
  if (s.assessmentsCompleted === 0 && s.s47?.status !== 'COMPLETED') {
    refuse('InvalidState', 'A child in need plan follows an assessment: complete the assessment (or a section 47 enquiry) first.');
  }
}

function text(value: string | null | undefined, field: string, min: number): void {
  if ((value ?? '').trim().length < min) problem(`${field}: must say something (at least ${min} characters).`);
}

/** The instant, or null (a problem noted) when it is not one: later checks on it are then skipped. */
function instant(value: string, field: string): number | null {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    problem(`${field}: must be an ISO 8601 instant with an offset, e.g. "2026-11-26T09:30:00Z".`);
    return null;
  }
  return ms;
}

function localDate(value: string, field: string): string | null {
  if (!isCalendarDate(value)) {
    problem(`${field}: must be a real date "YYYY-MM-DD" (got "${value}").`);
    return null;
  }
  return value;
}

function notInFuture(ms: number | null, now: number, field: string): void {
  if (ms !== null && ms > now + FUTURE_TOLERANCE) problem(`${field}: is in the future; record it once it has happened.`);
}

function notBeforeReferral(s: EpisodeState, cfg: EpisodeSettings, ms: number | null, field: string): void {
  if (ms === null) return;
  const date = localDateOf(new Date(ms), calendarOf(cfg));
  if (date < s.referralDate) problem(`${field}: ${date} is before this child's referral (${s.referralDate}); nothing in an episode is dated before its referral.`);
}

/** A local date within the episode: not before the referral, not in the future (or null, a problem noted). */
function dateInEpisode(s: EpisodeState, cfg: EpisodeSettings, value: string, field: string, now: number): string | null {
  const date = localDate(value, field);
  if (date === null) return null;
  if (date < s.referralDate) problem(`${field}: ${date} is before this child's referral (${s.referralDate}); nothing in an episode is dated before its referral.`);
  else if (date > todayIn(cfg, now)) problem(`${field}: ${date} is in the future.`);
  else return date;
  return null;
}

function unknownAgencies(agencies: readonly string[], field: string): void {
  const unknown = agencies.filter((a) => !isAgency(a));
  if (unknown.length > 0) problem(`${field}: ${list(unknown)} ${unknown.length === 1 ? 'is not an agency' : 'are not agencies'}; use ${AGENCIES.join(', ')}.`);
}

function actionProblems(problems: ActionProblem[], prefix = '', rename: Partial<Record<ActionProblem['field'], string>> = {}): void {
  for (const p of problems) problem(`${prefix}${rename[p.field] ?? p.field}: ${p.message}`);
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

import type { PlanActionDraft } from '../../rules/plan-actions';
import type { Agency, EscalationStage, IcpcAnchor, LevelOfNeed, RagRating } from '../../rules/vocabulary';
import type { Actor } from '../contact';
import type { ReferralPathway } from '../referral';

/** Where a child's services stand: none yet (referral, assessment), early help, child in need, child protection. */
export const SERVICE_LEVELS = ['NONE', 'EARLY_HELP', 'CIN', 'CP'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** The stage an episode shows in queues: the most pressing thing open on it. */
export const EPISODE_STAGES = [
  'REFERRAL', 'STRATEGY_DISCUSSION', 'SECTION_47', 'AWAITING_ICPC', 'ASSESSMENT', 'ASSESSMENT_COMPLETED', 'CP_PLAN', 'CIN_PLAN', 'EARLY_HELP', 'NO_FURTHER_ACTION',
  'CLOSED',
] as const;
export type EpisodeStage = (typeof EPISODE_STAGES)[number];

/**
 * The clock that runs from a strategy discussion deciding on a section 47 enquiry until one is started (no open s47
 * then): while it runs the episode shows stage SECTION_47 and cannot be closed.
 */
export const SECTION_47_START_CLOCK = 'SECTION_47_START';

export const DISCUSSION_OUTCOMES = ['SECTION_47', 'S17_ASSESSMENT', 'NO_FURTHER_ACTION'] as const;
export type DiscussionOutcome = (typeof DISCUSSION_OUTCOMES)[number];

export const SECTION47_RECOMMENDATIONS = ['CONVENE_ICPC', 'CHILD_IN_NEED', 'NO_FURTHER_ACTION'] as const;
export type Section47Recommendation = (typeof SECTION47_RECOMMENDATIONS)[number];

export const CONFERENCE_OUTCOMES = ['CP_PLAN', 'NO_CP_PLAN'] as const;
export type ConferenceOutcome = (typeof CONFERENCE_OUTCOMES)[number];

export const PLAN_KINDS = ['CIN', 'CP'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

export const REVIEW_KINDS = ['CORE_GROUP', 'REVIEW_CONFERENCE', 'CIN_REVIEW'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

export const ACTION_STATUSES = ['OPEN', 'COMPLETED', 'CANCELLED'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const PROTECTION_KINDS = ['POLICE_PROTECTION', 'EMERGENCY_PROTECTION_ORDER'] as const;
export type ProtectionKind = (typeof PROTECTION_KINDS)[number];

/** How an early help episode ended (STEPPED_UP only by a step up, which ends it itself). */
export const EARLY_HELP_OUTCOMES = ['NEEDS_MET', 'STEPPED_UP', 'DISENGAGED', 'MOVED_AWAY', 'TRANSFERRED', 'OTHER'] as const;
export type EarlyHelpOutcome = (typeof EARLY_HELP_OUTCOMES)[number];

/** Every human step names the episode (its case id) it is meant for, and who is taking it. */
interface Step {
  actor: Actor;
  caseId: string;
}

export interface ScheduleStrategyDiscussionInput extends Step {
  /** ISO instant the discussion is arranged for. */
  scheduledFor: string;
  /** Must include every agency the borough requires. */
  invitedAgencies: Agency[];
  purpose: string;
}

export interface DiscussionAttendee {
  agency: Agency;
  name: string;
  role: string;
  /** A manager of that agency (children's social care must bring one). */
  manager: boolean;
}

/** An action agreed at a strategy discussion: something specific, an owner, and a date. */
export interface DiscussionAction {
  description: string;
  owner: string;
  agency: Agency;
  dueDate: string;
}

export interface RecordStrategyDiscussionInput extends Step {
  /** ISO instant the discussion was held. */
  heldAt: string;
  attendees: DiscussionAttendee[];
  outcome: DiscussionOutcome;
  rationale: string;
  actions: DiscussionAction[];
  /** Required (from a manager) when a required agency or the social care manager was absent. */
  overrideReason: string | null;
}

export interface StartSection47Input extends Step {
  /** The strategy discussion that decided on it; defaults to the latest that did and has not started one. */
  strategyDiscussionId: string | null;
}

export interface Section47OutcomeInput extends Step {
  /** Each enquiry made (who was seen or asked, what was checked). */
  enquiries: string[];
  analysis: string;
  recommendation: Section47Recommendation;
  recommendationDetail: string;
}

export interface AuthoriseSection47Input extends Step {
  /** The manager's view of the enquiry, its analysis and recommendation. */
  managerComment: string;
}

export type StartAssessmentInput = Step;

export interface CompleteAssessmentInput extends Step {
  /** Factors identified, as CIN census codes (e.g. 3B, 16A; 21 for none). */
  factors: string[];
  summary: string;
  /** Required once the assessment is past its due date. */
  overdueReason: string | null;
  /**
   * Whether the child was seen during the assessment (Annex A list 4). Required from issue 10 on; an update in a
   * history from before it has none, and is stored as not recorded (null).
   */
  childSeen: boolean;
}

export interface InitialConferenceInput extends Step {
  /** Local date 'YYYY-MM-DD': a working day in the borough's calendar. */
  heldOn: string;
  outcome: ConferenceOutcome;
  /** Required with a CP plan: NEG, PHY, SAB, EMO or MUL. */
  categoryOfAbuse: string | null;
  note: string | null;
}

export interface CreatePlanInput extends Step {
  kind: PlanKind;
  /** Local date; defaults to today. */
  startDate: string | null;
}

export interface AddPlanActionInput extends Step, PlanActionDraft {}

export interface UpdatePlanActionInput extends Step {
  actionId: string;
  description: string | null;
  responsibleAgency: string | null;
  responsiblePerson: string | null;
  dueDate: string | null;
  intendedOutcome: string | null;
  status: ActionStatus | null;
  /** Required to cancel an action or move its due date. */
  note: string | null;
}

export interface RecordReviewInput extends Step {
  kind: ReviewKind;
  heldOn: string;
  summary: string;
}

/** The early help episode a step-down to early help starts. */
export interface EarlyHelpStart {
  /** The organisation assessing and working with the family (e.g. the family hub). */
  organisation: string;
  /** Local date; defaults to the step's date. */
  startDate: string | null;
}

export interface StepDownInput extends Step {
  to: 'CIN' | 'EARLY_HELP';
  reason: string;
  /** Required with `to: EARLY_HELP` (absent in updates from histories before issue 10). */
  earlyHelp?: EarlyHelpStart | null;
}

export interface RecordEarlyHelpAssessmentInput extends Step {
  /** Local date the early help assessment was completed. */
  completedOn: string;
}

export interface EndEarlyHelpInput extends Step {
  endedOn: string;
  outcome: EarlyHelpOutcome;
  /** Required for OTHER. */
  note: string | null;
}

export interface StepUpInput extends Step {
  to: 'CIN' | 'CP';
  reason: string;
}

/** A visit to the child (a statutory visit when the child has an open CP or CIN plan). */
export interface RecordVisitInput extends Step {
  /** Local date 'YYYY-MM-DD': not before the referral, not in the future. */
  visitedOn: string;
  /** Who visited (name and role). */
  visitor: string;
  childSeen: boolean;
  /** Seen alone (only if seen). */
  seenAlone: boolean;
  note: string;
}

export interface CloseCaseInput extends Step {
  /** CIN reason for closure, RC1–RC9. */
  reason: string;
  note: string;
}

export interface PoliceProtectionInput extends Step {
  /** ISO instant the police took the child into police protection. */
  startedAt: string;
  note: string | null;
}

export interface EmergencyProtectionOrderInput extends Step {
  grantedAt: string;
  /** Length of the order in days: at most 8. */
  days: number;
}

export interface ExtendEmergencyProtectionOrderInput extends Step {
  /** Extension in days: at most 7, once. */
  days: number;
  reason: string;
}

export interface EndProtectionInput extends Step {
  kind: ProtectionKind;
  endedAt: string;
  outcome: string;
}

/** A deadline computed by a step, in the borough's calendar. */
export interface StepDeadline {
  what: EscalationStage;
  dueAt: string;
  dueDate: string;
}

export interface OverdueAction {
  id: string;
  description: string;
  responsibleAgency: string;
  dueDate: string;
}

/** What an accepted step answers with: where the episode now stands, and what the step computed. */
export interface EpisodeStep {
  caseId: string;
  stage: EpisodeStage;
  level: ServiceLevel;
  /** The id of what the step recorded (a discussion, s47, assessment, plan, action, review, order), if any. */
  recordId: string | null;
  deadlines: StepDeadline[];
  /** Required agencies absent from a strategy discussion (each now has a follow-up task). */
  missingAgencies: Agency[];
  /** Open actions past their due date, listed at a review. */
  overdueActions: OverdueAction[];
  /**
   * The number of the last batch of writes the step issued (absent in answers from before it was added): once
   * PostgreSQL has applied it, the records show everything the answer does. Not part of the API's answer.
   */
  writesThrough?: number;
}

/** The borough's settings an episode needs, read once per run (a run therefore uses one consistent version). */
export interface EpisodeSettings {
  requiredAgencies: Agency[];
  icpcAnchor: IcpcAnchor;
  clocks: {
    assessmentWorkingDays: number;
    icpcWorkingDays: number;
    coreGroupWorkingDays: number;
    firstReviewMonths: number;
    subsequentReviewMonths: number;
    cinReviewMonths: number;
    /**
     * Working days between statutory visits to a child on a CP / CIN plan. Absent from settings a run carried over
     * from before they existed: the London procedures' 10 and 20 then apply (see visitWorkingDays).
     */
    cpVisitWorkingDays?: number;
    cinVisitWorkingDays?: number;
  };
  /** The borough's working calendar: time zone, working weekdays, and bank holidays from a year back to five on. */
  calendar: { timeZone: string; officeHours: { days: number[]; start: string; end: string }; holidays: string[] };
}

/** A running deadline: its stage's escalation ladder applies once it passes. */
export interface Clock {
  /** This clock's generation: a restarted clock is a new one, and its predecessor's watcher stops. */
  id: string;
  stage: EscalationStage;
  /** Distinguishes clocks of one stage (e.g. an action id); part of the escalation key. */
  subject: string;
  dueAt: string;
  dueDate: string;
  title: string;
}

export interface OpenAction extends PlanActionDraft {
  id: string;
  planId: string;
  intendedOutcome: string;
}

/** An episode's working state: small, and carried whole across continue-as-new. */
export interface EpisodeState {
  caseId: string;
  borough: string;
  childId: string;
  /** The contact whose referral opened the episode. */
  contactId: string;
  referralAt: string;
  referralDate: string;
  pathway: ReferralPathway;
  levelOfNeed: LevelOfNeed;
  rag: RagRating;
  reReferral: boolean;
  /** An unborn child: midwifery joins the required strategy discussion agencies. */
  prebirth: boolean;
  /** Every contact whose referral has opened or joined this episode (a repeat is ignored). */
  contactIds: string[];
  level: ServiceLevel;
  /** Concluded with no further action at a strategy discussion before any service started. */
  nfa: boolean;
  /** An assessment, s47 or plan has started, so the referral can no longer be NFA. */
  servicesStarted: boolean;
  /** The first assessment is due 45 working days (the borough's setting) from the referral. */
  assessmentDue: { dueAt: string; dueDate: string };
  strategy: {
    /** Why a strategy discussion is needed now (its clock is `clocks.STRATEGY_DISCUSSION`). */
    required: string | null;
    scheduled: { id: string; scheduledFor: string; invited: Agency[] } | null;
    held: { id: string; heldAt: string; outcome: DiscussionOutcome; section47Started: boolean }[];
    /** Agencies whose input is still to be got after an incomplete discussion. */
    followUps: { discussionId: string; agency: Agency }[];
  };
  s47: {
    id: string;
    discussionId: string;
    /** The strategy discussion the ICPC clock runs from (the first, or the last, per the borough). */
    anchor: { id: string; heldAt: string };
    startedAt: string;
    icpcDue: { dueAt: string; dueDate: string } | null;
    status: 'OPEN' | 'AWAITING_AUTHORISATION' | 'COMPLETED';
    recommendation: Section47Recommendation | null;
    conferenceHeld: boolean;
  } | null;
  assessment: { id: string; startedAt: string; dueAt: string; dueDate: string; status: 'OPEN' | 'COMPLETED' } | null;
  assessmentsCompleted: number;
  cinPlan: { id: string; startDate: string } | null;
  cpPlan: { id: string; startDate: string; icpcDate: string } | null;
  /** Open actions of the open plans. */
  actions: OpenAction[];
  protection: {
    police: { id: string; startedAt: string; endsAt: string } | null;
    epo: { id: string; grantedAt: string; endsAt: string; extended: boolean } | null;
  };
  clocks: Record<string, Clock>;
  /** The open early help episode (absent in state carried from before issue 10: none open). */
  earlyHelp?: { id: string; startedOn: string; organisation: string; assessedOn: string | null } | null;
  closed: { at: string; reason: string } | null;
  /** How many batches of writes the episode has sent (each carries its number; PostgreSQL applies them in order). */
  writes: number;
}

// Every GraphQL operation the console sends, with the TypeScript shape of its answer, written by hand against the
// printed schema (api/schema.graphql). tests/unit/console-operations.test.ts validates each one against that schema,
// so a change to the API that breaks the console fails a test (see README "Console": why not code generation).

export type Rag = 'RED' | 'AMBER' | 'GREEN';
export type Pathway = 'EARLY_HELP' | 'IMMEDIATE_PROTECTION' | 'INFORMATION_AND_ADVICE' | 'MASH_ENQUIRY' | 'NO_FURTHER_ACTION' | 'S17_ASSESSMENT' | 'STRATEGY_DISCUSSION' | 'UNIVERSAL_SERVICES';
export const PATHWAYS: readonly Pathway[] = ['IMMEDIATE_PROTECTION', 'STRATEGY_DISCUSSION', 'S17_ASSESSMENT', 'MASH_ENQUIRY', 'EARLY_HELP', 'UNIVERSAL_SERVICES', 'INFORMATION_AND_ADVICE', 'NO_FURTHER_ACTION'];
export const RAGS: readonly Rag[] = ['RED', 'AMBER', 'GREEN'];

export interface Me { userId: string; roles: string[]; boroughs: string[] }
export const ME = `query Me { me { userId roles boroughs } }`;

export interface Escalation { id: string; caseId: string; stage: string; subject: string; rung: number; notify: string; reason: string; raisedBy: string; escalatedAt: string; dueAt: string }
const ESCALATION = `id caseId stage subject rung notify reason raisedBy escalatedAt dueAt`;

export interface QueueCase {
  id: string; contactId: string; kind: 'CONTACT' | 'EPISODE'; reference: string; borough: string; stage: string; rag: Rag | null; urgent: boolean; overdue: boolean;
  outOfHours: boolean; nextDueAt: string | null; openedAt: string; team: string | null; worker: string | null; escalations: { id: string; escalatedAt: string }[];
}
const QUEUE_CASE = `id contactId kind reference borough stage rag urgent overdue outOfHours nextDueAt openedAt team worker escalations { id escalatedAt }`;
export const WORK_QUEUE = `query WorkQueue($borough: String!) { workQueue(borough: $borough) { ${QUEUE_CASE} } }`;
export const OUT_OF_HOURS_QUEUE = `query OutOfHoursQueue { outOfHoursQueue { ${QUEUE_CASE} } }`;
export const ESCALATIONS = `subscription Escalations($borough: String!) { escalations(borough: $borough) { ${ESCALATION} } }`;
export const ESCALATE_CONTACT = `mutation EscalateContact($contactId: ID!, $reason: String!) { escalateContact(contactId: $contactId, reason: $reason) { contactId urgent status } }`;

export interface Task { id: string; kind: string; title: string; status: string; dueAt: string | null; dueDate: string | null; overdue: boolean }
export interface TimelineEvent { id: string; kind: string; at: string; actor: string; detail: unknown }
export interface Child { number: number; firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }
export interface FamilyHistory {
  asOf: string; windowStart: string; previousContactsWithin12Months: number | null; reReferral: boolean;
  earlierContacts: { id: string; reference: string; receivedAt: string; status: string; outcome: Pathway | null; withinTwelveMonths: boolean; recommendation: { pathway: Pathway; rag: Rag; levelOfNeed: number } | null; decision: { pathway: Pathway; rag: Rag | null; overridden: boolean; decidedBy: string } | null }[];
  episodes: { id: string; reference: string; referralDate: string; stage: string; closedAt: string | null; closureReason: string | null }[] | null;
  plans: { id: string; kind: string; startDate: string; endDate: string | null; episodeReference: string }[] | null;
}
const FAMILY_HISTORY = `familyHistory {
  asOf windowStart previousContactsWithin12Months reReferral
  earlierContacts { id reference receivedAt status outcome withinTwelveMonths recommendation { pathway rag levelOfNeed } decision { pathway rag overridden decidedBy } }
  episodes { id reference referralDate stage closedAt closureReason }
  plans { id kind startDate endDate episodeReference }
}`;

export interface CaseDetail extends QueueCase {
  closedAt: string | null; reReferral: boolean; child: Child | null; children: Child[];
  openTasks: Task[]; timeline: TimelineEvent[]; escalations: (Escalation & { escalatedAt: string })[]; familyHistory: FamilyHistory | null;
}
export const CASE = `query Case($id: ID!) { case(id: $id) {
  ${QUEUE_CASE} closedAt reReferral
  child { number firstName lastName dateOfBirth expectedDateOfBirth }
  children { number firstName lastName dateOfBirth expectedDateOfBirth }
  openTasks { id kind title status dueAt dueDate overdue }
  timeline { id kind at actor detail }
  escalations { ${ESCALATION} }
  ${FAMILY_HISTORY}
} }`;

export interface Recommendation { pathway: Pathway; rag: Rag; levelOfNeed: number; summary: string; decidingRuleId: string; rulesetVersion: number; rules: { id: string; name: string; fired: boolean; priority: number }[] }
export interface ContactDetail {
  id: string; reference: string; borough: string; status: string; consent: string; channel: string; receivedAt: string; summary: string; indicators: string[];
  referrer: { type: string; name: string | null; organisation: string | null };
  recommendation: Recommendation | null;
  screening: { dueAt: string; outOfHours: boolean } | null;
}
export const CONTACT = `query Contact($id: ID!) { contact(id: $id) {
  id reference borough status consent channel receivedAt summary indicators
  referrer { type name organisation }
  recommendation { pathway rag levelOfNeed summary decidingRuleId rulesetVersion rules { id name fired priority } }
  screening { dueAt outOfHours }
} }`;

export interface ContactStep { contactId: string; status: string; consent: string; urgent: boolean; outcome: Pathway | null; mashDueAt: string | null }
const STEP = `contactId status consent urgent outcome mashDueAt`;
export const RECORD_SCREENING_DECISION = `mutation RecordScreeningDecision($contactId: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $contactId, input: $input) { ${STEP} } }`;
export const RECORD_CONSENT = `mutation RecordConsent($contactId: ID!, $status: ConsentChange!, $reason: ConsentDispensingReason, $note: String!) { recordConsent(contactId: $contactId, status: $status, reason: $reason, note: $note) { ${STEP} } }`;
export const CASE_EVENTS = `subscription CaseEvents($caseId: ID!) { caseEvents(caseId: $caseId) { id kind at actor } }`;

export interface Episode { id: string; reference: string; stage: string; level: string; pathway: string; primaryNeed: string; rag: Rag; referralDate: string; assessmentDueDate: string | null }
export const EPISODE = `query Episode($caseId: ID!) { episode(caseId: $caseId) { id reference stage level pathway primaryNeed rag referralDate assessmentDueDate } }`;

export interface BoroughConfig {
  code: string; name: string; timeZone: string; caseloadLimit: number; outOfHoursService: string; outOfHoursEscalationContact: string; bankHolidays: string; notes: string[];
  officeHours: { days: number[]; start: string; end: string };
  workingDayCounting: string;
  strategyDiscussionAgencies: string[];
  clocks: { screeningWorkingDays: number; assessmentWorkingDays: number; icpcWorkingDays: number; icpcAnchor: string; coreGroupWorkingDays: number; cpVisitWorkingDays: number; cinVisitWorkingDays: number; firstReviewMonths: number; subsequentReviewMonths: number; cinReviewMonths: number; mash: { rag: Rag; clock: { hours: number; counting: string } }[] };
  escalation: { stage: string; counting: string; rungs: { afterHours: number; notify: string }[] }[];
  teams: { id: string; name: string; kind: string }[];
  settingsVersions: { version: number; effectiveFrom: string; author: string; reason: string }[];
}
export const BOROUGH_CONFIG = `query BoroughConfig($borough: String!) { boroughConfig(borough: $borough) {
  code name timeZone caseloadLimit outOfHoursService outOfHoursEscalationContact bankHolidays notes workingDayCounting strategyDiscussionAgencies
  officeHours { days start end }
  clocks { screeningWorkingDays assessmentWorkingDays icpcWorkingDays icpcAnchor coreGroupWorkingDays cpVisitWorkingDays cinVisitWorkingDays firstReviewMonths subsequentReviewMonths cinReviewMonths mash { rag clock { hours counting } } }
  escalation { stage counting rungs { afterHours notify } }
  teams { id name kind }
  settingsVersions { version effectiveFrom author reason }
} }`;

/** Every operation above, for the unit test that validates them against the printed schema. */
export const OPERATIONS = { ME, WORK_QUEUE, OUT_OF_HOURS_QUEUE, ESCALATIONS, ESCALATE_CONTACT, CASE, CONTACT, RECORD_SCREENING_DECISION, RECORD_CONSENT, CASE_EVENTS, EPISODE, BOROUGH_CONFIG };

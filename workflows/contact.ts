import { condition, defineQuery, defineUpdate, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isPrimaryNeed, PRIMARY_NEED_CODES, type CharacteristicsInput } from '../rules/cin-codes';
import { referrerFeedback } from '../rules/feedback';
import {
  REFERRER_TYPES,
  type Agency,
  type ConcernIndicator,
  type ConsentState,
  type ConsentStatus,
  type ContactChannel,
  type ContactStatus,
  type LevelOfNeed,
  type Pathway,
  type RagRating,
  type ReferrerType,
} from '../rules/vocabulary';
import { REFERRAL_PATHWAYS, type ReferralPathway } from './referral';
import { msUntil, untilDoneOrEscalate } from './shared/clock';
import { forbid, invalidState, problem, validating } from './shared/refusal';

/** A contact as the front door received it: everything the workflow needs even while PostgreSQL is down. */
export interface ReceivedContact {
  contactId: string;
  reference: string;
  borough: string;
  idempotencyKey: string | null;
  /** ISO instant the contact reached the front door (given by the caller, or when the API accepted it). */
  receivedAt: string;
  /** The user id of whoever recorded it. */
  receivedBy: string;
  channel: ContactChannel;
  referrer: { type: ReferrerType; name: string | null; organisation: string | null; contactDetails: string | null };
  children: {
    firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null;
    /** Census characteristics the contact gives (issue 10); absent on contacts received before, and when none given. */
    characteristics?: CharacteristicsInput;
  }[];
  indicators: ConcernIndicator[];
  summary: string;
  consent: ConsentStatus;
  /**
   * A threshold ruleset version to evaluate at, or null (the API's choice) for the version in force when the contact
   * was received, resolved by the activity from PostgreSQL so that receipt never depends on the database.
   */
  rulesetVersion: number | null;
}

export interface ContactWorkflowInput {
  contact: ReceivedContact;
}

/** Who is taking a step, as the API verified them. */
export interface Actor {
  userId: string;
  roles: readonly string[];
}

export type { ConsentState };
export const CONSENT_DISPENSING_REASONS = ['RISK_OF_SIGNIFICANT_HARM', 'UNREASONABLE_DELAY', 'LOSS_OF_EVIDENCE'] as const;
export type ConsentDispensingReason = (typeof CONSENT_DISPENSING_REASONS)[number];

export interface ScreeningDecisionInput {
  actor: Actor;
  pathway: Pathway;
  levelOfNeed: LevelOfNeed;
  rag: RagRating;
  rationale: string;
  /** Required when the decision differs from the rules' recommendation (pathway, level or RAG). */
  overrideReason: string | null;
  /** DfE PrimaryNeedCode (N0–N9); required for a referral (census rule 8610). */
  primaryNeed: string | null;
}

export interface ConsentInput {
  actor: Actor;
  status: Exclude<ConsentState, 'NOT_SOUGHT'>;
  /** Required to dispense with consent: one of the lawful reasons. */
  reason: ConsentDispensingReason | null;
  note: string;
}

export interface AgencyRequestInput {
  actor: Actor;
  agency: Agency;
  purpose: string;
}

export interface AgencyResponseInput {
  actor: Actor;
  agency: Agency;
  summary: string;
  /** Who at the agency shared the information. */
  sharedBy: string;
}

export interface MashDecisionInput {
  actor: Actor;
  pathway: Pathway;
  rationale: string;
  /** Required while any agency has not responded: why deciding on partial information is right. */
  partialInformationReason: string | null;
  primaryNeed: string | null;
}

export interface EscalateInput {
  actor: Actor;
  reason: string;
}

/** One contact's live state, for the case page while the read model catches up. */
export interface ContactState {
  status: ContactStatus;
  recommendation: { levelOfNeed: LevelOfNeed; pathway: Pathway; rag: RagRating; summary: string; decidingRuleId: string } | null;
  screeningDueAt: string | null;
  consent: ConsentState;
  decision: (Omit<ScreeningDecisionInput, 'actor'> & { decidedBy: string; decidedAt: string; overridden: boolean }) | null;
  mash: {
    rag: RagRating;
    dueAt: string | null;
    requests: { agency: Agency; status: 'REQUESTED' | 'RESPONDED' | 'WITHDRAWN'; requestedAt: string }[];
    decision: { pathway: Pathway; rationale: string; decidedBy: string; decidedAt: string } | null;
  } | null;
  urgent: boolean;
  outcome: Pathway | null;
  /** How many consent changes have been accepted (the n-th is stored with sequence n). */
  consentChanges: number;
}

export const contactStateQuery = defineQuery<ContactState>('contactState');
/** A named person's screening decision: accepts or overrides the recommendation (an override needs a reason). */
export const recordScreeningDecision = defineUpdate<ContactState, [ScreeningDecisionInput]>('recordScreeningDecision');
/** Consent to multi-agency checks: sought, given, refused, or dispensed with (a manager, with a lawful reason). */
export const recordConsent = defineUpdate<ContactState, [ConsentInput]>('recordConsent');
/** An out-of-hours escalation: jumps the contact ahead and notifies the borough's ladder at once. */
export const escalateContact = defineUpdate<ContactState, [EscalateInput]>('escalateContact');
/** A MASH information request to a partner agency, due with the enquiry's RAG deadline. */
export const requestAgencyInformation = defineUpdate<ContactState, [AgencyRequestInput]>('requestAgencyInformation');
/** A partner agency's response to a MASH request. */
export const recordAgencyResponse = defineUpdate<ContactState, [AgencyResponseInput]>('recordAgencyResponse');
/** The MASH decision, signed off by a manager; on partial information only with a reason. */
export const recordMashDecision = defineUpdate<ContactState, [MashDecisionInput]>('recordMashDecision');

/** The patch under which a step's answer shows what it produced (its MASH deadline, its outcome). */
const STEP_ANSWERS_PATCH = 'step-answers-show-produced-state';

/** Workflow id for a contact: one contact id, one workflow, so a retried request never makes a second case. */
export function contactWorkflowId(contactId: string): string {
  return `contact-${contactId}`;
}

// PostgreSQL may be down for a while: keep retrying (never give up on a received contact), backing off to a minute.
const untilStored = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

const act = proxyActivities<Activities>(untilStored);

/**
 * The patch under which the front door's short PostgreSQL writes, its rule evaluation and its deadline arithmetic run
 * as local activities (issue 11): each is one marker in the history, run within the workflow task that asked for it,
 * instead of an activity task (three events) and a further workflow task (three more). Handing a referral to an
 * episode (a Temporal call, not a database write) stays a normal activity.
 */
export const FRONT_DOOR_LOCAL_PATCH = 'front-door-local-activities';

// The same guarantee as `untilStored`: never give up while PostgreSQL is down, backing off to a minute. A local
// activity retries inside the workflow task for up to `localRetryThreshold`; past that the workflow backs off on a
// timer (one timer per retry in the history), so a long outage holds no workflow task open. Every write is idempotent
// (keyed by the contact id), so an attempt that committed before its worker died is harmless when repeated.
const untilStoredLocally = {
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

const local = proxyLocalActivities<Activities>(untilStoredLocally);

/**
 * A contact at the front door, from receipt to its outcome: stores it; asks the borough's threshold rules (at the
 * pinned version) for a recommendation; sets the screening clock (out of hours: handed over at the next office
 * opening, and due by the close of that handover day, which never extends the clock); waits for a named person's
 * screening decision, escalating up the borough's ladder when it is late;
 * runs a MASH enquiry when decided (RAG clock, agency requests chased and escalated, manager-signed decision); then
 * closes the contact (no further action, advice, universal services, early help) or refers each child on to their
 * episode. Every human step is an update with a validator, so the caller hears at once whether it was accepted.
 */
export async function contactWorkflow({ contact }: ContactWorkflowInput): Promise<void> {
  const { contactId, borough } = contact;
  // Decided once, before any command: contacts started before the patch keep their activity tasks on replay.
  const store = patched(FRONT_DOOR_LOCAL_PATCH) ? local : act;
  const state: ContactState = {
    status: 'RECEIVED', recommendation: null, screeningDueAt: null, consent: contact.consent, decision: null, mash: null, urgent: false, outcome: null, consentChanges: 0,
  };
  const storedRequests = new Set<Agency>();
  // Agency requests and responses accepted but not yet stored; the MASH decision is stored only after them.
  let unstoredAgencyWrites = 0;
  // Set once the MASH decision is stored; the contact is closed or referred on it only after that.
  let mashDecisionStored = false;
  // The MASH enquiry is stored (its deadline may be known, and answered, before that).
  let mashBegun = false;
  const mashStarted = () => condition(() => mashBegun);
  /**
   * A step that decides where the contact goes answers with where it went (added while contacts were running, so
   * histories without it replay unchanged): the outcome, and REFERRED or CLOSED; the main loop then stores it.
   */
  const settle = (pathway: Pathway) => {
    state.outcome = pathway;
    state.status = isReferral(pathway) ? 'REFERRED' : 'CLOSED';
  };
  // Steps persisted in the background of an update; the workflow waits for all of them before it ends.
  const pending = new Set<Promise<unknown>>();
  const inBackground = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const watched = (stage: string, dueAt: string, reason: string, subject?: string) => ({ borough, caseId: contactId, contactId, stage, dueAt, reason, subject });

  setHandler(contactStateQuery, () => state);
  setHandler(recordScreeningDecision, async (input) => {
    const overridden = input.pathway !== state.recommendation!.pathway || input.levelOfNeed !== state.recommendation!.levelOfNeed || input.rag !== state.recommendation!.rag;
    const { actor, ...decided } = input;
    state.decision = { ...decided, decidedBy: actor.userId, decidedAt: new Date().toISOString(), overridden };
    // The caller sees the decision taken at once (the status says so before it is stored).
    state.status = input.pathway === 'MASH_ENQUIRY' ? 'MASH_ENQUIRY' : 'SCREENED';
    // MASH steps may follow at once: they queue until the enquiry's clock is set.
    if (input.pathway === 'MASH_ENQUIRY') state.mash = { rag: input.rag, dueAt: null, requests: [], decision: null };
    // The answer shows what the step produced: the MASH deadline (from the borough calendar in the worker's memory,
    // no database, so a decision is still answered while PostgreSQL is down), or the outcome.
    if (patched(STEP_ANSWERS_PATCH)) {
      if (input.pathway !== 'MASH_ENQUIRY') settle(input.pathway);
      else {
        const due = await store.mashDeadline({ borough, rag: input.rag, from: state.decision.decidedAt });
        if (state.mash && state.mash.dueAt === null) state.mash.dueAt = due.dueAt;
      }
    }
    return state;
  }, { validator: (input: ScreeningDecisionInput) => validating(() => validateScreeningDecision(state, input)) });
  setHandler(recordConsent, (input) => {
    state.consent = input.status;
    const sequence = ++state.consentChanges;
    const change = {
      borough, contactId, sequence, status: input.status, reason: input.reason, note: input.note.trim(), recordedBy: input.actor.userId,
      authorisedBy: input.status === 'DISPENSED_WITH' ? input.actor.userId : null, at: new Date().toISOString(),
    };
    // Refusal on a GREEN enquiry stops the checks already under way, not only new ones: their requests are withdrawn
    // (which ends their chasing), once every request and response accepted before it is stored.
    const outstanding = state.mash?.decision === null ? state.mash.requests.filter((r) => r.status === 'REQUESTED') : [];
    if (input.status === 'REFUSED' && state.mash?.rag === 'GREEN' && outstanding.length > 0 && patched('consent-refusal-stops-checks')) {
      for (const request of outstanding) request.status = 'WITHDRAWN';
      inBackground((async () => {
        await condition(() => unstoredAgencyWrites === 0);
        await store.storeConsent({ ...change, withdrawChecks: true });
      })());
    } else {
      inBackground(store.storeConsent(change));
    }
    return state;
  }, { validator: (input: ConsentInput) => validating(() => validateConsent(state, input)) });
  setHandler(escalateContact, (input) => {
    state.urgent = true;
    inBackground(escalateNow(input));
    return state;
  }, { validator: (input: EscalateInput) => validating(() => {
    if (isFinished(state)) refuse('InvalidState', 'This contact has already been decided and closed or referred; escalate the child\'s case instead.');
    requireText(input.reason, 'reason', 10);
  }) });
  setHandler(requestAgencyInformation, (input) => {
    const requestedAt = new Date().toISOString();
    state.mash!.requests.push({ agency: input.agency, status: 'REQUESTED', requestedAt });
    unstoredAgencyWrites++;
    inBackground(chaseAgency(input, requestedAt));
    return state;
  }, { validator: (input: AgencyRequestInput) => validating(() => validateAgencyRequest(state, input)) });
  setHandler(recordAgencyResponse, (input) => {
    const request = state.mash!.requests.find((r) => r.agency === input.agency)!;
    request.status = 'RESPONDED';
    const response = {
      borough, contactId, agency: input.agency, summary: input.summary.trim(), sharedBy: input.sharedBy.trim(),
      consentBasis: consentBasis(state.consent), recordedBy: input.actor.userId, at: new Date().toISOString(),
    };
    unstoredAgencyWrites++;
    inBackground((async () => {
      await condition(() => storedRequests.has(input.agency));
      await store.storeAgencyResponse(response);
      unstoredAgencyWrites--;
    })());
    return state;
  }, { validator: (input: AgencyResponseInput) => validating(() => {
    if (state.mash === null || state.mash.decision !== null) refuse('InvalidState', 'There is no MASH enquiry open on this contact.');
    const request = state.mash.requests.find((r) => r.agency === input.agency);
    if (!request) refuse('InvalidState', `No information was requested from ${input.agency}; request it first.`);
    if (request.status === 'WITHDRAWN') refuse('InvalidState', `The request to ${input.agency} was withdrawn (consent refused, or the MASH decision made); record what they share on the child's case if it matters.`);
    if (request.status !== 'REQUESTED') refuse('InvalidState', `${input.agency} has already responded.`);
    requireText(input.summary, 'summary', 3);
    requireText(input.sharedBy, 'sharedBy', 2);
  }) });
  setHandler(recordMashDecision, (input) => {
    for (const request of state.mash!.requests) if (request.status === 'REQUESTED') request.status = 'WITHDRAWN';
    state.mash!.decision = { pathway: input.pathway, rationale: input.rationale.trim(), decidedBy: input.actor.userId, decidedAt: new Date().toISOString() };
    const stored = {
      borough, contactId, pathway: input.pathway, rationale: state.mash!.decision.rationale, decidedBy: input.actor.userId, signedOffBy: input.actor.userId,
      partialInformationReason: input.partialInformationReason?.trim() || null, at: state.mash!.decision.decidedAt,
    };
    inBackground((async () => {
      await mashStarted();
      // It withdraws the requests still outstanding, so every request and response accepted before it is stored first
      // (no more can be accepted after it).
      if (patched('mash-decision-after-agency-writes')) await condition(() => unstoredAgencyWrites === 0);
      await store.storeMashDecision(stored);
      mashDecisionStored = true;
    })());
    if (input.primaryNeed) state.decision!.primaryNeed = input.primaryNeed;
    if (patched(STEP_ANSWERS_PATCH)) settle(input.pathway);
    return state;
  }, { validator: (input: MashDecisionInput) => validating(() => validateMashDecision(state, input)) });

  async function escalateNow(input: EscalateInput): Promise<void> {
    const at = new Date().toISOString();
    await store.updateCaseFields({ borough, caseId: contactId, fields: { urgent: true } });
    const stage = state.status === 'MASH_ENQUIRY' ? 'MASH_ENQUIRY' : 'SCREENING';
    const [first] = await store.escalationPlan({ borough, stage, dueAt: at });
    await store.escalate({ borough, caseId: contactId, contactId, stage, subject: `manual:${input.actor.userId}`, rung: 0, notify: first?.notify ?? 'OUT_OF_HOURS_MANAGER', dueAt: at, at, reason: input.reason.trim(), raisedBy: input.actor.userId });
  }

  async function chaseAgency(input: AgencyRequestInput, requestedAt: string): Promise<void> {
    await mashStarted();
    const dueAt = state.mash!.dueAt!;
    await store.storeAgencyRequest({ borough, contactId, agency: input.agency, requestedBy: input.actor.userId, requestedAt, purpose: input.purpose.trim(), consentBasis: consentBasis(state.consent), dueAt });
    storedRequests.add(input.agency);
    unstoredAgencyWrites--;
    const request = () => state.mash!.requests.find((r) => r.agency === input.agency)!;
    await untilDoneOrEscalate(() => request().status !== 'REQUESTED', watched('AGENCY_REQUEST', dueAt, `${input.agency} has not responded to the MASH information request`, input.agency));
  }

  async function handOverAt(clockStartsAt: string): Promise<void> {
    await condition(() => isFinished(state), msUntil(clockStartsAt));
    if (isFinished(state)) return;
    await store.updateCaseFields({ borough, caseId: contactId, fields: { outOfHours: false } });
    await store.recordCaseEvent({ borough, caseId: contactId, contactId, kind: 'HANDED_OVER_TO_DAY_TEAM', at: new Date().toISOString(), actor: 'front-door' });
  }

  // 1. Record, recommend, and start the screening clock.
  await store.recordContact(contact);
  const recommendation = await store.recommendScreening({ contact });
  // Known to the workflow before it is stored, so anyone who can read it can already decide on it.
  state.recommendation = { levelOfNeed: recommendation.levelOfNeed, pathway: recommendation.pathway, rag: recommendation.rag, summary: recommendation.summary, decidingRuleId: recommendation.decidingRuleId };
  await store.saveRecommendation({ contactId, borough, recommendation });
  const screening = await store.scheduleScreening({ contactId, borough, receivedAt: contact.receivedAt });
  // A decision may already have been taken while the clock was being stored.
  if (state.decision === null) state.status = 'AWAITING_SCREENING';
  state.screeningDueAt = screening.dueAt;
  if (screening.outOfHours) inBackground(handOverAt(screening.clockStartsAt));

  // 2. A named person decides; late decisions escalate up the ladder.
  await untilDoneOrEscalate(() => state.decision !== null, {
    ...watched('SCREENING', screening.dueAt, 'No screening decision by the deadline'),
    onOverdue: async () => {
      await store.markScreeningOverdue({ contactId, borough, dueAt: screening.dueAt, at: new Date().toISOString() });
      // A decision may have arrived while that was being stored.
      if (state.decision === null) state.status = 'SCREENING_OVERDUE';
    },
  });
  const decision = state.decision!;
  await store.storeScreeningDecision({
    borough, contactId, pathway: decision.pathway, levelOfNeed: decision.levelOfNeed, rag: decision.rag, rationale: decision.rationale.trim(),
    overridden: decision.overridden, overrideReason: decision.overrideReason?.trim() || null, primaryNeed: decision.primaryNeed, decidedBy: decision.decidedBy,
    decidedAt: decision.decidedAt, recommendedPathway: recommendation.pathway, recommendationRuleId: recommendation.decidingRuleId,
    feedback: referrerFeedback(contact.referrer.type, decision.pathway, decision.rationale.trim()),
  });
  // (Never back: a decision answered as CLOSED or REFERRED stays so.)
  if (decision.pathway !== 'MASH_ENQUIRY' && !isFinished(state)) state.status = 'SCREENED';

  // 3. A MASH enquiry, when decided, ends in its own decision.
  let outcome = decision.pathway;
  if (outcome === 'MASH_ENQUIRY') {
    // The deadline the decision was answered with, when it was (the same computation; stored as answered).
    const mash = await store.beginMashEnquiry({ borough, contactId, rag: decision.rag, from: decision.decidedAt, actor: decision.decidedBy, dueAt: state.mash!.dueAt });
    if (!isFinished(state)) state.status = 'MASH_ENQUIRY';
    state.mash!.dueAt = mash.dueAt;
    mashBegun = true;
    if (decision.rag === 'RED') inBackground(passRedEnquiryOutOfHours(mash.officeCloseAt));
    await untilDoneOrEscalate(() => state.mash!.decision !== null, watched('MASH_ENQUIRY', mash.dueAt, `No MASH decision on this ${decision.rag} enquiry by its deadline`));
    outcome = state.mash!.decision!.pathway;
  }

  // 4. Close at the front door, or refer each child on to their episode: after a MASH enquiry, only once its decision
  //    is on the record, so no timeline shows the closure or referral before the decision that made it.
  if (state.mash?.decision && patched('close-after-mash-decision-stored')) await condition(() => mashDecisionStored);
  state.outcome = outcome;
  const at = new Date().toISOString();
  // Whoever took the decision that closes or refers the contact: the MASH decision's manager after an enquiry, else
  // the screener. (Only an activity's argument: no command changes, so running workflows replay unchanged.)
  const decidedBy = state.mash?.decision?.decidedBy ?? decision.decidedBy;
  if (isReferral(outcome)) {
    await act.referToEpisodes({
      referrals: contact.children.map((child, childPosition) => ({
        borough, contactId, contactReference: contact.reference, childPosition, child, referralAt: at, pathway: outcome,
        levelOfNeed: decision.levelOfNeed, rag: state.mash?.rag ?? decision.rag, decidedBy,
        rationale: state.mash?.decision?.rationale ?? decision.rationale.trim(), referralSourceCode: REFERRER_TYPES[contact.referrer.type], primaryNeed: decision.primaryNeed ?? 'N0',
      })),
    });
    await store.closeContact({ borough, contactId, status: 'REFERRED', outcome, at, actor: decidedBy });
    state.status = 'REFERRED';
  } else {
    await store.closeContact({ borough, contactId, status: 'CLOSED', outcome, at, actor: decidedBy });
    state.status = 'CLOSED';
  }
  await condition(() => pending.size === 0);

  async function passRedEnquiryOutOfHours(officeCloseAt: string): Promise<void> {
    if (await condition(() => state.mash!.decision !== null, msUntil(officeCloseAt))) return;
    await store.updateCaseFields({ borough, caseId: contactId, fields: { outOfHours: true } });
    await store.recordCaseEvent({ borough, caseId: contactId, contactId, kind: 'PASSED_TO_OUT_OF_HOURS_TEAM', at: new Date().toISOString(), actor: 'front-door', detail: { reason: 'RED enquiry still open at the close of office hours' } });
  }
}

function validateScreeningDecision(state: ContactState, input: ScreeningDecisionInput): void {
  // Only the recommendation is needed: the read model may show the screening clock a moment before this workflow has
  // processed it, and a decision that arrives first is simply in time.
  if (state.recommendation === null) refuse('InvalidState', 'The rules have not yet recommended on this contact; try again in a moment.');
  if (state.decision !== null) refuse('InvalidState', `A screening decision was already made by ${state.decision.decidedBy}.`);
  requireText(input.rationale, 'rationale', 10);
  const rec = state.recommendation;
  const overridden = input.pathway !== rec.pathway || input.levelOfNeed !== rec.levelOfNeed || input.rag !== rec.rag;
  if (overridden && !input.overrideReason?.trim()) {
    problem(`overrideReason: the decision differs from the recommendation (${rec.pathway}, level ${rec.levelOfNeed}, ${rec.rag}); say why.`);
  }
  if (input.pathway === 'EARLY_HELP' && state.consent !== 'GIVEN') {
    problem('pathway: early help is voluntary and needs the family\'s consent; record consent as GIVEN first, or choose another pathway.');
  }
  if (input.pathway === 'MASH_ENQUIRY' && input.rag === 'GREEN' && state.consent === 'REFUSED') {
    problem('pathway: consent was refused on a GREEN case, so multi-agency checks must stop; choose another pathway, or a manager may dispense with consent if the law allows.');
  }
  checkPrimaryNeed(input.primaryNeed);
  if (isReferral(input.pathway) && input.primaryNeed === null) problem('primaryNeed: a referral needs a DfE primary need code N0–N9 (census rule 8610).');
}

function validateConsent(state: ContactState, input: ConsentInput): void {
  if (isFinished(state)) refuse('InvalidState', 'This contact is closed or referred; record consent on the child\'s case.');
  if (input.status === 'DISPENSED_WITH' && !input.actor.roles.includes('manager')) refuse('Forbidden', 'Dispensing with consent needs the manager role: ask a manager to authorise it.');
  requireText(input.note, 'note', 3);
  if (input.status === 'DISPENSED_WITH') {
    if (!input.reason) problem(`reason: dispensing with consent needs a lawful reason (${CONSENT_DISPENSING_REASONS.join(', ')}).`);
  } else if (input.reason) {
    problem('reason: a lawful reason is given only when dispensing with consent.');
  }
}

function validateAgencyRequest(state: ContactState, input: AgencyRequestInput): void {
  if (state.mash === null) refuse('InvalidState', 'There is no MASH enquiry open on this contact.');
  if (state.mash.decision !== null) refuse('InvalidState', 'The MASH decision has been made.');
  if (state.mash.requests.some((r) => r.agency === input.agency)) refuse('InvalidState', `Information has already been requested from ${input.agency}.`);
  if (state.consent === 'REFUSED' && state.mash.rag === 'GREEN') refuse('InvalidState', 'Consent was refused on a GREEN enquiry: multi-agency checks stop.');
  if (state.consent === 'NOT_SOUGHT' || state.consent === 'SOUGHT') {
    refuse('InvalidState', 'Consent to multi-agency checks has not been given: record it as GIVEN, or a manager may dispense with it for a lawful reason.');
  }
  requireText(input.purpose, 'purpose', 5);
}

function validateMashDecision(state: ContactState, input: MashDecisionInput): void {
  if (state.mash === null) refuse('InvalidState', 'There is no MASH enquiry open on this contact.');
  if (state.mash.decision !== null) refuse('InvalidState', 'The MASH decision has already been made.');
  if (!input.actor.roles.includes('manager')) refuse('Forbidden', 'A MASH decision needs the manager role: a manager must sign it off and record it.');
  if (input.pathway === 'MASH_ENQUIRY') problem('pathway: a MASH decision must choose where the case goes next, not another MASH enquiry.');
  requireText(input.rationale, 'rationale', 10);
  const outstanding = state.mash.requests.filter((r) => r.status === 'REQUESTED').map((r) => r.agency);
  if (outstanding.length > 0 && !input.partialInformationReason?.trim()) {
    problem(`partialInformationReason: ${outstanding.join(', ')} ha${outstanding.length === 1 ? 's' : 've'} not responded; say why deciding on partial information is right.`);
  }
  if (input.pathway === 'EARLY_HELP' && state.consent !== 'GIVEN') problem('pathway: early help needs the family\'s consent; record it first.');
  checkPrimaryNeed(input.primaryNeed);
  const primaryNeed = input.primaryNeed ?? state.decision?.primaryNeed ?? null;
  const givenButUnknown = input.primaryNeed !== null && !isPrimaryNeed(input.primaryNeed);
  if (isReferral(input.pathway) && !givenButUnknown && (primaryNeed === null || !isPrimaryNeed(primaryNeed))) problem('primaryNeed: a referral needs a DfE primary need code N0–N9 (census rule 8610).');
}

/** A primary need, when given, is a DfE code whatever the pathway: it goes with the child to the census. */
function checkPrimaryNeed(primaryNeed: string | null): void {
  if (primaryNeed !== null && !isPrimaryNeed(primaryNeed)) {
    problem(`primaryNeed: must be a DfE primary need code, one of ${Object.keys(PRIMARY_NEED_CODES).join(', ')}.`);
  }
}

function isReferral(pathway: Pathway): pathway is ReferralPathway {
  return (REFERRAL_PATHWAYS as readonly Pathway[]).includes(pathway);
}

function isFinished(state: ContactState): boolean {
  return state.status === 'CLOSED' || state.status === 'REFERRED';
}

function consentBasis(consent: ConsentState): string {
  return consent === 'GIVEN' ? 'CONSENT_GIVEN' : consent === 'DISPENSED_WITH' ? 'CONSENT_DISPENSED_WITH' : 'NO_CONSENT';
}

function requireText(value: string, field: string, min: number): void {
  if (value.trim().length < min) problem(`${field}: must say something (at least ${min} characters).`);
}

/** Rejects an update at once with a reason the caller can act on; `type` decides the API's error code. */
function refuse(type: 'Forbidden' | 'InvalidState', message: string): never {
  return type === 'Forbidden' ? forbid(message) : invalidState(message);
}

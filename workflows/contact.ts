import { condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ConcernIndicator, ConsentStatus, ContactChannel, ContactStatus, LevelOfNeed, Pathway, RagRating, ReferrerType } from '../rules/vocabulary';

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
  children: { firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }[];
  indicators: ConcernIndicator[];
  summary: string;
  consent: ConsentStatus;
  /** The borough's threshold ruleset version in force when the contact arrived; the recommendation uses exactly this. */
  rulesetVersion: number;
}

export interface ContactWorkflowInput {
  contact: ReceivedContact;
}

/** One contact's live state, for the case page while a projection catches up. */
export interface ContactState {
  status: ContactStatus;
  recommendation: { levelOfNeed: LevelOfNeed; pathway: Pathway; rag: RagRating; summary: string } | null;
  screeningDueAt: string | null;
}

export const contactStateQuery = defineQuery<ContactState>('contactState');

/** Workflow id for a contact: one contact id, one workflow, so a retried request never makes a second case. */
export function contactWorkflowId(contactId: string): string {
  return `contact-${contactId}`;
}

// PostgreSQL may be down for a while: keep retrying (never give up on a received contact), backing off to a minute.
const untilStored = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

const { recordContact, recommendScreening, saveRecommendation, scheduleScreening, markScreeningOverdue } = proxyActivities<Activities>(untilStored);

/**
 * A contact at the front door: stores it, asks the borough's threshold rules (at the version pinned in the input)
 * for a recommendation, stores that with its explanation, sets the screening deadline from the borough calendar,
 * and marks the contact overdue if no screening decision has arrived by then.
 */
export async function contactWorkflow({ contact }: ContactWorkflowInput): Promise<void> {
  const state: ContactState = { status: 'RECEIVED', recommendation: null, screeningDueAt: null };
  setHandler(contactStateQuery, () => state);
  const { contactId, borough } = contact;

  await recordContact(contact);

  const recommendation = await recommendScreening({ contact });
  await saveRecommendation({ contactId, borough, recommendation });
  state.recommendation = { levelOfNeed: recommendation.levelOfNeed, pathway: recommendation.pathway, rag: recommendation.rag, summary: recommendation.summary };

  const screening = await scheduleScreening({ contactId, borough, receivedAt: contact.receivedAt });
  state.status = 'AWAITING_SCREENING';
  state.screeningDueAt = screening.dueAt;

  const decided = await condition(() => false, msUntil(screening.dueAt));
  if (!decided) {
    await markScreeningOverdue({ contactId, borough, dueAt: screening.dueAt, at: new Date().toISOString() });
    state.status = 'SCREENING_OVERDUE';
  }
  // The screening decision and everything after it arrive as updates (the casework path); until then the contact waits.
  await condition(() => false);
}

function msUntil(isoInstant: string): number {
  return Math.max(0, Date.parse(isoInstant) - Date.now());
}

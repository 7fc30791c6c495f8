import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { expect } from 'vitest';
import { eventually, type GraphQLResult, type TestStack } from './stack';

// Walking a case through the API as a caseworker would: receive a contact, wait for the rules, decide, and take the
// MASH and episode steps, each over GraphQL. Shared by the tests of step answers and of reading every field.

export interface ContactOptions {
  borough?: string;
  consent?: 'NOT_SOUGHT' | 'GIVEN' | 'REFUSED';
  indicators?: string[];
  children?: { firstName: string; lastName: string; dateOfBirth: string }[];
  receivedAt?: string;
}

/** Receives a contact about a new child (unique names); resolves with its id. */
export async function receiveContact(stack: TestStack, token: string, options: ContactOptions = {}): Promise<string> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(
    'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
    { input: {
      borough: options.borough ?? 'hf', channel: 'PHONE', consent: options.consent ?? 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
      children: options.children ?? [{ firstName: 'Robin', lastName: `Walk-${randomUUID().slice(0, 8)}`, dateOfBirth: DateTime.now().minus({ years: 3 }).toISODate() }],
      indicators: options.indicators ?? ['NEGLECT'], summary: 'Child often arrives hungry and unwashed at nursery.', ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
    } },
    token,
  );
  expect(received.errors).toBeUndefined();
  return received.data!.receiveContact.contactId;
}

/** Waits until the contact is stored, recommended on and its screening clock set (status AWAITING_SCREENING or later). */
export async function screenable(stack: TestStack, token: string, contactId: string): Promise<void> {
  await eventually(
    () => stack.graphql<{ contact: { status: string; screening: unknown } | null }>('query ($id: ID!) { contact(id: $id) { status screening { dueAt } } }', { id: contactId }, token),
    (r) => r.data?.contact?.screening != null && r.data.contact.status !== 'RECEIVED',
  );
}

export const CONTACT_STEP = 'contactId status consent urgent outcome mashDueAt';
export interface ContactStepAnswer { contactId: string; status: string; consent: string; urgent: boolean; outcome: string | null; mashDueAt: string | null }

/** A screening decision (with an override reason, so any decision is accepted whatever the rules recommended). */
export async function decideScreening(
  stack: TestStack, token: string, contactId: string, decision: { pathway: string; rag?: string; levelOfNeed?: number; primaryNeed?: string | null },
): Promise<GraphQLResult<{ recordScreeningDecision: ContactStepAnswer }>> {
  return stack.graphql<{ recordScreeningDecision: ContactStepAnswer }>(
    `mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { ${CONTACT_STEP} } }`,
    { id: contactId, input: {
      pathway: decision.pathway, levelOfNeed: decision.levelOfNeed ?? 3, rag: decision.rag ?? 'AMBER', rationale: `Decided ${decision.pathway} on the facts given.`,
      overrideReason: 'Decided on the facts for this test.', primaryNeed: decision.primaryNeed === undefined ? 'N1' : decision.primaryNeed,
    } },
    token,
  );
}

export async function recordConsent(stack: TestStack, token: string, contactId: string, status: string, reason: string | null = null) {
  return stack.graphql<{ recordConsent: ContactStepAnswer }>(
    `mutation ($id: ID!, $status: ConsentChange!, $reason: ConsentDispensingReason, $note: String!) { recordConsent(contactId: $id, status: $status, reason: $reason, note: $note) { ${CONTACT_STEP} } }`,
    { id: contactId, status, reason, note: `Consent ${status.toLowerCase()} by phone.` }, token,
  );
}

export async function requestAgency(stack: TestStack, token: string, contactId: string, agency: string) {
  return stack.graphql<{ requestAgencyInformation: ContactStepAnswer }>(
    `mutation ($id: ID!, $agency: Agency!, $purpose: String!) { requestAgencyInformation(contactId: $id, agency: $agency, purpose: $purpose) { ${CONTACT_STEP} } }`,
    { id: contactId, agency, purpose: `What does ${agency.toLowerCase()} know of the family?` }, token,
  );
}

export async function agencyResponds(stack: TestStack, token: string, contactId: string, agency: string) {
  return stack.graphql<{ recordAgencyResponse: ContactStepAnswer }>(
    `mutation ($id: ID!, $agency: Agency!, $summary: String!, $sharedBy: String!) { recordAgencyResponse(contactId: $id, agency: $agency, summary: $summary, sharedBy: $sharedBy) { ${CONTACT_STEP} } }`,
    { id: contactId, agency, summary: `${agency} has known the family for two years.`, sharedBy: 'Duty safeguarding lead' }, token,
  );
}

export async function decideMash(stack: TestStack, token: string, contactId: string, pathway: string, partial: string | null = null) {
  return stack.graphql<{ recordMashDecision: ContactStepAnswer }>(
    `mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $partial: String, $need: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, partialInformationReason: $partial, primaryNeed: $need) { ${CONTACT_STEP} } }`,
    { id: contactId, pathway, rationale: `The checks point to ${pathway.toLowerCase()}.`, partial, need: 'N1' }, token,
  );
}

/** The episode case a referred contact's (first) child became. */
export async function episodeOf(stack: TestStack, contactId: string): Promise<string> {
  const [row] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${contactId}`, (rows) => rows.length === 1);
  return row!.id;
}

export const EPISODE_STEP = 'caseId stage level recordId deadlines { what dueAt dueDate } missingAgencies overdueActions { id dueDate }';
export interface EpisodeStepAnswer { caseId: string; stage: string; level: string; recordId: string | null; deadlines: { what: string; dueAt: string; dueDate: string }[] }

/** Takes an episode step `name` (its input type `inputType`, or none). */
export async function episodeStep(stack: TestStack, token: string, name: string, inputType: string | null, caseId: string, input: Record<string, unknown> | null) {
  const query = inputType
    ? `mutation ($caseId: ID!, $input: ${inputType}!) { ${name}(caseId: $caseId, input: $input) { ${EPISODE_STEP} } }`
    : `mutation ($caseId: ID!) { ${name}(caseId: $caseId) { ${EPISODE_STEP} } }`;
  const result = await stack.graphql<Record<string, EpisodeStepAnswer>>(query, { caseId, ...(input ? { input } : {}) }, token);
  expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
  return result.data![name]!;
}

/** Everyone the borough requires at a strategy discussion, with a social care manager. */
export function attendees(agencies: readonly string[]): { agency: string; name: string; role: string; manager: boolean }[] {
  return agencies.map((agency) => ({ agency, name: `${agency.toLowerCase()} lead`, role: 'Safeguarding lead', manager: agency === 'CHILDRENS_SOCIAL_CARE' }));
}

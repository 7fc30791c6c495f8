import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createActivities } from '../../activities';
import { childIdFor } from '../../db/ids';
import { appendEvent, EVENTS_CHANNEL } from '../../db/casework';
import { markScreeningOverdue, setScreeningSchedule } from '../../db/contacts';
import { closeContactCase, insertConsent, startMashEnquiry } from '../../db/front-door';
import { contactIdFor, contactReference, deterministicUuid } from '../../db/ids';
import { projectRoot } from '../../server/env';
import {
  contactStateQuery, contactWorkflow, contactWorkflowId, recordAgencyResponse, recordMashDecision, recordScreeningDecision, requestAgencyInformation,
  type ContactState, type ReceivedContact,
} from '../../workflows/contact';
import { episodeWorkflowId, type Referral } from '../../workflows/referral';
import { historyToFixture } from '../support/histories';
import { eventually, startStack, workflowBundle, type GraphQLResult, type TestStack } from '../support/stack';

// Front-door writes that land late or out of order, on real PostgreSQL and Temporal: a slow agency write and the MASH
// decision, a decision taken while the screening clock is being stored, consent changes stored out of order, and
// activity attempts that commit after a retry has already moved the contact on. Plus the input the front door refuses
// (a primary need that is not a census code) and the RED enquiry's close of office hours.

// CommonJS package: its namespaces come through the default export under Node's ESM loader.
const { temporal: temporalProto } = proto;

const MASH_FIXTURE = path.join(projectRoot, 'tests', 'fixtures', 'histories', 'contact-mash-decision-after-agency-writes-hf.json');

type Activities = ReturnType<typeof createActivities>;
type Held = 'scheduleScreening' | 'storeScreeningDecision' | 'storeAgencyRequest' | 'storeAgencyResponse';

let stack: TestStack;
let temporal: Client;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `consistency-${randomUUID()}`;

// A write held back for one contact, as a slow or retried attempt would be: the real activity runs when released.
const holds = new Map<string, { reached: () => void; released: Promise<void> }>();
function hold(activity: Held, contactId: string): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  holds.set(`${activity}:${contactId}`, { reached, released });
  onTestFinished(() => release());
  return { reached: reachedPromise, release };
}
function withHolds(activities: Activities): Activities {
  const held = { ...activities };
  for (const name of ['scheduleScreening', 'storeScreeningDecision', 'storeAgencyRequest', 'storeAgencyResponse'] as const) {
    Object.assign(held, {
      [name]: async (input: { contactId: string }) => {
        const gate = holds.get(`${name}:${input.contactId}`);
        if (gate) {
          gate.reached();
          await gate.released;
        }
        return (activities[name] as (input: { contactId: string }) => Promise<unknown>)(input);
      },
    });
  }
  return held;
}

beforeAll(async () => {
  stack = await startStack();
  // The contact workflows here run on a worker of this file's own, whose activities can be held back.
  const address = inject('temporalAddress');
  connection = await Connection.connect({ address });
  temporal = new Client({ connection, namespace: 'default' });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address }), namespace: 'default', taskQueue, workflowBundle: await workflowBundle(),
    activities: withHolds(createActivities({ sql: stack.sql, boroughs: stack.boroughs, temporal, taskQueue })),
  });
  running = worker.run();
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection?.close();
  await stack?.stop();
});

const manager = { userId: 'mash-mo', roles: ['manager'] };
const practitioner = { userId: 'pat', roles: ['practitioner'] };

async function startContact(overrides: Partial<ReceivedContact> = {}) {
  const receivedAt = new Date();
  const contactId = contactIdFor('hf', `consistency-${randomUUID()}`);
  const contact: ReceivedContact = {
    contactId, reference: contactReference('hf', contactId, receivedAt), borough: 'hf', idempotencyKey: null, receivedAt: receivedAt.toISOString(), receivedBy: 'tester',
    channel: 'PHONE', referrer: { type: 'SCHOOL', name: null, organisation: 'Fulham Primary', contactDetails: null },
    children: [{ firstName: 'Rae', lastName: `Late${randomUUID().slice(0, 8)}`, dateOfBirth: '2017-05-05', expectedDateOfBirth: null }],
    indicators: ['NEGLECT'], summary: 'Child often arrives hungry and unwashed.', consent: 'GIVEN', rulesetVersion: null,
    ...overrides,
  };
  const handle = await temporal.workflow.start(contactWorkflow, { taskQueue, workflowId: contactWorkflowId(contactId), args: [{ contact }] });
  onTestFinished(() => handle.terminate('test finished').then(() => undefined, () => undefined));
  return { contact, contactId, handle };
}

/** Screens a contact into a MASH enquiry and waits for its clock. */
async function intoMash(handle: WorkflowHandle<typeof contactWorkflow>): Promise<void> {
  const { recommendation } = await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
  expect(recommendation!.pathway).toBe('MASH_ENQUIRY');
  await handle.executeUpdate(recordScreeningDecision, { args: [{ actor: practitioner, ...recommendation!, rationale: 'Neglect concerns need multi-agency checks.', overrideReason: null, primaryNeed: null }] });
  await eventually(() => handle.query(contactStateQuery), (s) => s.mash?.dueAt != null);
}

/**
 * Waits until the workflow has done all it can without the held write: that write pending, nothing else to do. The
 * front door's writes are local activities (issue 11): a held one keeps its workflow task started (the worker holds
 * it), so nothing may wait for a worker to pick it up, and no activity task but the held write may be pending.
 */
async function onlyHeldWritePending(handle: WorkflowHandle<typeof contactWorkflow>, held: Held): Promise<void> {
  const started = temporalProto.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
  await eventually(async () => (await handle.describe()).raw, (raw) => (!raw.pendingWorkflowTask || raw.pendingWorkflowTask.state === started) && (raw.pendingActivities ?? []).every((a) => a.activityType?.name === held));
}

const agencyRequests = (contactId: string) =>
  stack.sql<{ agency: string; status: string; responseSummary: string | null }[]>`select agency, status, response_summary from agency_requests where borough = 'hf' and contact_id = ${contactId} order by agency`;
const openTasks = async (contactId: string) => (await stack.sql<{ kind: string }[]>`select kind from tasks where borough = 'hf' and case_id = ${contactId} and status = 'OPEN' order by kind`).map((t) => t.kind);
const eventKinds = async (contactId: string) => (await stack.sql<{ kind: string }[]>`select kind from case_events where borough = 'hf' and case_id = ${contactId} order by at, kind`).map((e) => e.kind);

describe('the MASH decision and the agency writes accepted before it', () => {
  it('withdraws a request whose write was still under way when the decision was taken', async () => {
    const { contactId, handle } = await startContact();
    await intoMash(handle);
    const request = hold('storeAgencyRequest', contactId);
    await handle.executeUpdate(requestAgencyInformation, { args: [{ actor: practitioner, agency: 'POLICE', purpose: 'Any police contact with the household?' }] });
    await request.reached;

    const decided = await handle.executeUpdate(recordMashDecision, { args: [{ actor: manager, pathway: 'NO_FURTHER_ACTION', rationale: 'Checks so far show nothing of concern.', partialInformationReason: 'Police will not reply in time; the school has seen the child.', primaryNeed: null }] });
    expect(decided.mash!.requests).toEqual([expect.objectContaining({ agency: 'POLICE', status: 'WITHDRAWN' })]);
    await onlyHeldWritePending(handle, 'storeAgencyRequest');
    request.release();
    await handle.result();

    expect(await agencyRequests(contactId)).toEqual([{ agency: 'POLICE', status: 'WITHDRAWN', responseSummary: null }]);
    expect(await openTasks(contactId)).not.toContain('AGENCY_RESPONSE');
    expect(await eventKinds(contactId)).toEqual(expect.arrayContaining(['AGENCY_INFORMATION_REQUESTED', 'MASH_DECIDED', 'CONTACT_CLOSED']));

    // Recorded once (delete the file to record it again, after checking the change is safe for running workflows).
    if (!(await fs.stat(MASH_FIXTURE).catch(() => null))) await fs.writeFile(MASH_FIXTURE, historyToFixture(await handle.fetchHistory()));
  });

  it('keeps a response whose write was still under way when the decision was taken', async () => {
    const { contactId, handle } = await startContact();
    await intoMash(handle);
    await handle.executeUpdate(requestAgencyInformation, { args: [{ actor: practitioner, agency: 'HEALTH', purpose: 'Health visitor and GP involvement?' }] });
    await eventually(() => agencyRequests(contactId), (rows) => rows.length === 1);
    const response = hold('storeAgencyResponse', contactId);
    await handle.executeUpdate(recordAgencyResponse, { args: [{ actor: practitioner, agency: 'HEALTH', summary: 'GP saw the child last month; weight is low.', sharedBy: 'Dr Okafor' }] });
    await response.reached;

    await handle.executeUpdate(recordMashDecision, { args: [{ actor: manager, pathway: 'EARLY_HELP', rationale: 'Health checks show needs early help can meet.', partialInformationReason: null, primaryNeed: null }] });
    await onlyHeldWritePending(handle, 'storeAgencyResponse');
    response.release();
    await handle.result();

    expect(await agencyRequests(contactId)).toEqual([{ agency: 'HEALTH', status: 'RESPONDED', responseSummary: 'GP saw the child last month; weight is low.' }]);
    expect(await openTasks(contactId)).not.toContain('AGENCY_RESPONSE');
    expect(await eventKinds(contactId)).toEqual(expect.arrayContaining(['AGENCY_INFORMATION_RECEIVED', 'MASH_DECIDED']));
  });
});

describe('the contact workflow\'s own state', () => {
  it('does not show a contact decided while its screening clock was being stored as awaiting screening', async () => {
    const { contactId, handle } = await startContact({ indicators: ['SCHOOL_ATTENDANCE'] });
    const clock = hold('scheduleScreening', contactId);
    await clock.reached;
    const { recommendation } = await handle.query(contactStateQuery);
    const stored = hold('storeScreeningDecision', contactId);
    const decided = await handle.executeUpdate(recordScreeningDecision, { args: [{ actor: practitioner, ...recommendation!, rationale: 'Attendance support through early help.', overrideReason: null, primaryNeed: null }] });
    // The answer shows what the decision produced (the contact closed with its outcome), never awaiting screening.
    expect(decided).toMatchObject({ status: 'CLOSED', outcome: recommendation!.pathway });

    clock.release();
    await stored.reached;
    const state = await handle.query(contactStateQuery);
    expect(state.status).toBe('CLOSED');
    expect(state.screeningDueAt).not.toBeNull();
    stored.release();
    await handle.result();
  });

  it('refers each child with the MASH decision\'s rationale, not the screening\'s', async () => {
    const { contact, handle } = await startContact();
    await intoMash(handle);
    const rationale = 'Police and health checks show the neglect is long-standing: assess.';
    await handle.executeUpdate(recordMashDecision, { args: [{ actor: manager, pathway: 'S17_ASSESSMENT', rationale: `  ${rationale} `, partialInformationReason: null, primaryNeed: 'N1' }] });
    const state: ContactState = await handle.query(contactStateQuery);
    expect(state.mash!.decision).toMatchObject({ pathway: 'S17_ASSESSMENT', rationale });
    await handle.result();

    const episode = temporal.workflow.getHandle(episodeWorkflowId(childIdFor('hf', contact.children[0]!)));
    onTestFinished(() => episode.terminate('test finished').then(() => undefined, () => undefined));
    const signalled = (await episode.fetchHistory()).events!.find((e) => e.workflowExecutionSignaledEventAttributes)!.workflowExecutionSignaledEventAttributes!;
    const referral = defaultPayloadConverter.fromPayload<Referral>(signalled.input!.payloads![0]!);
    expect(referral).toMatchObject({ pathway: 'S17_ASSESSMENT', rationale, primaryNeed: 'N1', decidedBy: 'mash-mo' });
  });
});

describe('a primary need that is not a census code', () => {
  const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`;
  const DECIDE = `mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`;
  const MASH_DECISION = `mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $primaryNeed: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, primaryNeed: $primaryNeed) { status } }`;
  const refusal = (result: GraphQLResult<unknown>) => ({ code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message ?? '' });
  const NOT_A_CODE = { code: 'BAD_USER_INPUT', message: 'primaryNeed: must be a DfE primary need code, one of N0, N1, N2, N3, N4, N5, N6, N7, N8, N9.' };

  it('is refused on any screening decision and any MASH decision, not only on a referral', async () => {
    const token = await stack.token({ user: 'mona', roles: ['manager'], boroughs: ['hf'] });
    const received = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: {
      borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL', organisation: 'Fulham Primary' }, children: [{ firstName: 'Ida', lastName: `Code${randomUUID().slice(0, 6)}`, dateOfBirth: '2015-04-02' }],
      indicators: ['NEGLECT'], summary: 'Child often arrives hungry and unwashed.', consent: 'GIVEN' } }, token);
    const id = received.data!.receiveContact.contactId;
    const ready = await eventually(
      () => stack.graphql<{ contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } }>(`query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`, { id }, token),
      (r) => r.data?.contact?.status === 'AWAITING_SCREENING',
    );
    const input = { ...ready.data!.contact.recommendation!, rationale: 'Neglect concerns need multi-agency checks.' };
    expect(input.pathway).toBe('MASH_ENQUIRY');

    expect(refusal(await stack.graphql(DECIDE, { id, input: { ...input, primaryNeed: 'X' } }, token))).toEqual(NOT_A_CODE);
    expect(refusal(await stack.graphql(DECIDE, { id, input: { ...input, primaryNeed: '' } }, token))).toEqual(NOT_A_CODE);
    expect((await stack.graphql(DECIDE, { id, input }, token)).errors).toBeUndefined();

    await eventually(() => stack.graphql<{ contact: { status: string } }>(`query ($id: ID!) { contact(id: $id) { status } }`, { id }, token), (r) => r.data?.contact?.status === 'MASH_ENQUIRY');
    const nfa = { id, pathway: 'NO_FURTHER_ACTION', rationale: 'Checks show nothing of concern.' };
    expect(refusal(await stack.graphql(MASH_DECISION, { ...nfa, primaryNeed: 'N10' }, token))).toEqual(NOT_A_CODE);
    expect(refusal(await stack.graphql(MASH_DECISION, { ...nfa, pathway: 'S17_ASSESSMENT' }, token))).toEqual({ code: 'BAD_USER_INPUT', message: 'primaryNeed: a referral needs a DfE primary need code N0–N9 (census rule 8610).' });
    expect((await stack.graphql(MASH_DECISION, nfa, token)).errors).toBeUndefined();
  });
});

describe('consent changes stored out of order', () => {
  async function receivedContact(): Promise<string> {
    const { contactId, handle } = await startContact({ indicators: ['SCHOOL_ATTENDANCE'], consent: 'NOT_SOUGHT' });
    await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
    return contactId;
  }
  const consentOf = async (contactId: string) => (await stack.sql<{ consent: string; consentReason: string | null }[]>`select consent, consent_reason from contacts where borough = 'hf' and id = ${contactId}`)[0];
  const change = (contactId: string, sequence: number, status: string, reason: string | null = null) =>
    ({ borough: 'hf', contactId, sequence, status, reason, note: `Change ${sequence}.`, recordedBy: 'pat', authorisedBy: reason ? 'mona' : null, at: new Date().toISOString() });

  it('keeps the latest change as the contact\'s consent, whichever is stored last', async () => {
    const contactId = await receivedContact();
    await insertConsent(stack.sql, change(contactId, 2, 'DISPENSED_WITH', 'RISK_OF_SIGNIFICANT_HARM'));
    await insertConsent(stack.sql, change(contactId, 1, 'SOUGHT'));
    expect(await consentOf(contactId)).toEqual({ consent: 'DISPENSED_WITH', consentReason: 'RISK_OF_SIGNIFICANT_HARM' });
    // Both are on the timeline; a repeat of either changes nothing; a later change applies.
    expect((await eventKinds(contactId)).filter((kind) => kind === 'CONSENT_RECORDED')).toHaveLength(2);
    await insertConsent(stack.sql, change(contactId, 1, 'SOUGHT'));
    expect((await consentOf(contactId))!.consent).toBe('DISPENSED_WITH');
    await insertConsent(stack.sql, change(contactId, 3, 'GIVEN'));
    expect(await consentOf(contactId)).toEqual({ consent: 'GIVEN', consentReason: null });
  });

  it('keeps the latest of many changes stored at once', async () => {
    const contactId = await receivedContact();
    const statuses = ['SOUGHT', 'REFUSED', 'SOUGHT', 'GIVEN', 'REFUSED', 'SOUGHT', 'GIVEN'];
    await Promise.all(statuses.map((status, index) => ({ status, sequence: index + 1 })).reverse().map(({ status, sequence }) => insertConsent(stack.sql, change(contactId, sequence, status))));
    expect((await consentOf(contactId))!.consent).toBe('GIVEN');
    expect((await eventKinds(contactId)).filter((kind) => kind === 'CONSENT_RECORDED')).toHaveLength(statuses.length);
  });
});

describe('an activity attempt that commits after the contact has moved on', () => {
  it('changes nothing on a closed contact: screening clock, overdue, MASH enquiry, or a second closure', async () => {
    const { contactId, handle } = await startContact({ indicators: ['SCHOOL_ATTENDANCE'] });
    const { recommendation } = await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
    await handle.executeUpdate(recordScreeningDecision, { args: [{ actor: practitioner, ...recommendation!, rationale: 'Attendance support through early help.', overrideReason: null, primaryNeed: null }] });
    await handle.result();
    const snapshot = async () => ({
      contact: (await stack.sql`select status, screening_due_at, out_of_hours from contacts where borough = 'hf' and id = ${contactId}`)[0],
      case: (await stack.sql`select stage, rag, out_of_hours, next_due_at, closed_at, closure_reason from cases where borough = 'hf' and id = ${contactId}`)[0],
      openTasks: await openTasks(contactId),
      events: await eventKinds(contactId),
    });
    const closed = await snapshot();
    expect(closed.contact).toMatchObject({ status: 'CLOSED' });
    expect(closed.case).toMatchObject({ stage: 'CLOSED', closureReason: 'EARLY_HELP', nextDueAt: null });

    const later = new Date(Date.now() + 3_600_000).toISOString();
    await setScreeningSchedule(stack.sql, 'hf', contactId, { outOfHours: true, clockStartsAt: later, dueDate: later.slice(0, 10), dueAt: later }, later);
    await markScreeningOverdue(stack.sql, 'hf', contactId, later, later);
    await startMashEnquiry(stack.sql, { borough: 'hf', contactId, rag: 'RED', dueAt: later, dueDate: later.slice(0, 10), at: later, actor: 'pat' });
    await closeContactCase(stack.sql, { borough: 'hf', contactId, status: 'REFERRED', outcome: 'S17_ASSESSMENT', at: later, actor: 'pat' });
    expect(await snapshot()).toEqual(closed);
  });
});

describe('a RED enquiry\'s close of office hours', () => {
  it('is the close of the office day, or the start itself when the enquiry starts out of hours', async () => {
    const activities = createActivities({ sql: stack.sql, boroughs: stack.boroughs, temporal, taskQueue });
    // A contact id with no contact: the enquiry's deadline is computed, and nothing is stored.
    const officeCloseAt = async (from: string) => (await activities.beginMashEnquiry({ borough: 'hf', contactId: randomUUID(), rag: 'RED', from, actor: 'pat' })).officeCloseAt;
    expect(await officeCloseAt('2026-11-26T10:00:00.000Z')).toBe('2026-11-26T17:00:00.000Z'); // a Thursday morning
    expect(await officeCloseAt('2026-11-26T18:30:00.000Z')).toBe('2026-11-26T18:30:00.000Z'); // that evening
    expect(await officeCloseAt('2026-11-28T10:00:00.000Z')).toBe('2026-11-28T10:00:00.000Z'); // a Saturday
    expect(await officeCloseAt('2026-12-25T10:00:00.000Z')).toBe('2026-12-25T10:00:00.000Z'); // a bank holiday
  });
});

describe('a timeline event and its announcement', () => {
  it('are stored together: an event whose announcement fails is not stored, so a retry announces it', async () => {
    const { contactId, handle } = await startContact({ indicators: ['SCHOOL_ATTENDANCE'] });
    await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
    const heard: string[] = [];
    const listening = await stack.sql.listen(EVENTS_CHANNEL, (payload) => heard.push(payload));
    onTestFinished(() => listening.unlisten());

    // PostgreSQL refuses a notification payload of 8000 bytes or more.
    const unannounceable = { borough: 'hf', caseId: contactId, contactId, kind: `NOTE_${'X'.repeat(8000)}`, at: new Date().toISOString(), actor: 'pat' };
    await expect(appendEvent(stack.sql, unannounceable)).rejects.toThrow(/payload string too long/);
    const id = deterministicUuid('event', contactId, unannounceable.kind);
    expect(await stack.sql`select id from case_events where id = ${id}`).toHaveLength(0);

    const note = { ...unannounceable, kind: 'NOTE_ADDED' };
    expect(await appendEvent(stack.sql, note)).toBe(true);
    const noteId = deterministicUuid('event', contactId, 'NOTE_ADDED');
    await eventually(() => Promise.resolve(heard), (payloads) => payloads.some((p) => p.includes(noteId)));
  });
});

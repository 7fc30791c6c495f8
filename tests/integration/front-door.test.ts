import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../server/env';
import { eventually, startStack, type GraphQLResult, type TestStack } from '../support/stack';

// The front door over HTTP on real PostgreSQL and Temporal: screening decisions, consent, the MASH enquiry,
// out-of-hours escalation, queues, allocation and subscriptions. (Clocks that need days: front-door-clocks.test.ts.)

const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`;
const RECOMMENDATION = `query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`;
const DECIDE = `mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status outcome consent mashDueAt } }`;
const CONSENT = `mutation ($id: ID!, $status: ConsentChange!, $reason: ConsentDispensingReason, $note: String!) { recordConsent(contactId: $id, status: $status, reason: $reason, note: $note) { consent } }`;
const REQUEST = `mutation ($id: ID!, $agency: Agency!, $purpose: String!) { requestAgencyInformation(contactId: $id, agency: $agency, purpose: $purpose) { status } }`;
const RESPOND = `mutation ($id: ID!, $agency: Agency!, $summary: String!, $sharedBy: String!) { recordAgencyResponse(contactId: $id, agency: $agency, summary: $summary, sharedBy: $sharedBy) { status } }`;
const MASH_DECISION = `mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $partial: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, partialInformationReason: $partial) { status outcome } }`;
const ESCALATE = `mutation ($id: ID!, $reason: String!) { escalateContact(contactId: $id, reason: $reason) { urgent } }`;
const ALLOCATE = `mutation ($id: ID!, $worker: String) { allocateWorker(caseId: $id, worker: $worker) { worker caseload limit preferredExistingWorker } }`;
const CASE = `query ($id: ID!) { case(id: $id) { id stage rag urgent outOfHours closedAt closureReason worker nextDueAt
  timeline { kind actor detail } openTasks { kind title dueAt } tasks { kind status } escalations { stage rung notify raisedBy reason } } }`;

type CaseView = {
  case: {
    id: string; stage: string; rag: string | null; urgent: boolean; outOfHours: boolean; closedAt: string | null; closureReason: string | null; worker: string | null; nextDueAt: string | null;
    timeline: { kind: string; actor: string; detail: Record<string, unknown> }[];
    openTasks: { kind: string; title: string; dueAt: string | null }[];
    tasks: { kind: string; status: string }[];
    escalations: { stage: string; rung: number; notify: string; raisedBy: string; reason: string }[];
  };
};

let stack: TestStack;
let practitioner: string;
let manager: string;
let outOfHours: string;
let configDir: string;

beforeAll(async () => {
  // A copy of the shipped configuration with a caseload limit of 1 in hf, to see the limit refuse.
  configDir = path.join(inject('scratchDir'), `front-door-config-${randomUUID()}`);
  await fs.cp(path.join(projectRoot, 'borough-config'), configDir, { recursive: true });
  const hfFile = path.join(configDir, 'hf', 'borough.json');
  await fs.writeFile(hfFile, JSON.stringify({ ...(JSON.parse(await fs.readFile(hfFile, 'utf8')) as object), caseloadLimit: 1 }));
  stack = await startStack({ boroughConfigDir: configDir });
  practitioner = await stack.token({ user: 'pat', roles: ['practitioner'], boroughs: ['hf'] });
  manager = await stack.token({ user: 'mona', roles: ['manager'], boroughs: ['hf'] });
  outOfHours = await stack.token({ user: 'edt-olu', roles: ['out_of_hours'], boroughs: ['hf', 'rbkc', 'wcc'] });
});
afterAll(async () => {
  await stack?.stop();
});

async function receiveAndWait(overrides: Record<string, unknown>) {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, {
    input: {
      borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL', organisation: 'Fulham Primary' },
      children: [{ firstName: 'Noor', lastName: 'Example', dateOfBirth: '2015-04-02' }],
      indicators: ['SCHOOL_ATTENDANCE'], summary: 'Attendance has fallen to 70% and the child seems withdrawn.', consent: 'NOT_SOUGHT',
      ...overrides,
    },
  }, practitioner);
  expect(received.errors).toBeUndefined();
  const id = received.data!.receiveContact.contactId;
  const ready = await eventually(
    () => stack.graphql<{ contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } }>(RECOMMENDATION, { id }, practitioner),
    (r) => r.data?.contact?.status === 'AWAITING_SCREENING',
  );
  return { id, recommendation: ready.data!.contact.recommendation! };
}

const caseOf = async (id: string) => (await stack.graphql<CaseView>(CASE, { id }, manager)).data!.case;
const refusal = (result: GraphQLResult<unknown>) => ({ code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message ?? '' });

describe('screening decisions', () => {
  it('accepts the recommendation, closes the front door, and prepares the referrer\'s feedback', async () => {
    const { id, recommendation } = await receiveAndWait({ consent: 'GIVEN' });
    expect(recommendation.pathway).toBe('EARLY_HELP');
    const decided = await stack.graphql<{ recordScreeningDecision: { status: string } }>(DECIDE, { id, input: { ...recommendation, rationale: 'Needs are additional, not complex; family want support.' } }, practitioner);
    expect(decided.errors).toBeUndefined();
    // The answer shows what the decision produced: the contact closed to early help.
    expect(decided.data!.recordScreeningDecision.status).toBe('CLOSED');

    const closed = await eventually(() => caseOf(id), (c) => c.closedAt !== null);
    expect(closed).toMatchObject({ stage: 'CLOSED', closureReason: 'EARLY_HELP' });
    const kinds = closed.timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['CONTACT_RECEIVED', 'RECOMMENDATION_MADE', 'SCREENING_DECIDED', 'REFERRER_FEEDBACK_PREPARED', 'CONTACT_CLOSED']));
    const decision = closed.timeline.find((e) => e.kind === 'SCREENING_DECIDED')!;
    expect(decision).toMatchObject({ actor: 'pat', detail: { overridden: false, pathway: 'EARLY_HELP', rationale: 'Needs are additional, not complex; family want support.' } });
    expect(closed.timeline.find((e) => e.kind === 'REFERRER_FEEDBACK_PREPARED')!.detail).toMatchObject({ audience: 'PROFESSIONAL', text: expect.stringContaining('early help') as unknown });
    expect(closed.tasks).toEqual(expect.arrayContaining([{ kind: 'SCREENING_DECISION', status: 'DONE' }, { kind: 'SEND_REFERRER_FEEDBACK', status: 'OPEN' }]));
    const [row] = await stack.sql<{ overridden: boolean; recommendedPathway: string }[]>`select overridden, recommended_pathway from screening_decisions where borough = 'hf' and contact_id = ${id}`;
    expect(row).toEqual({ overridden: false, recommendedPathway: 'EARLY_HELP' });
  });

  it('needs a reason to override the recommendation, and records the override', async () => {
    const { id, recommendation } = await receiveAndWait({ consent: 'GIVEN' });
    const input = { pathway: 'INFORMATION_AND_ADVICE', levelOfNeed: 1, rag: 'GREEN', rationale: 'School is already addressing attendance with the family.' };
    const refused = await stack.graphql(DECIDE, { id, input }, practitioner);
    expect(refusal(refused)).toEqual({ code: 'BAD_USER_INPUT', message: `overrideReason: the decision differs from the recommendation (${recommendation.pathway}, level ${recommendation.levelOfNeed}, ${recommendation.rag}); say why.` });

    const accepted = await stack.graphql(DECIDE, { id, input: { ...input, overrideReason: 'An attendance plan is in place and working.' } }, practitioner);
    expect(accepted.errors).toBeUndefined();
    const closed = await eventually(() => caseOf(id), (c) => c.closedAt !== null);
    expect(closed.timeline.find((e) => e.kind === 'SCREENING_DECIDED')!.detail).toMatchObject({ overridden: true, overrideReason: 'An attendance plan is in place and working.' });

    const again = await stack.graphql(DECIDE, { id, input: { ...recommendation, rationale: 'A second attempt at deciding.' } }, practitioner);
    expect(refusal(again).code).toBe('INVALID_STATE');
  });

  it('takes exactly one of two decisions sent at the same moment, and refuses the other cleanly', async () => {
    const { id, recommendation } = await receiveAndWait({ consent: 'GIVEN' });
    const both = await Promise.all(['first', 'second'].map((who) => stack.graphql(DECIDE, { id, input: { ...recommendation, rationale: `Decided by the ${who} practitioner.` } }, practitioner)));
    expect(both.filter((r) => !r.errors)).toHaveLength(1);
    // Refused by the workflow, or, when the first decision already closed the contact (its writes are local
    // activities, done in one workflow task), by the API because the contact's workflow has finished.
    const refused = both.filter((r) => r.errors).map(refusal);
    expect(refused.map((r) => r.code)).toEqual(['INVALID_STATE']);
    expect(['A screening decision was already made by pat.', 'This stage of the case has finished, so nothing more can be recorded on it here.']).toContain(refused[0]!.message);
    await eventually(() => caseOf(id), (c) => c.closedAt !== null);
    const rows = await stack.sql<{ n: number }[]>`select count(*)::int as n from screening_decisions where borough = 'hf' and contact_id = ${id}`;
    expect(rows[0]!.n).toBe(1);
    expect((await caseOf(id)).timeline.filter((e) => e.kind === 'SCREENING_DECIDED')).toHaveLength(1);
  });

  it('refuses early help without consent, until consent is given', async () => {
    const { id, recommendation } = await receiveAndWait({ consent: 'NOT_SOUGHT' });
    const input = { ...recommendation, pathway: 'EARLY_HELP', levelOfNeed: 2, rag: 'GREEN', rationale: 'Additional needs; early help fits.', overrideReason: 'Early help fits better here.' };
    expect(refusal(await stack.graphql(DECIDE, { id, input }, practitioner)).message).toContain('early help is voluntary and needs the family\'s consent');
    expect((await stack.graphql(CONSENT, { id, status: 'GIVEN', note: 'Mother agreed on the phone.' }, practitioner)).errors).toBeUndefined();
    expect((await stack.graphql(DECIDE, { id, input }, practitioner)).errors).toBeUndefined();
  });
});

describe('the case timeline subscription', () => {
  it('publishes each event on the case as it is committed, and refuses another borough', async () => {
    const { id } = await receiveAndWait({});
    const refused = stack.subscribe(`subscription { caseEvents(caseId: "${id}") { kind } }`, await stack.token({ user: 'far-away', roles: ['manager'], boroughs: ['wcc'] }));
    await expect(refused.next()).rejects.toThrow('NOT_FOUND');
    refused.close();

    const events = stack.subscribe(`subscription { caseEvents(caseId: "${id}") { caseId kind actor detail } }`, manager);
    await events.ready();
    expect((await stack.graphql(CONSENT, { id, status: 'SOUGHT', note: 'Asked the mother by phone.' }, practitioner)).errors).toBeUndefined();
    expect(await events.next()).toEqual({ caseEvents: { caseId: id, kind: 'CONSENT_RECORDED', actor: 'pat', detail: { status: 'SOUGHT', reason: null, note: 'Asked the mother by phone.', authorisedBy: null } } });
    events.close();
  });
});

describe('consent', () => {
  it('lets only a manager dispense with consent, and only for a lawful reason', async () => {
    const { id } = await receiveAndWait({ indicators: ['NEGLECT'] });
    const byPractitioner = await stack.graphql(CONSENT, { id, status: 'DISPENSED_WITH', reason: 'RISK_OF_SIGNIFICANT_HARM', note: 'Seeking consent would put the child at risk.' }, practitioner);
    expect(refusal(byPractitioner)).toEqual({ code: 'FORBIDDEN', message: 'Dispensing with consent needs the manager role: ask a manager to authorise it.' });
    const noReason = await stack.graphql(CONSENT, { id, status: 'DISPENSED_WITH', note: 'Seeking consent would put the child at risk.' }, manager);
    expect(refusal(noReason).message).toContain('dispensing with consent needs a lawful reason (RISK_OF_SIGNIFICANT_HARM, UNREASONABLE_DELAY, LOSS_OF_EVIDENCE)');
    const ok = await stack.graphql<{ recordConsent: { consent: string } }>(CONSENT, { id, status: 'DISPENSED_WITH', reason: 'RISK_OF_SIGNIFICANT_HARM', note: 'Seeking consent would put the child at risk.' }, manager);
    expect(ok.data?.recordConsent.consent).toBe('DISPENSED_WITH');
    const recorded = await eventually(() => caseOf(id), (c) => c.timeline.some((e) => e.kind === 'CONSENT_RECORDED'));
    expect(recorded.timeline.find((e) => e.kind === 'CONSENT_RECORDED')).toMatchObject({ actor: 'mona', detail: { status: 'DISPENSED_WITH', reason: 'RISK_OF_SIGNIFICANT_HARM', authorisedBy: 'mona' } });
  });
});

describe('the MASH enquiry', () => {
  it('requests information, logs what was shared, and needs a reason to decide on partial information', async () => {
    const { id, recommendation } = await receiveAndWait({ indicators: ['NEGLECT'], consent: 'GIVEN' });
    expect(recommendation.pathway).toBe('MASH_ENQUIRY');
    const decided = await stack.graphql<{ recordScreeningDecision: { status: string; mashDueAt: string | null } }>(DECIDE, { id, input: { ...recommendation, rationale: 'Neglect concerns need multi-agency checks.' } }, practitioner);
    expect(decided.errors).toBeUndefined();
    expect(decided.data!.recordScreeningDecision.status).toBe('MASH_ENQUIRY');
    await eventually(() => caseOf(id), (c) => c.stage === 'MASH_ENQUIRY');

    expect((await stack.graphql(REQUEST, { id, agency: 'POLICE', purpose: 'Any police contact with the household?' }, practitioner)).errors).toBeUndefined();
    expect((await stack.graphql(REQUEST, { id, agency: 'HEALTH', purpose: 'Health visitor and GP involvement?' }, practitioner)).errors).toBeUndefined();
    expect(refusal(await stack.graphql(REQUEST, { id, agency: 'POLICE', purpose: 'Asking twice' }, practitioner))).toEqual({ code: 'INVALID_STATE', message: 'Information has already been requested from POLICE.' });
    expect(refusal(await stack.graphql(RESPOND, { id, agency: 'EDUCATION', summary: 'Nothing known', sharedBy: 'DSL' }, practitioner)).message).toBe('No information was requested from EDUCATION; request it first.');
    expect((await stack.graphql(RESPOND, { id, agency: 'POLICE', summary: 'Two call-outs in 2025 for noise.', sharedBy: 'DC Jones' }, practitioner)).errors).toBeUndefined();

    expect(refusal(await stack.graphql(MASH_DECISION, { id, pathway: 'NO_FURTHER_ACTION', rationale: 'Nothing of concern found in the checks.' }, practitioner)).code).toBe('FORBIDDEN');
    const partial = await stack.graphql(MASH_DECISION, { id, pathway: 'NO_FURTHER_ACTION', rationale: 'Nothing of concern found in the checks.' }, manager);
    expect(refusal(partial)).toEqual({ code: 'BAD_USER_INPUT', message: 'partialInformationReason: HEALTH has not responded; say why deciding on partial information is right.' });
    const done = await stack.graphql(MASH_DECISION, { id, pathway: 'NO_FURTHER_ACTION', rationale: 'Nothing of concern found in the checks.', partial: 'Health confirmed verbally there are no concerns; written reply will follow.' }, manager);
    expect(done.errors).toBeUndefined();

    const closed = await eventually(() => caseOf(id), (c) => c.closedAt !== null);
    expect(closed.closureReason).toBe('NO_FURTHER_ACTION');
    expect(closed.timeline.filter((e) => e.kind.startsWith('AGENCY_INFORMATION')).map((e) => [e.kind, e.detail.agency, e.detail.consentBasis])).toEqual([
      ['AGENCY_INFORMATION_REQUESTED', 'POLICE', 'CONSENT_GIVEN'],
      ['AGENCY_INFORMATION_REQUESTED', 'HEALTH', 'CONSENT_GIVEN'],
      ['AGENCY_INFORMATION_RECEIVED', 'POLICE', 'CONSENT_GIVEN'],
    ]);
    expect(closed.timeline.find((e) => e.kind === 'MASH_DECIDED')!.detail).toMatchObject({ signedOffBy: 'mona', partialInformationReason: 'Health confirmed verbally there are no concerns; written reply will follow.' });
    // The referrer heard at screening that checks were being made; now they are owed the outcome, with its reasons.
    expect(closed.timeline.filter((e) => e.kind === 'REFERRER_FEEDBACK_PREPARED').map((e) => e.detail.text)).toEqual([
      expect.stringContaining('multi-agency checks are being made in the MASH'),
      'Thank you for your referral. Outcome: no further action will be taken by children\'s social care. Reasons: Nothing of concern found in the checks.',
    ]);
    expect(closed.openTasks.filter((t) => t.kind === 'SEND_REFERRER_FEEDBACK')).toHaveLength(2);
    const requests = await stack.sql<{ agency: string; status: string }[]>`select agency, status from agency_requests where borough = 'hf' and contact_id = ${id} order by agency`;
    expect(requests).toEqual([{ agency: 'HEALTH', status: 'WITHDRAWN' }, { agency: 'POLICE', status: 'RESPONDED' }]);
    expect(closed.openTasks.filter((t) => t.kind === 'AGENCY_RESPONSE' || t.kind === 'MASH_DECISION')).toEqual([]);
  });

  it('stops the checks under way when consent is refused on a GREEN enquiry', async () => {
    const { id, recommendation } = await receiveAndWait({ indicators: ['NEGLECT'], consent: 'GIVEN' });
    const green = { ...recommendation, pathway: 'MASH_ENQUIRY', rag: 'GREEN', rationale: 'Low-level neglect concerns: checks with consent.' };
    const overridden = recommendation.rag === 'GREEN' ? green : { ...green, overrideReason: 'Concerns are low level; GREEN fits.' };
    expect((await stack.graphql(DECIDE, { id, input: overridden }, practitioner)).errors).toBeUndefined();
    await eventually(() => caseOf(id), (c) => c.stage === 'MASH_ENQUIRY');
    expect((await stack.graphql(REQUEST, { id, agency: 'HEALTH', purpose: 'Health visitor involvement?' }, practitioner)).errors).toBeUndefined();
    await eventually(() => caseOf(id), (c) => c.openTasks.some((t) => t.kind === 'AGENCY_RESPONSE'));

    const refused = await stack.graphql(CONSENT, { id, status: 'REFUSED', note: 'Mother withdrew consent on the phone.' }, practitioner);
    expect(refused.errors).toBeUndefined();
    const requests = await eventually(
      () => stack.sql<{ status: string; withdrawnReason: string | null }[]>`select status, withdrawn_reason from agency_requests where borough = 'hf' and contact_id = ${id}`,
      (rows) => rows[0]?.status === 'WITHDRAWN',
    );
    expect(requests).toEqual([{ status: 'WITHDRAWN', withdrawnReason: 'Consent refused on a GREEN enquiry: the checks stop' }]);
    expect((await caseOf(id)).openTasks.filter((t) => t.kind === 'AGENCY_RESPONSE')).toEqual([]);
    expect(refusal(await stack.graphql(RESPOND, { id, agency: 'HEALTH', summary: 'Known to the health visitor.', sharedBy: 'HV Smith' }, practitioner)).message)
      .toMatch(/^The request to HEALTH was withdrawn/);
    expect(refusal(await stack.graphql(REQUEST, { id, agency: 'POLICE', purpose: 'Any police contact?' }, practitioner)).message).toBe('Consent was refused on a GREEN enquiry: multi-agency checks stop.');
  });

  it('refuses checks without consent', async () => {
    const { id, recommendation } = await receiveAndWait({ indicators: ['NEGLECT'], consent: 'NOT_SOUGHT' });
    await stack.graphql(DECIDE, { id, input: { ...recommendation, rationale: 'Neglect concerns need multi-agency checks.' } }, practitioner);
    await eventually(() => caseOf(id), (c) => c.stage === 'MASH_ENQUIRY');
    expect(refusal(await stack.graphql(REQUEST, { id, agency: 'HEALTH', purpose: 'GP involvement?' }, practitioner)).message).toContain('Consent to multi-agency checks has not been given');
  });
});

describe('out of hours, queues and allocation', () => {
  it('lets the out-of-hours team escalate a contact, which jumps the queue and is published', async () => {
    const { id: calm } = await receiveAndWait({});
    const { id } = await receiveAndWait({});
    const subscription = stack.subscribe(`subscription { escalations(borough: "hf") { caseId stage rung notify raisedBy reason } }`, outOfHours);
    await subscription.ready();

    expect(refusal(await stack.graphql(ESCALATE, { id, reason: 'Child called back, frightened to go home.' }, practitioner)).code).toBe('FORBIDDEN');
    const escalated = await stack.graphql<{ escalateContact: { urgent: boolean } }>(ESCALATE, { id, reason: 'Child called back, frightened to go home.' }, outOfHours);
    expect(escalated.data?.escalateContact.urgent).toBe(true);

    const published = await subscription.next();
    expect(published).toEqual({ escalations: { caseId: id, stage: 'SCREENING', rung: 0, notify: 'TEAM_MANAGER', raisedBy: 'edt-olu', reason: 'Child called back, frightened to go home.' } });
    subscription.close();

    const escalatedCase = await eventually(() => caseOf(id), (c) => c.urgent);
    expect(escalatedCase.escalations).toEqual([{ stage: 'SCREENING', rung: 0, notify: 'TEAM_MANAGER', raisedBy: 'edt-olu', reason: 'Child called back, frightened to go home.' }]);
    // Other tests share the borough, so the queue holds their cases too: urgent ones come first, this one among them,
    // and the calm contact received just before it comes after.
    // (500 is the most the API returns; both contacts must be within it for the order to say anything.)
    const queue = await stack.graphql<{ workQueue: { id: string; urgent: boolean }[] }>(`query { workQueue(borough: "hf", limit: 500) { id urgent } }`, {}, manager);
    expect(queue.errors).toBeUndefined();
    const rows = queue.data!.workQueue;
    const position = rows.findIndex((c) => c.id === id);
    const calmPosition = rows.findIndex((c) => c.id === calm);
    expect(position, 'the escalated contact is in the queue').toBeGreaterThanOrEqual(0);
    expect(calmPosition, 'the calm contact is in the queue').toBeGreaterThanOrEqual(0);
    expect(rows[position]!.urgent).toBe(true);
    expect(rows[calmPosition]!.urgent).toBe(false);
    const firstCalm = rows.findIndex((c) => !c.urgent);
    expect(firstCalm).toBeGreaterThanOrEqual(0);
    expect(rows.slice(firstCalm).some((c) => c.urgent)).toBe(false);
    expect(position).toBeLessThan(firstCalm);
    expect(calmPosition).toBeGreaterThan(position);
  });

  it('allocates within the caseload limit', async () => {
    const { id: first } = await receiveAndWait({});
    const { id: second } = await receiveAndWait({});
    const worker = `sw-${randomUUID().slice(0, 8)}`;
    expect(refusal(await stack.graphql(ALLOCATE, { id: first, worker }, practitioner)).code).toBe('FORBIDDEN');
    const allocated = await stack.graphql<{ allocateWorker: unknown }>(ALLOCATE, { id: first, worker }, manager);
    expect(allocated.data?.allocateWorker).toEqual({ worker, caseload: 1, limit: 1, preferredExistingWorker: false });
    const over = await stack.graphql(ALLOCATE, { id: second, worker }, manager);
    expect(refusal(over)).toEqual({ code: 'CASELOAD_LIMIT', message: `${worker} already holds 1 open cases, the hf limit of 1; allocate to someone else or close or transfer a case first.` });
    expect((await caseOf(second)).worker).toBeNull();
    expect((await caseOf(first)).timeline.find((e) => e.kind === 'WORKER_ALLOCATED')).toMatchObject({ actor: 'mona', detail: { worker } });
  });

  it('prefers the family\'s existing worker, and says when they are full', async () => {
    const child = { firstName: `Sami${randomUUID().slice(0, 6)}`, lastName: 'Example', dateOfBirth: '2016-09-09' };
    const rbkcManager = await stack.token({ user: 'raj', roles: ['manager'], boroughs: ['rbkc'] });
    const rbkcPractitioner = await stack.token({ user: 'rita', roles: ['practitioner'], boroughs: ['rbkc'] });
    const receiveInRbkc = async (names: typeof child) =>
      (await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: { borough: 'rbkc', channel: 'EMAIL', referrer: { type: 'GP' }, children: [names], indicators: ['CHILD_MENTAL_HEALTH'], summary: 'Low mood reported at the surgery.', consent: 'GIVEN' } }, rbkcPractitioner)).data!.receiveContact.contactId;
    const earlier = await receiveInRbkc(child);
    const later = await receiveInRbkc({ ...child, firstName: `  ${child.firstName.toUpperCase()} ` });
    const stranger = await receiveInRbkc({ ...child, dateOfBirth: '2016-09-10' });
    await eventually(() => stack.graphql<CaseView>(CASE, { id: stranger }, rbkcManager), (r) => Boolean(r.data?.case));
    await eventually(() => stack.graphql<CaseView>(CASE, { id: later }, rbkcManager), (r) => Boolean(r.data?.case));
    const familyWorker = `sw-${randomUUID().slice(0, 8)}`;
    expect((await stack.graphql(ALLOCATE, { id: earlier, worker: familyWorker }, rbkcManager)).errors).toBeUndefined();

    const chosen = await stack.graphql<{ allocateWorker: { worker: string; preferredExistingWorker: boolean } }>(ALLOCATE, { id: later }, rbkcManager);
    expect(chosen.data?.allocateWorker).toMatchObject({ worker: familyWorker, preferredExistingWorker: true });
    const noFamily = await stack.graphql(ALLOCATE, { id: stranger }, rbkcManager);
    expect(refusal(noFamily)).toEqual({ code: 'BAD_USER_INPUT', message: 'worker: the family has no existing worker; name one.' });
  });

  it('pages through cases with a filter', async () => {
    // At least three open hf contacts awaiting screening, whatever the other tests left, so there are two pages of two.
    const own = [(await receiveAndWait({})).id, (await receiveAndWait({})).id, (await receiveAndWait({})).id];
    for (const id of own) expect((await caseOf(id)).stage).toBe('AWAITING_SCREENING');
    const CASES = `query ($after: String) { cases(filter: { borough: "hf", stage: AWAITING_SCREENING }, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id stage } } } }`;
    type Page = { cases: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string; stage: string } }[] } };
    const first = (await stack.graphql<Page>(CASES, {}, manager)).data!.cases;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await stack.graphql<Page>(CASES, { after: first.pageInfo.endCursor }, manager)).data!.cases;
    expect(second.edges.length).toBeGreaterThanOrEqual(1);
    const firstIds = first.edges.map((e) => e.node.id);
    expect(second.edges.map((e) => e.node.id).filter((pageId) => firstIds.includes(pageId))).toEqual([]);
    expect(first.totalCount).toBeGreaterThanOrEqual(own.length);
    expect(second.totalCount).toBe(first.totalCount);
    expect([...first.edges, ...second.edges].every((e) => e.node.stage === 'AWAITING_SCREENING')).toBe(true);
    expect(refusal(await stack.graphql(CASES, { after: 'nonsense' }, manager)).message).toBe('after: not a cursor this API gave out; use pageInfo.endCursor.');
    const other = await stack.graphql(`query { cases(filter: { borough: "rbkc" }) { totalCount } }`, {}, manager);
    expect(refusal(other).code).toBe('FORBIDDEN');
  });
});

import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type TestStack } from '../support/stack';

// Every read and write of a case is attributable, the trail cannot be rewritten, and logs carry no personal data.
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ logger: pino({ level: 'trace' }, capture) });
});
afterAll(async () => {
  await stack?.stop();
});

const marker = randomUUID().slice(0, 8);
const child = { firstName: `Lola${marker}`, lastName: `Private${marker}`, dateOfBirth: '2018-08-08' };
const summary = `Confidential concern ${marker}`;

async function fullCase() {
  const practitioner = await stack.token({ user: 'audit-ann', roles: ['practitioner'], boroughs: ['hf'] });
  const manager = await stack.token({ user: 'audit-max', roles: ['manager'], boroughs: ['hf'] });
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(`mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`, {
    input: { borough: 'hf', channel: 'PHONE', referrer: { type: 'HEALTH_VISITOR', name: `Nurse${marker}`, contactDetails: `nurse${marker}@example.org` }, children: [child], indicators: ['NEGLECT'], summary, consent: 'GIVEN' },
  }, practitioner);
  const id = received.data!.receiveContact.contactId;
  const rec = await eventually(
    () => stack.graphql<{ contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } }>(`query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`, { id }, practitioner),
    (r) => r.data?.contact?.status === 'AWAITING_SCREENING',
  );
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${practitioner}`, 'x-purpose': 'screening the contact' },
    body: JSON.stringify({ query: `query ($id: ID!) { case(id: $id) { stage timeline { kind } } }`, variables: { id } }),
  });
  expect(response.status).toBe(200);
  await stack.graphql(`mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`, { id, input: { ...rec.data!.contact.recommendation, rationale: `Checks needed for ${child.firstName}` } }, practitioner);
  await stack.graphql(`mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`, { id, input: { pathway: 'NOPE', levelOfNeed: 9, rag: 'GREEN', rationale: summary } }, practitioner);
  await stack.graphql(`mutation ($id: ID!, $agency: Agency!, $purpose: String!) { requestAgencyInformation(contactId: $id, agency: $agency, purpose: $purpose) { status } }`, { id, agency: 'HEALTH', purpose: `About ${child.lastName}` }, practitioner);
  await stack.graphql(`mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $partial: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, partialInformationReason: $partial) { status } }`, { id, pathway: 'NO_FURTHER_ACTION', rationale: `No concerns for ${child.firstName}`, partial: 'Health replied by phone.' }, manager);
  const rbkc = await stack.token({ user: 'nosy-ned', roles: ['manager'], boroughs: ['rbkc'] });
  await stack.graphql(`query ($id: ID!) { case(id: $id) { stage } }`, { id }, rbkc);
  await eventually(() => stack.graphql<{ case: { closedAt: string | null } }>(`query ($id: ID!) { case(id: $id) { closedAt } }`, { id }, manager), (r) => Boolean(r.data?.case.closedAt));
  return id;
}

describe('the audit trail', () => {
  let id: string;
  beforeAll(async () => {
    id = await fullCase();
  });

  it('records who read and changed the case, what, the outcome and the purpose', async () => {
    const auditor = await stack.token({ user: 'aud-ida', roles: ['auditor'], boroughs: ['hf'] });
    const trail = await stack.graphql<{ auditTrail: { userId: string; operation: string; kind: string; outcome: string; purpose: string | null }[] }>(
      `query ($id: ID!) { auditTrail(caseId: $id) { userId operation kind outcome purpose } }`, { id }, auditor,
    );
    expect(trail.errors).toBeUndefined();
    const rows = trail.data!.auditTrail;
    expect(rows[0]).toEqual({ userId: 'audit-ann', operation: 'Mutation.receiveContact', kind: 'WRITE', outcome: 'OK', purpose: null });
    expect(rows).toContainEqual({ userId: 'audit-ann', operation: 'Query.case', kind: 'READ', outcome: 'OK', purpose: 'screening the contact' });
    expect(rows).toContainEqual({ userId: 'audit-ann', operation: 'Mutation.recordScreeningDecision', kind: 'WRITE', outcome: 'OK', purpose: null });
    expect(rows).toContainEqual({ userId: 'audit-max', operation: 'Mutation.recordMashDecision', kind: 'WRITE', outcome: 'OK', purpose: null });
    expect(rows).toContainEqual({ userId: 'nosy-ned', operation: 'Query.case', kind: 'READ', outcome: 'NOT_FOUND', purpose: null });
  });

  it('is for auditors only', async () => {
    const manager = await stack.token({ user: 'audit-max', roles: ['manager'], boroughs: ['hf'] });
    const refused = await stack.graphql(`query ($id: ID!) { auditTrail(caseId: $id) { userId } }`, { id }, manager);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('cannot be changed or deleted, even by the application\'s own database user', async () => {
    await expect(stack.sql`update audit_log set user_id = 'someone-else' where case_id = ${id}`).rejects.toThrow('audit_log is append-only: UPDATE is not allowed');
    await expect(stack.sql`delete from audit_log where case_id = ${id}`).rejects.toThrow('audit_log is append-only: DELETE is not allowed');
    await expect(stack.sql`truncate audit_log`).rejects.toThrow('audit_log is append-only: TRUNCATE is not allowed');
    const [row] = await stack.sql<{ count: number }[]>`select count(*)::int as count from audit_log where case_id = ${id}`;
    expect(row!.count).toBeGreaterThanOrEqual(5);
  });

  it('leaves no personal data in the logs of a full case', () => {
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [child.firstName, child.lastName, marker, 'Confidential concern', `nurse${marker}`]) expect(logs).not.toContain(secret);
  });
});

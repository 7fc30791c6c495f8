import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { countHistory } from '../../bench/temporal-work';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { createSql } from '../../db/sql';
import { contactWorkflowId } from '../../workflows/contact';
import { freePort } from '../support/ports';
import { eventually, startStack, type TestStack } from '../support/stack';

// A PostgreSQL server of this file's own, so it can be stopped while contacts arrive.
let pg: RunningPostgres;
let stack: TestStack;

beforeAll(async () => {
  pg = await startEmbeddedPostgres({ dataDir: path.join(inject('scratchDir'), 'postgres-outage'), port: await freePort(), database: 'outage' });
  const sql = createSql(pg.url, { max: 1 });
  await migrate(sql);
  await sql.end();
  stack = await startStack({ databaseUrl: pg.url });
});
afterAll(async () => {
  await stack?.stop();
  await pg?.stop();
});

const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId reference } }`;
const READ = `query ($id: ID!) { contact(id: $id) { reference status recommendation { pathway } screening { dueAt } } }`;

it('accepts contacts while PostgreSQL is down and records each exactly once when it returns', async () => {
  const token = await stack.token({ boroughs: ['wcc'] });
  // A contact received and screened by the rules before the outage, to be decided during it.
  const before = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: {
    borough: 'wcc', channel: 'PHONE', referrer: { type: 'SCHOOL' }, children: [{ firstName: 'Bea', lastName: 'Example', dateOfBirth: '2013-03-03' }],
    indicators: ['SCHOOL_ATTENDANCE'], summary: 'Attendance falling.', consent: 'GIVEN' } }, token);
  const decidedId = before.data!.receiveContact.contactId;
  const screened = await eventually(
    () => stack.graphql<{ contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } }>(`query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`, { id: decidedId }, token),
    (r) => r.data?.contact?.status === 'AWAITING_SCREENING',
  );
  await pg.stop();

  const ready = await fetch(`${stack.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ ready: false, failing: ['postgres'] });

  const input = {
    borough: 'wcc',
    channel: 'EMAIL',
    referrer: { type: 'SCHOOL', organisation: 'A primary school' },
    children: [{ firstName: 'Kai', lastName: 'Example', dateOfBirth: '2018-03-14' }],
    indicators: ['NEGLECT'],
    summary: 'Child often arrives hungry and unwashed.',
    consent: 'GIVEN',
  };
  const accepted = await Promise.all([stack.graphql<{ receiveContact: { contactId: string; reference: string } }>(RECEIVE, { input }, token), stack.graphql<{ receiveContact: { contactId: string; reference: string } }>(RECEIVE, { input: { ...input, idempotencyKey: 'outage-1' } }, token)]);
  for (const result of accepted) expect(result.errors).toBeUndefined();
  const ids = accepted.map((result) => result.data!.receiveContact.contactId);

  const whileDown = await stack.graphql(READ, { id: ids[0] }, token);
  expect(whileDown.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');

  // The outage is real for the workflows too: storing each contact has failed and is being retried. It is a local
  // activity (issue 11): nothing is recorded as done until PostgreSQL is back, and while its attempts go on the worker
  // keeps the workflow task alive (a further workflow task each time, with nothing else to do) or, past its first 10 s
  // of retries, backs off on a timer.
  for (const id of ids) {
    const work = await eventually(
      async () => countHistory(await stack.temporal.workflow.getHandle(contactWorkflowId(id)).fetchHistory()),
      (counted) => counted.workflowTasks >= 2 || counted.timers >= 1,
    );
    expect(work).toMatchObject({ localActivities: 0, activityTasks: 0, updates: 0, signals: 0 });
  }

  // A named person decides while the database is down: the workflow accepts it; it is stored once PostgreSQL is back.
  const decision = await stack.graphql(`mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`,
    { id: decidedId, input: { ...screened.data!.contact.recommendation, rationale: 'Decided during the database outage.' } }, token);
  expect(decision.errors).toBeUndefined();
  const elsewhere = await stack.graphql(`mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`,
    { id: decidedId, input: { ...screened.data!.contact.recommendation, rationale: 'Not my borough at all.' } }, await stack.token({ boroughs: ['hf'] }));
  expect(elsewhere.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

  await pg.restart();
  const decided = await eventually(
    () => stack.sql<{ decidedBy: string }[]>`select decided_by from screening_decisions where borough = 'wcc' and contact_id = ${decidedId}`,
    (rows) => rows.length === 1,
    90_000,
  );
  expect(decided).toEqual([{ decidedBy: 'tester' }]);
  for (const [index, id] of ids.entries()) {
    const stored = await eventually(
      () => stack.graphql<{ contact: { reference: string; status: string; recommendation: unknown; screening: unknown } }>(READ, { id }, token),
      (result) => Boolean(result.data?.contact?.screening && result.data.contact.recommendation),
      90_000,
    );
    expect(stored.data!.contact).toMatchObject({ reference: accepted[index]!.data!.receiveContact.reference, status: 'AWAITING_SCREENING', recommendation: { pathway: 'MASH_ENQUIRY' } });
  }
  const [counts] = await stack.sql<{ contacts: number; children: number; recommendations: number; received: number }[]>`
    select (select count(*)::int from contacts where borough = 'wcc' and id = any(${ids})) as contacts,
           (select count(*)::int from contact_children where borough = 'wcc' and contact_id = any(${ids})) as children,
           (select count(*)::int from recommendations where borough = 'wcc' and contact_id = any(${ids})) as recommendations,
           (select count(*)::int from case_events where borough = 'wcc' and contact_id = any(${ids}) and kind = 'CONTACT_RECEIVED') as received`;
  expect(counts).toEqual({ contacts: 2, children: 2, recommendations: 2, received: 2 });
  expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
});

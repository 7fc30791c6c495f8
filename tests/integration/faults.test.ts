import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isCi, parseEnvironment } from '../../server/env';
import { resolveTemporalCli } from '../../server/infra/temporal-cli';
import { startTemporalDevServer, type RunningTemporal } from '../../server/infra/temporal-dev-server';
import { REFERRAL_PATHWAYS } from '../../workflows/referral';
import { freePort } from '../support/ports';
import { eventually, startStack, type TestStack } from '../support/stack';

// Faults survived: each test checks afterwards that nothing was lost and nothing duplicated.

const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId alreadyReceived } }`;
const STATUS = `query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`;
const DECIDE = `mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`;
type Status = { contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } };

const input = (key: string, borough = 'hf') => ({
  borough, idempotencyKey: key, channel: 'ONLINE_FORM', referrer: { type: 'SCHOOL', organisation: 'A school' },
  children: [{ firstName: 'Fay', lastName: `Fault${key.slice(-6)}`, dateOfBirth: '2014-01-01' }], indicators: ['SCHOOL_ATTENDANCE'], summary: 'Attendance falling.', consent: 'GIVEN',
});

async function counts(stack: TestStack, keys: string[]) {
  const [row] = await stack.sql<{ contacts: number; recommendations: number; received: number; decided: number }[]>`
    select count(*)::int as contacts,
      (select count(*)::int from recommendations r where r.contact_id = any(array_agg(c.id))) as recommendations,
      (select count(*)::int from case_events e where e.case_id = any(array_agg(c.id)) and e.kind = 'CONTACT_RECEIVED') as received,
      (select count(*)::int from screening_decisions d where d.contact_id = any(array_agg(c.id))) as decided
    from contacts c where c.idempotency_key = any(${keys})`;
  return row!;
}

describe('the Temporal server stopped and restarted on its persistent database', () => {
  let temporal: RunningTemporal;
  let startTemporal: () => Promise<RunningTemporal>;
  let stack: TestStack;

  beforeAll(async () => {
    // A dev server of this file's own, on a SQLite file, so it can be stopped and started again on the same data.
    const port = await freePort();
    const dbFile = path.join(inject('scratchDir'), `temporal-${randomUUID()}.sqlite`);
    const cli = await resolveTemporalCli({ cache: { dir: parseEnvironment().FRONT_DOOR_CACHE_DIR, say: () => {} }, pathVariable: process.env.PATH, allowDownload: !isCi() });
    startTemporal = () => startTemporalDevServer({ cli, dbFile, port, namespace: 'default', logFile: path.join(inject('scratchDir'), 'temporal-restart.log') });
    temporal = await startTemporal();
    stack = await startStack({ temporalAddress: temporal.address });
  });
  afterAll(async () => {
    await stack?.stop();
    await temporal?.stop();
  });

  it('keeps open cases, refuses new contacts while down (recording nothing), and carries on afterwards', async () => {
    const token = await stack.token({ user: 'restart-rae', boroughs: ['hf'] });
    const keys = Array.from({ length: 4 }, () => `restart-${randomUUID()}`);
    const ids: string[] = [];
    for (const key of keys.slice(0, 3)) ids.push((await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: input(key) }, token)).data!.receiveContact.contactId);
    for (const id of ids) await eventually(() => stack.graphql<Status>(STATUS, { id }, token), (r) => r.data?.contact?.status === 'AWAITING_SCREENING');

    await temporal.stop();
    const whileDown = await stack.graphql(RECEIVE, { input: input(keys[3]!) }, token);
    expect(whileDown.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(whileDown.errors?.[0]?.message).toContain('NOT recorded');
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(503);

    temporal = await startTemporal();
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status, (status) => status === 200, 60_000);

    // The refused contact can now be sent again; the open ones take their decisions.
    ids.push((await eventually(() => stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: input(keys[3]!) }, token), (r) => !r.errors, 60_000)).data!.receiveContact.contactId);
    for (const id of ids) {
      const ready = await eventually(() => stack.graphql<Status>(STATUS, { id }, token), (r) => r.data?.contact?.status === 'AWAITING_SCREENING', 60_000);
      const recommendation = ready.data!.contact.recommendation!;
      const decided = await eventually(
        () => stack.graphql<{ recordScreeningDecision: { status: string } }>(DECIDE, { id, input: { ...recommendation, rationale: 'Decided after the restart.' } }, token),
        (r) => !r.errors,
        60_000,
      );
      // The answer shows what the decision produced, on the state the restarted server kept.
      const produced = recommendation.pathway === 'MASH_ENQUIRY' ? 'MASH_ENQUIRY' : (REFERRAL_PATHWAYS as readonly string[]).includes(recommendation.pathway) ? 'REFERRED' : 'CLOSED';
      expect(decided.data).toEqual({ recordScreeningDecision: { status: produced } });
    }
    const after = await eventually(() => counts(stack, keys), (c) => c.decided === 4, 60_000);
    expect(after).toEqual({ contacts: 4, recommendations: 4, received: 4, decided: 4 });
  });
});

describe('a burst of contacts', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ limits: { requestsPerMinute: 10_000 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('accounts for every one of 300 contacts sent at once, each stored exactly once', async () => {
    const token = await stack.token({ user: 'burst-bo', boroughs: ['hf', 'rbkc', 'wcc'] });
    const keys = Array.from({ length: 300 }, (_, i) => `burst-${i}-${randomUUID()}`);
    const boroughs = ['hf', 'rbkc', 'wcc'];
    const results = await Promise.all(keys.map((key, i) => stack.graphql<{ receiveContact: { contactId: string; alreadyReceived: boolean } }>(RECEIVE, { input: input(key, boroughs[i % 3]) }, token)));
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(new Set(results.map((r) => r.data!.receiveContact.contactId)).size).toBe(300);

    // The same 300 again, at once: absorbed, no second case.
    const again = await Promise.all(keys.map((key, i) => stack.graphql<{ receiveContact: { contactId: string; alreadyReceived: boolean } }>(RECEIVE, { input: input(key, boroughs[i % 3]) }, token)));
    expect(again.every((r) => r.data?.receiveContact.alreadyReceived === true)).toBe(true);

    const stored = await eventually(() => counts(stack, keys), (c) => c.recommendations === 300, 120_000);
    expect(stored).toEqual({ contacts: 300, recommendations: 300, received: 300, decided: 0 });
  });
});

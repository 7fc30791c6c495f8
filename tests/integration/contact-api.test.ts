import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { signToken } from '../../api/auth';
import { countByIdempotencyKey } from '../../db/contacts';
import { rulesetInForce } from '../../db/rulesets';
import { contactIdFor } from '../../db/ids';
import { contactWorkflowId } from '../../workflows/contact';
import { eventually, startStack, type TestStack } from '../support/stack';

// The API's clock is pinned so the contacts below (received in November 2026) stay valid input whenever the suite
// runs; workflows use real time, so those contacts' one-working-day deadlines have already passed.
const PINNED_NOW = new Date('2026-11-25T12:00:00Z');

const RECEIVE = `mutation Receive($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId reference alreadyReceived } }`;
const READ = `query Read($id: ID!) {
  contact(id: $id) {
    id borough reference status receivedAt receivedBy channel indicators summary consent rulesetVersion
    referrer { type referralSourceCode organisation }
    children { firstName lastName dateOfBirth expectedDateOfBirth }
    recommendation { levelOfNeed pathway rag decidingRuleId summary rulesetVersion rulesetHash
      rules { id fired conditions { fact factValue result } } }
    screening { outOfHours clockStartsAt dueDate dueAt }
  }
}`;

type Received = { receiveContact: { contactId: string; reference: string; alreadyReceived: boolean } };
type ContactView = {
  contact: {
    id: string; borough: string; reference: string; status: string; receivedAt: string; receivedBy: string; rulesetVersion: number; summary: string;
    referrer: { type: string; referralSourceCode: string; organisation: string | null };
    children: { firstName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }[];
    recommendation: { levelOfNeed: number; pathway: string; rag: string; decidingRuleId: string; summary: string; rulesetVersion: number; rulesetHash: string;
      rules: { id: string; fired: boolean; conditions: { fact: string; factValue: unknown; result: boolean | null }[] }[] } | null;
    screening: { outOfHours: boolean; clockStartsAt: string; dueDate: string; dueAt: string } | null;
  };
};

function contactInput(overrides: Record<string, unknown> = {}) {
  return {
    borough: 'hf',
    receivedAt: '2026-11-20T16:30:00Z', // a Friday, 16:30 in London (GMT): within office hours
    channel: 'PHONE',
    referrer: { type: 'HEALTH_VISITOR', organisation: 'Central London Community Healthcare' },
    children: [{ firstName: 'Ava', lastName: 'Example', dateOfBirth: '2026-08-20' }],
    indicators: ['PHYSICAL_INJURY'],
    summary: 'Bruising to the face of a three-month-old seen at a home visit.',
    consent: 'NOT_SOUGHT',
    ...overrides,
  };
}

let stack: TestStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ now: () => PINNED_NOW });
  for (const borough of ['hf', 'rbkc', 'wcc']) tokens[borough] = await stack.token({ user: `worker-${borough}`, boroughs: [borough] });
});
afterAll(async () => {
  await stack?.stop();
});

async function receive(input: Record<string, unknown>, token: string) {
  return stack.graphql<Received>(RECEIVE, { input }, token);
}

/** Reads a contact until the workflow has stored its recommendation and screening deadline. */
async function screened(id: string, token: string) {
  const result = await eventually(
    () => stack.graphql<ContactView>(READ, { id }, token),
    (r) => Boolean(r.data?.contact?.recommendation && r.data.contact.screening),
  );
  return result.data!.contact;
}

describe('receiving a contact', () => {
  it.each(['hf', 'rbkc', 'wcc'])('stores, recommends and times screening for borough %s', async (borough) => {
    const received = await receive(contactInput({ borough }), tokens[borough]!);
    expect(received.errors).toBeUndefined();
    const { contactId, reference, alreadyReceived } = received.data!.receiveContact;
    expect(alreadyReceived).toBe(false);
    expect(reference).toMatch(new RegExp(`^${borough.toUpperCase()}-261120-[0-9A-Z]{4}-[0-9A-Z]{4}$`));

    const contact = await screened(contactId, tokens[borough]!);
    expect(contact).toMatchObject({
      id: contactId,
      borough,
      reference,
      receivedAt: '2026-11-20T16:30:00.000Z',
      receivedBy: `worker-${borough}`,
      referrer: { type: 'HEALTH_VISITOR', referralSourceCode: '3B' },
      children: [{ firstName: 'Ava', dateOfBirth: '2026-08-20', expectedDateOfBirth: null }],
      rulesetVersion: (await rulesetInForce(stack.sql, borough, new Date('2026-11-20T16:30:00Z'))).version,
    });
    // Injury to a baby under one: the most serious threshold in every borough.
    const inForce = await rulesetInForce(stack.sql, borough, new Date('2026-11-20T16:30:00Z'));
    expect(contact.recommendation).toMatchObject({ levelOfNeed: 4, pathway: 'STRATEGY_DISCUSSION', rag: 'RED', decidingRuleId: 'inj-u1', rulesetVersion: inForce.version, rulesetHash: inForce.hash });
    expect(contact.recommendation!.summary).toContain('rule inj-u1');
    const decidingRule = contact.recommendation!.rules.find((rule) => rule.id === 'inj-u1')!;
    expect(decidingRule.fired).toBe(true);
    expect(decidingRule.conditions).toContainEqual({ fact: 'anyChildUnder1', factValue: true, result: true });
    // Friday 16:30 plus one working day: due at the close of Monday.
    expect(contact.screening).toEqual({ outOfHours: false, clockStartsAt: '2026-11-20T16:30:00.000Z', dueDate: '2026-11-23', dueAt: '2026-11-23T17:00:00.000Z' });
    // That deadline is long past in real time, so the workflow marks it overdue at once.
    const overdue = await eventually(() => stack.graphql<ContactView>(READ, { id: contactId }, tokens[borough]), (r) => r.data?.contact.status === 'SCREENING_OVERDUE');
    expect(overdue.data!.contact.status).toBe('SCREENING_OVERDUE');
  });

  // Handing over to the day team never extends the statutory clock: out of hours, the handover day is day 1.
  const OUT_OF_HOURS = [
    { when: 'Saturday 22:00', receivedAt: '2026-11-21T22:00:00Z', clockStartsAt: '2026-11-23T09:00:00.000Z', dueDate: '2026-11-23', dueAt: '2026-11-23T17:00:00.000Z' },
    { when: 'Tuesday 20:00', receivedAt: '2026-11-17T20:00:00Z', clockStartsAt: '2026-11-18T09:00:00.000Z', dueDate: '2026-11-18', dueAt: '2026-11-18T17:00:00.000Z' },
    { when: 'Tuesday 07:00, before opening', receivedAt: '2026-11-24T07:00:00Z', clockStartsAt: '2026-11-24T09:00:00.000Z', dueDate: '2026-11-24', dueAt: '2026-11-24T17:00:00.000Z' },
    // The summer bank holiday, in BST: 14:00 is 13:00 UTC, and Tuesday's close 16:00 UTC.
    { when: 'bank-holiday Monday 14:00', receivedAt: '2026-08-31T13:00:00Z', clockStartsAt: '2026-09-01T08:00:00.000Z', dueDate: '2026-09-01', dueAt: '2026-09-01T16:00:00.000Z' },
  ];
  const boroughsByCase = ['hf', 'rbkc', 'wcc'].flatMap((borough) => OUT_OF_HOURS.map((c) => ({ borough, ...c })));
  it.each(boroughsByCase)('in $borough, a contact received out of hours ($when) is due by the close of the handover day', async ({ borough, receivedAt, clockStartsAt, dueDate, dueAt }) => {
    const received = await receive(contactInput({ borough, receivedAt }), tokens[borough]!);
    expect(received.errors).toBeUndefined();
    const contactId = received.data!.receiveContact.contactId;
    const contact = await screened(contactId, tokens[borough]!);
    expect(contact.screening).toEqual({ outOfHours: true, clockStartsAt, dueDate, dueAt });
    const clock = await stack.graphql<{ contact: { screening: { computedUnder: string } } }>(`query ($id: ID!) { contact(id: $id) { screening { computedUnder } } }`, { id: contactId }, tokens[borough]);
    expect(clock.data!.contact.screening.computedUnder).toBe('HANDOVER_DAY_IS_DAY_1');
  });

  it('a contact received on a Friday at 16:59 is in office hours, and due at the close of Monday', async () => {
    const received = await receive(contactInput({ receivedAt: '2026-11-20T16:59:00Z' }), tokens.hf!);
    const contact = await screened(received.data!.receiveContact.contactId, tokens.hf!);
    expect(contact.screening).toEqual({ outOfHours: false, clockStartsAt: '2026-11-20T16:59:00.000Z', dueDate: '2026-11-23', dueAt: '2026-11-23T17:00:00.000Z' });
  });

  it('keeps a contact received just now awaiting screening until its deadline', async () => {
    const live = await startStack();
    try {
      const token = await live.token({ boroughs: ['hf'] });
      const received = await live.graphql<Received>(RECEIVE, { input: contactInput({ receivedAt: undefined }) }, token);
      const contact = (await eventually(() => live.graphql<ContactView>(READ, { id: received.data!.receiveContact.contactId }, token), (r) => Boolean(r.data?.contact?.screening))).data!.contact;
      expect(contact.status).toBe('AWAITING_SCREENING');
      expect(Date.parse(contact.screening!.dueAt)).toBeGreaterThan(Date.now());
      expect(Math.abs(Date.parse(contact.receivedAt) - Date.now())).toBeLessThan(60_000);
    } finally {
      await live.stop();
    }
  });

  it('recommends differently where borough thresholds differ (domestic abuse, child under 5)', async () => {
    const input = { indicators: ['DOMESTIC_ABUSE'], children: [{ firstName: 'Leo', lastName: 'Example', dateOfBirth: '2023-05-01' }], summary: 'Police attended a domestic incident; toddler present.' };
    const [hf, wcc] = await Promise.all([receive(contactInput({ ...input, borough: 'hf' }), tokens.hf!), receive(contactInput({ ...input, borough: 'wcc' }), tokens.wcc!)]);
    const hfContact = await screened(hf.data!.receiveContact.contactId, tokens.hf!);
    const wccContact = await screened(wcc.data!.receiveContact.contactId, tokens.wcc!);
    expect(hfContact.recommendation).toMatchObject({ levelOfNeed: 3, rag: 'AMBER', decidingRuleId: 'da-u5' });
    expect(wccContact.recommendation).toMatchObject({ levelOfNeed: 4, rag: 'RED', decidingRuleId: 'da-u5' });
  });

  it('records an unborn child by expected date of birth', async () => {
    const received = await receive(
      contactInput({ indicators: ['PARENTAL_SUBSTANCE_MISUSE'], children: [{ firstName: 'Unborn', lastName: 'Example', expectedDateOfBirth: '2027-02-01' }], referrer: { type: 'OTHER_PRIMARY_HEALTH', organisation: 'Midwifery' } }),
      tokens.hf!,
    );
    expect(received.errors).toBeUndefined();
    const contact = await screened(received.data!.receiveContact.contactId, tokens.hf!);
    expect(contact.children).toEqual([{ firstName: 'Unborn', lastName: 'Example', dateOfBirth: null, expectedDateOfBirth: '2027-02-01' }]);
  });
});

describe('idempotency', () => {
  it('returns the same contact for a retried request, and stores it once', async () => {
    const key = `retry-${randomUUID()}`;
    const input = contactInput({ idempotencyKey: key });
    const first = await receive(input, tokens.hf!);
    const second = await receive(input, tokens.hf!);
    expect(second.data!.receiveContact).toEqual({ ...first.data!.receiveContact, alreadyReceived: true });
    await screened(first.data!.receiveContact.contactId, tokens.hf!);
    expect(await countByIdempotencyKey(stack.sql, 'hf', key)).toBe(1);
  });

  it('makes one contact from concurrent duplicates', async () => {
    const key = `burst-${randomUUID()}`;
    const input = contactInput({ idempotencyKey: key });
    const results = await Promise.all(Array.from({ length: 6 }, () => receive(input, tokens.hf!)));
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(new Set(results.map((r) => r.data!.receiveContact.contactId)).size).toBe(1);
    expect(results.filter((r) => !r.data!.receiveContact.alreadyReceived)).toHaveLength(1);
    await screened(results[0]!.data!.receiveContact.contactId, tokens.hf!);
    expect(await countByIdempotencyKey(stack.sql, 'hf', key)).toBe(1);
  });

  it('refuses a reused key with different content, keeping the first contact', async () => {
    const key = `reuse-${randomUUID()}`;
    const first = await receive(contactInput({ idempotencyKey: key }), tokens.hf!);
    const other = await receive(contactInput({ idempotencyKey: key, summary: 'A different concern altogether.' }), tokens.hf!);
    expect(other.data).toBeNull();
    expect(other.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const contact = await screened(first.data!.receiveContact.contactId, tokens.hf!);
    expect(contact.summary).toBe('Bruising to the face of a three-month-old seen at a home visit.');
  });
});

describe('bad input', () => {
  it('names every problem and stores nothing', async () => {
    const key = `invalid-${randomUUID()}`;
    const result = await receive(
      contactInput({
        idempotencyKey: key,
        referrer: { type: 'ANONYMOUS', name: 'Someone' },
        children: [{ firstName: 'Ava', lastName: ' ', dateOfBirth: '2027-01-01' }, { firstName: 'Ben', lastName: 'Example' }],
        summary: '   ',
      }),
      tokens.hf!,
    );
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.problems?.map((p) => p.field)).toEqual([
      'input.referrer',
      'input.children[0].lastName',
      'input.children[0].dateOfBirth',
      'input.children[1]',
      'input.summary',
    ]);
    expect(result.errors?.[0]?.message).toContain('input.children[1]: give exactly one of dateOfBirth');
    expect(await countByIdempotencyKey(stack.sql, 'hf', key)).toBe(0);
    await expect(stack.temporal.workflow.getHandle(contactWorkflowId(contactIdFor('hf', key))).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('rejects an unknown indicator, naming the field', async () => {
    const result = await receive(contactInput({ indicators: ['BAD_VIBES'] }), tokens.hf!);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/indicators.*BAD_VIBES|BAD_VIBES.*ConcernIndicator/);
  });

  it('rejects two children with the same names and date of birth, who would be one child with one episode', async () => {
    const twin = { firstName: 'Baby', lastName: 'Example', expectedDateOfBirth: DateTime.now().plus({ months: 2 }).toISODate() };
    const result = await receive(contactInput({ children: [twin, { ...twin, firstName: ' baby ' }] }), tokens.hf!);
    expect(result.errors?.[0]?.extensions?.problems).toEqual([
      { field: 'input.children[1]', message: 'has the same names and date of birth as children[0]; give each child their own names (for unborn twins, e.g. "Twin 1" and "Twin 2")' },
    ]);
  });

  it('rejects an impossible date, naming the field', async () => {
    const result = await receive(contactInput({ children: [{ firstName: 'Ava', lastName: 'Example', dateOfBirth: '2026-02-30' }] }), tokens.hf!);
    expect(result.errors?.[0]?.message).toMatch(/dateOfBirth/);
    expect(result.errors?.[0]?.message).toMatch(/real calendar date/);
  });

  it('rejects an unknown borough, listing the caller\'s own, and tells someone without a front-door role nothing', async () => {
    const result = await receive(contactInput({ borough: 'xyz' }), tokens.hf!);
    expect(result.errors?.[0]?.extensions?.problems).toContainEqual({ field: 'input.borough', message: 'unknown borough "xyz"; yours: hf' });
    const auditor = await receive(contactInput({ borough: 'xyz' }), await stack.token({ user: 'aud', roles: ['auditor'], boroughs: ['hf'] }));
    expect(auditor.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/^receiveContact needs one of the roles practitioner, manager, mash_worker, out_of_hours \(you have: auditor\)/) as string });
    expect(JSON.stringify(auditor.errors)).not.toMatch(/rbkc|wcc/);
  });
});

describe('who may do what', () => {
  it('refuses a read of another borough\'s contact', async () => {
    const received = await receive(contactInput(), tokens.hf!);
    const id = received.data!.receiveContact.contactId;
    await screened(id, tokens.hf!);
    const asRbkc = await stack.graphql<ContactView>(READ, { id }, tokens.rbkc);
    expect(asRbkc.data).toBeNull();
    expect(asRbkc.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(asRbkc.errors?.[0]?.message).not.toContain('Ava');
  });

  it('refuses a write to another borough and stores nothing', async () => {
    const key = `cross-${randomUUID()}`;
    const result = await receive(contactInput({ borough: 'rbkc', idempotencyKey: key }), tokens.hf!);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('not authorised for borough "rbkc"');
    expect(await countByIdempotencyKey(stack.sql, 'rbkc', key)).toBe(0);
  });

  it('refuses a role that may not record contacts', async () => {
    const auditor = await stack.token({ roles: ['auditor'], boroughs: ['hf'] });
    const result = await receive(contactInput(), auditor);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('practitioner');
  });

  it('refuses callers without a valid token, saying why', async () => {
    const none = await receive(contactInput(), '');
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const expiredResult = await receive(contactInput(), await stack.token({ boroughs: ['hf'] }, '-1h'));
    expect(expiredResult.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(expiredResult.errors?.[0]?.message).toContain('expired');

    const forged = await signToken({ secret: 'not-the-configured-secret-at-all-000000', issuer: 'front-door' }, { userId: 'mallory', roles: ['manager'], boroughs: ['hf'] });
    const forgedResult = await receive(contactInput(), forged);
    expect(forgedResult.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(forgedResult.errors?.[0]?.message).toContain('not valid');
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, failing: [] });
  });
});

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contactWorkflowId } from '../../workflows/contact';
import { eventually, startStack, type TestStack } from '../support/stack';

// Issue 10, child characteristics: the census id every child gets, the characteristics a contact gives and a step on
// the episode changes, with who changed what and when, all through GraphQL as a caseworker or a data officer would,
// against real PostgreSQL and Temporal; and none of it in the API's logs or in clear in Temporal's history.

const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let stack: TestStack;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  stack = await startStack({ logger: pino({ level: 'trace' }, capture) });
  tokens.practitioner = await stack.token({ user: 'cc-pat', roles: ['practitioner'], boroughs: ['hf', 'rbkc'] });
  tokens.manager = await stack.token({ user: 'cc-max', roles: ['manager'], boroughs: ['hf'] });
  tokens.dataOfficer = await stack.token({ user: 'cc-dora', roles: ['data_officer'], boroughs: ['hf'] });
  tokens.mash = await stack.token({ user: 'cc-mo', roles: ['mash_worker'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

const CHILD = `censusId sex ethnicity disabilities upn upnUnknown deathDate characteristicChanges { field from to changedBy changedAt source }`;
interface ChildRead {
  firstName: string; censusId: string | null; sex: string | null; ethnicity: string | null; disabilities: string[] | null; upn: string | null; upnUnknown: string | null; deathDate: string | null;
  characteristicChanges: { field: string; from: string | null; to: string | null; changedBy: string; changedAt: string; source: string }[];
}

const NOTHING_RECORDED = { sex: null, ethnicity: null, disabilities: null, upn: null, upnUnknown: null, deathDate: null, characteristicChanges: [] };
/** Real UPNs from the DfE's guidance and the census validator's tests: their check letters are right. */
const UPN = 'H801200001001';
const OTHER_UPN = 'A950000178301';
const dob = (years: number) => DateTime.now().minus({ years, days: 17 }).toISODate();

type ChildInput = { firstName: string; lastName: string; dateOfBirth: string } & Record<string, unknown>;

/** Receives a contact about these children; resolves with its id once it is stored (the children recorded with it). */
async function receive(children: ChildInput[], options: { borough?: string; token?: string } = {}): Promise<string> {
  const token = options.token ?? tokens.practitioner!;
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>('mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }', {
    input: {
      borough: options.borough ?? 'hf', channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
      children, indicators: ['NEGLECT'], summary: 'Child often arrives hungry and unwashed at nursery.',
    },
  }, token);
  expect(received.errors, JSON.stringify(received.errors)).toBeUndefined();
  const contactId = received.data!.receiveContact.contactId;
  await eventually(() => readContact(contactId, token), (c) => c !== null);
  return contactId;
}

async function readContact(id: string, token = tokens.practitioner!): Promise<{ children: ChildRead[] } | null> {
  const read = await stack.graphql<{ contact: { children: ChildRead[] } | null }>(`query ($id: ID!) { contact(id: $id) { children { firstName ${CHILD} } } }`, { id }, token);
  return read.data?.contact ?? null;
}

/** Screens the contact as a referral for assessment; resolves with the child's episode. */
async function referred(contactId: string): Promise<string> {
  const decision = await eventually(
    () => stack.graphql<{ recordScreeningDecision: { status: string } }>(
      'mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }',
      { id: contactId, input: { pathway: 'S17_ASSESSMENT', levelOfNeed: 3, rag: 'AMBER', rationale: 'Needs an assessment of the care at home.', overrideReason: 'Decided on the facts for this test.', primaryNeed: 'N1' } },
      tokens.practitioner,
    ),
    (r) => r.errors === undefined || (r.errors[0]!.extensions?.code !== 'NOT_FOUND' && !/not yet recommended/.test(r.errors[0]!.message)),
  );
  expect(decision.errors, JSON.stringify(decision.errors)).toBeUndefined();
  const [row] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${contactId}`, (rows) => rows.length === 1);
  return row!.id;
}

async function episodeChild(caseId: string, token = tokens.practitioner!): Promise<ChildRead> {
  const read = await stack.graphql<{ episode: { child: ChildRead } }>(`query ($id: ID!) { episode(caseId: $id) { child { firstName ${CHILD} } } }`, { id: caseId }, token);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  return read.data!.episode.child;
}

async function timeline(caseId: string): Promise<{ kind: string; actor: string; detail: Record<string, unknown> }[]> {
  const read = await stack.graphql<{ case: { timeline: { kind: string; actor: string; detail: Record<string, unknown> }[] } }>('query ($id: ID!) { case(id: $id) { timeline { kind actor detail } } }', { id: caseId }, tokens.manager);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  return read.data!.case.timeline;
}

const RECORD = `mutation ($input: RecordChildCharacteristicsInput!) { recordChildCharacteristics(input: $input) { firstName ${CHILD} } }`;
async function record(input: Record<string, unknown>, token = tokens.practitioner!) {
  return stack.graphql<{ recordChildCharacteristics: ChildRead }>(RECORD, { input }, token);
}

const child = (first: string, extra: Record<string, unknown> = {}, years = 7): ChildInput => ({ firstName: first, lastName: `Census-${randomUUID().slice(0, 8)}`, dateOfBirth: dob(years), ...extra });
const changesOf = (c: ChildRead) => c.characteristicChanges.map(({ field, from, to, changedBy, source }) => ({ field, from, to, changedBy, source }));

describe('at contact', () => {
  it('records the characteristics a contact gives, and the contact and the episode read them back with their history', async () => {
    const contactId = await receive([child('Amara', { sex: 'F', ethnicity: 'BAFR', disabilities: ['MOB', 'AUT'], upn: UPN })]);
    const [onContact] = (await readContact(contactId))!.children;
    expect(onContact).toMatchObject({ sex: 'F', ethnicity: 'BAFR', disabilities: ['MOB', 'AUT'], upn: UPN, upnUnknown: null, deathDate: null });
    expect(onContact!.censusId).toMatch(/^HF\d{8}$/);
    expect(changesOf(onContact!)).toEqual(expect.arrayContaining([
      { field: 'sex', from: null, to: 'F', changedBy: 'cc-pat', source: 'CONTACT' },
      { field: 'ethnicity', from: null, to: 'BAFR', changedBy: 'cc-pat', source: 'CONTACT' },
      { field: 'disabilities', from: null, to: 'MOB,AUT', changedBy: 'cc-pat', source: 'CONTACT' },
      { field: 'upn', from: null, to: UPN, changedBy: 'cc-pat', source: 'CONTACT' },
    ]));
    expect(onContact!.characteristicChanges).toHaveLength(4);
    // The contact's timeline says which fields were recorded, never their values.
    const event = (await timeline(contactId)).find((e) => e.kind === 'CHILD_CHARACTERISTICS_RECORDED');
    expect(event).toMatchObject({ actor: 'cc-pat', detail: { child: 1, recorded: expect.arrayContaining(['sex', 'ethnicity', 'disabilities', 'upn']) as string[], differing: [] } });
    expect(JSON.stringify(event)).not.toContain(UPN);

    const caseId = await referred(contactId);
    expect(await episodeChild(caseId)).toEqual(onContact);
    // A manager, who reads cases, sees them too; the case's child is the same child.
    const asCase = await stack.graphql<{ case: { child: ChildRead } }>(`query ($id: ID!) { case(id: $id) { child { firstName ${CHILD} } } }`, { id: caseId }, tokens.manager);
    expect(asCase.data?.case.child).toEqual(onContact);
  });

  it('gives every child a census id of its own, and a child with nothing recorded reads back nulls', async () => {
    const contactId = await receive([child('Bea'), child('Cal', {}, 4)]);
    const [bea, cal] = (await readContact(contactId))!.children;
    expect(bea).toMatchObject(NOTHING_RECORDED);
    expect(cal).toMatchObject(NOTHING_RECORDED);
    expect(bea!.censusId).toMatch(/^HF\d{8}$/);
    expect(cal!.censusId).toMatch(/^HF\d{8}$/);
    expect(bea!.censusId).not.toBe(cal!.censusId);
    expect((await timeline(contactId)).map((e) => e.kind)).not.toContain('CHILD_CHARACTERISTICS_RECORDED');
  });

  it('keeps the census id on a later contact about the same child, fills only what was missing and never overwrites a recorded value', async () => {
    const first = child('Dev', { sex: 'M', upnUnknown: 'UN4' });
    const firstContact = await receive([first]);
    const [before] = (await readContact(firstContact))!.children;

    // The same child (names and date of birth, however spaced or cased), with a different sex and a UPN (the record
    // has a reason it is unknown), and an ethnicity not yet recorded.
    const again = { ...first, firstName: ' dev ', lastName: first.lastName.toUpperCase(), sex: 'F', upnUnknown: undefined, upn: UPN, ethnicity: 'AIND' };
    const laterContact = await receive([again]);
    const [after] = (await readContact(laterContact))!.children;
    expect(after!.censusId).toBe(before!.censusId);
    expect(after).toMatchObject({ sex: 'M', upnUnknown: 'UN4', upn: null, ethnicity: 'AIND' });
    expect(changesOf(after!).filter((c) => c.source === 'CONTACT')).toEqual(expect.arrayContaining([
      { field: 'sex', from: null, to: 'M', changedBy: 'cc-pat', source: 'CONTACT' },
      { field: 'upnUnknown', from: null, to: 'UN4', changedBy: 'cc-pat', source: 'CONTACT' },
      { field: 'ethnicity', from: null, to: 'AIND', changedBy: 'cc-pat', source: 'CONTACT' },
    ]));
    expect(after!.characteristicChanges).toHaveLength(3);
    // The later contact's timeline shows what it recorded and what differs from the record, for a caseworker to check.
    const event = (await timeline(laterContact)).find((e) => e.kind === 'CHILD_CHARACTERISTICS_RECORDED');
    expect(event?.detail).toEqual({ child: 1, recorded: ['ethnicity'], differing: expect.arrayContaining(['sex', 'upn']) as string[] });

    // Another borough knows the same names and date of birth as a different child, with its own census id.
    const elsewhere = await receive([first], { borough: 'rbkc' });
    const [there] = (await readContact(elsewhere))!.children;
    expect(there!.censusId).toMatch(/^RBKC\d{8}$/);
    expect(there).toMatchObject({ sex: 'M', upnUnknown: 'UN4', ethnicity: null });
    expect(there!.characteristicChanges).toHaveLength(2);
  });

  it('refuses characteristics that break the census rules, each with its path, and records nothing', async () => {
    const marker = randomUUID().slice(0, 8);
    const refused = await stack.graphql('mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }', {
      input: {
        borough: 'hf', channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' }, indicators: ['NEGLECT'],
        summary: `Refused contact ${marker}`,
        children: [
          child('Eve', { upn: 'Z801200001001' }),
          child('Fin', { upn: UPN, upnUnknown: 'UN1' }),
          child('Gus', { disabilities: ['NONE', 'MOB'] }),
          child('Hal', { disabilities: ['VIS', 'VIS'] }),
        ],
      },
    }, tokens.practitioner);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.extensions?.problems).toEqual([
      { field: 'input.children[0].upn', message: expect.stringMatching(/check letter .*census rule 1510/) as string },
      { field: 'input.children[1].upnUnknown', message: expect.stringMatching(/either the UPN or why it is unknown, not both/) as string },
      { field: 'input.children[2].disabilities', message: expect.stringMatching(/NONE \(no disability\) cannot be combined/) as string },
      { field: 'input.children[3].disabilities', message: expect.stringMatching(/more than once/) as string },
    ]);
    const [stored] = await stack.sql<{ count: number }[]>`select count(*)::int as count from contacts where summary = ${`Refused contact ${marker}`}`;
    expect(stored!.count).toBe(0);
  });
});

describe('on the episode (recordChildCharacteristics)', () => {
  it('changes values, records who changed what from what to what, and puts the field names on the timeline', async () => {
    const caseId = await referred(await receive([child('Ivo', { sex: 'U', upnUnknown: 'UN4' })]));

    const changed = await record({ caseId, upn: UPN, ethnicity: 'WBRI', disabilities: ['NONE'], reason: 'UPN confirmed with the school.' });
    expect(changed.errors, JSON.stringify(changed.errors)).toBeUndefined();
    const answer = changed.data!.recordChildCharacteristics;
    expect(answer).toMatchObject({ firstName: 'Ivo', sex: 'U', upn: UPN, upnUnknown: null, ethnicity: 'WBRI', disabilities: ['NONE'] });
    expect(changesOf(answer).filter((c) => c.source === 'EPISODE_STEP')).toEqual(expect.arrayContaining([
      { field: 'upn', from: null, to: UPN, changedBy: 'cc-pat', source: 'EPISODE_STEP' },
      // A UPN replaces the reason it was unknown.
      { field: 'upnUnknown', from: 'UN4', to: null, changedBy: 'cc-pat', source: 'EPISODE_STEP' },
      { field: 'ethnicity', from: null, to: 'WBRI', changedBy: 'cc-pat', source: 'EPISODE_STEP' },
      { field: 'disabilities', from: null, to: 'NONE', changedBy: 'cc-pat', source: 'EPISODE_STEP' },
    ]));
    expect(answer.characteristicChanges).toHaveLength(6);
    expect(await episodeChild(caseId)).toEqual(answer);

    // A data officer fixing a census gap: the UPN was mistyped, the child has a disability after all. Null clears.
    const fixed = await record({ caseId, upn: OTHER_UPN, disabilities: ['HEAR'], sex: null, reason: 'Corrected against the school census.' }, tokens.dataOfficer);
    expect(fixed.errors, JSON.stringify(fixed.errors)).toBeUndefined();
    const now = fixed.data!.recordChildCharacteristics;
    expect(now).toMatchObject({ upn: OTHER_UPN, disabilities: ['HEAR'], sex: null, ethnicity: 'WBRI' });
    expect(changesOf(now).filter((c) => c.changedBy === 'cc-dora')).toEqual(expect.arrayContaining([
      { field: 'upn', from: UPN, to: OTHER_UPN, changedBy: 'cc-dora', source: 'EPISODE_STEP' },
      { field: 'disabilities', from: 'NONE', to: 'HEAR', changedBy: 'cc-dora', source: 'EPISODE_STEP' },
      { field: 'sex', from: 'U', to: null, changedBy: 'cc-dora', source: 'EPISODE_STEP' },
    ]));
    expect(now.characteristicChanges).toHaveLength(9);

    // The same request again changes nothing more (a retry is safe).
    const repeat = await record({ caseId, upn: OTHER_UPN, disabilities: ['HEAR'], sex: null, reason: 'Corrected against the school census.' }, tokens.dataOfficer);
    expect(repeat.data!.recordChildCharacteristics.characteristicChanges).toHaveLength(9);

    const events = (await timeline(caseId)).filter((e) => e.kind === 'CHILD_CHARACTERISTICS_CHANGED');
    expect(events).toEqual([
      { kind: 'CHILD_CHARACTERISTICS_CHANGED', actor: 'cc-pat', detail: { fields: expect.arrayContaining(['upn', 'upnUnknown', 'ethnicity', 'disabilities']) as string[], reason: 'UPN confirmed with the school.' } },
      { kind: 'CHILD_CHARACTERISTICS_CHANGED', actor: 'cc-dora', detail: { fields: expect.arrayContaining(['upn', 'disabilities', 'sex']) as string[], reason: 'Corrected against the school census.' } },
    ]);
    expect(JSON.stringify(events)).not.toContain(UPN);
    expect(JSON.stringify(events)).not.toContain(OTHER_UPN);
  });

  it('records a date of death, and refuses one in the future or before birth, a bad UPN, a contact\'s case and an empty change, recording nothing', async () => {
    const born = dob(5);
    const contactId = await receive([{ ...child('Jo'), dateOfBirth: born }]);
    const caseId = await referred(contactId);
    const before = await episodeChild(caseId);
    const tomorrow = DateTime.now().setZone('Europe/London').plus({ days: 1 }).toISODate();
    const dayBeforeBirth = DateTime.fromISO(born).minus({ days: 1 }).toISODate();

    const cases: [Record<string, unknown>, { field: string; message: RegExp }[]][] = [
      [{ caseId, deathDate: tomorrow, reason: 'Reported by the hospital.' }, [{ field: 'input.deathDate', message: /is in the future/ }]],
      [{ caseId, deathDate: dayBeforeBirth, reason: 'Reported by the hospital.' }, [{ field: 'input.deathDate', message: /before the child's date of birth/ }]],
      [{ caseId, upn: 'Z801200001001', sex: 'F', reason: 'UPN from the school.' }, [{ field: 'input.upn', message: /check letter .*1510/ }]],
      [{ caseId, upn: UPN, upnUnknown: 'UN2', reason: 'UPN from the school.' }, [{ field: 'input.upnUnknown', message: /not both/ }]],
      [{ caseId, disabilities: ['NONE', 'LD'], reason: 'From the health visitor.' }, [{ field: 'input.disabilities', message: /cannot be combined/ }]],
      [{ caseId, sex: 'F', reason: 'short' }, [{ field: 'input.reason', message: /at least 10 characters/ }]],
      [{ caseId, reason: 'Nothing to change at all.' }, [{ field: 'input', message: /give at least one of/ }]],
      [{ caseId: contactId, sex: 'F', reason: 'Recorded on the contact.' }, [{ field: 'input.caseId', message: /is a contact at the front door, not a child's episode/ }]],
    ];
    for (const [input, problems] of cases) {
      const refused = await record(input);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.extensions?.problems).toEqual(problems.map((p) => ({ field: p.field, message: expect.stringMatching(p.message) as string })));
    }
    expect(await episodeChild(caseId)).toEqual(before);

    // Somebody without the role is refused; so is an episode outside the caller's boroughs.
    expect((await record({ caseId, sex: 'F', reason: 'Recorded by the MASH.' }, tokens.mash)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherBorough = await stack.token({ user: 'cc-west', roles: ['practitioner'], boroughs: ['wcc'] });
    expect((await record({ caseId, sex: 'F', reason: 'Recorded elsewhere.' }, otherBorough)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await episodeChild(caseId)).toEqual(before);

    const today = DateTime.now().setZone('Europe/London').toISODate();
    const died = await record({ caseId, deathDate: today, reason: 'Reported by the hospital.' }, tokens.manager);
    expect(died.errors, JSON.stringify(died.errors)).toBeUndefined();
    expect(died.data!.recordChildCharacteristics).toMatchObject({ deathDate: today, censusId: before.censusId });
    expect(changesOf(died.data!.recordChildCharacteristics)).toEqual([{ field: 'deathDate', from: null, to: today, changedBy: 'cc-max', source: 'EPISODE_STEP' }]);
  });
});

describe('personal data', () => {
  it('never puts characteristics in the logs, nor in clear in the contact\'s Temporal history', async () => {
    const upn = 'G80120000101A';
    const contactId = await receive([child('Kit', { upn, ethnicity: 'WIRT', disabilities: ['CON'] })]);
    const caseId = await referred(contactId);
    expect((await record({ caseId, upn: 'H243278544154', reason: 'UPN corrected by the school.' })).errors).toBeUndefined();

    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [upn, 'H243278544154', UPN, OTHER_UPN, 'WIRT', 'UPN corrected by the school']) expect(logs).not.toContain(secret);

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const raw = new Client({ connection, namespace: 'default' }); // no key: what the server stores
      const history = bytesIn(await raw.workflow.getHandle(contactWorkflowId(contactId)).fetchHistory()).join('\n');
      expect(history).toContain('binary/encrypted');
      for (const secret of [upn, 'WIRT']) expect(history).not.toContain(secret);
    } finally {
      await connection.close();
    }
  });
});

/** Every byte string anywhere in a protobuf object, as text (how anyone reading the raw history would see it). */
function bytesIn(value: unknown, found: string[] = []): string[] {
  if (value instanceof Uint8Array) found.push(Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const item of value) bytesIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) bytesIn(item, found);
  return found;
}

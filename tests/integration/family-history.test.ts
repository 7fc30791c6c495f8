import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fillMissingChildIds } from '../../db/family-history';
import { childIdFor } from '../../db/ids';
import { migrate } from '../../db/migrate';
import { rulesetInForce } from '../../db/rulesets';
import type { Sql } from '../../db/sql';
import { projectRoot } from '../../server/env';
import { eventually, startStack, type TestStack } from '../support/stack';

// Family history reaches the threshold rules: earlier contacts about the same child in the 12 months before a contact
// are counted from the record (same borough, same child by names and date of birth) before the rules run, the count is
// in the recommendation's text and facts, and `familyHistory` on the contact and its case shows what the decider
// should see. All through GraphQL over HTTP with the real worker, PostgreSQL and Temporal.

// The API's clock is real, except while a contact from more than a year ago is received (the API accepts contacts
// received within the last year of its clock).
let shift = 0;
let stack: TestStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ now: () => new Date(Date.now() + shift) });
  for (const borough of ['hf', 'rbkc', 'wcc']) {
    tokens[borough] = await stack.token({ user: `sw-${borough}`, roles: ['practitioner'], boroughs: [borough] });
    tokens[`${borough}-mash`] = await stack.token({ user: `mash-${borough}`, roles: ['mash_worker'], boroughs: [borough] });
  }
  tokens.auditor = await stack.token({ user: 'auditor', roles: ['auditor'], boroughs: ['hf', 'rbkc', 'wcc'] });
  tokens.manager = await stack.token({ user: 'tm-hf', roles: ['manager'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

const RECEIVE = 'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId reference } }';
const HISTORY = `familyHistory { previousContactsWithin12Months asOf windowStart reReferral
  earlierContacts { id reference receivedAt status indicators withinTwelveMonths recommendation { pathway decidingRuleId } decision { pathway decidedBy overridden } outcome }
  episodes { id reference stage pathway referralDate closedAt } plans { kind startDate endDate episodeId } }`;
const READ = `query ($id: ID!) { contact(id: $id) { id reference
  recommendation { levelOfNeed pathway rag decidingRuleId summary facts rules { id fired conditions { fact factValue result } } }
  ${HISTORY} } }`;
const READ_CASE = `query ($id: ID!) { case(id: $id) { id kind ${HISTORY} } }`;
const DECIDE = 'mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }';

type History = {
  previousContactsWithin12Months: number | null; asOf: string; windowStart: string; reReferral: boolean;
  earlierContacts: { id: string; reference: string; receivedAt: string; withinTwelveMonths: boolean; recommendation: { pathway: string; decidingRuleId: string } | null;
    decision: { pathway: string; decidedBy: string; overridden: boolean } | null; outcome: string | null }[];
  episodes: { id: string; reference: string; stage: string; pathway: string; referralDate: string; closedAt: string | null }[] | null;
  plans: { kind: string }[] | null;
};
type ContactView = {
  id: string; reference: string;
  recommendation: { levelOfNeed: number; pathway: string; rag: string; decidingRuleId: string; summary: string; facts: Record<string, unknown>;
    rules: { id: string; fired: boolean; conditions: { fact: string; factValue: unknown; result: boolean | null }[] }[] } | null;
  familyHistory: History | null;
};

interface Child { firstName: string; lastName: string; dateOfBirth: string }
const newChild = (): Child => ({ firstName: 'Mia', lastName: `History-${randomUUID().slice(0, 8)}`, dateOfBirth: '2019-03-04' });

/** Receives a contact (by default about neglect) about `children` in `borough`, received at `receivedAt`, and waits for its recommendation. */
async function neglectContact(borough: string, children: Child[], receivedAt: Date, indicators = ['NEGLECT'], token = tokens[borough]!): Promise<ContactView> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: {
    borough, receivedAt: receivedAt.toISOString(), channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'SCHOOL', organisation: 'Primary school' },
    children, indicators, summary: 'Child arrives hungry and unwashed; parents not engaging.',
  } }, token);
  expect(received.errors).toBeUndefined();
  return read(received.data!.receiveContact.contactId, token);
}

async function read(id: string, token: string): Promise<ContactView> {
  const result = await eventually(() => stack.graphql<{ contact: ContactView }>(READ, { id }, token), (r) => Boolean(r.data?.contact?.recommendation));
  expect(result.errors).toBeUndefined();
  return result.data!.contact;
}

/** The threshold of a borough's repeat rule in force: the earlier contacts needed for it to fire. */
async function repeatThreshold(borough: string, ruleId: string): Promise<number> {
  const { ruleset } = await rulesetInForce(stack.sql, borough, new Date());
  const rule = ruleset.rules.find((r) => r.id === ruleId);
  const leaf = (rule?.conditions as { all?: { fact?: string; operator?: string; value?: unknown }[] } | undefined)?.all
    ?.find((c) => c.fact === 'previousContactsWithin12Months' && c.operator === 'greaterThanInclusive');
  if (typeof leaf?.value !== 'number') throw new Error(`borough ${borough} has no ${ruleId} rule on previousContactsWithin12Months: ${JSON.stringify(rule)}`);
  return leaf.value;
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

describe('family history in the recommendation', () => {
  // The repeat rules of every borough (thresholds from the issue; checked against the ruleset in force): cumulative
  // neglect (level 4 RED) and additional needs with repeated contacts (level 3 AMBER).
  it.each([
    ['hf', 'neglect-repeat', 'NEGLECT', 3], ['rbkc', 'neglect-repeat', 'NEGLECT', 2], ['wcc', 'neglect-repeat', 'NEGLECT', 3],
    ['hf', 'repeat-l2', 'BEHAVIOUR', 3], ['rbkc', 'repeat-l2', 'BEHAVIOUR', 2], ['wcc', 'repeat-l2', 'BEHAVIOUR', 3],
  ])('%s %s: fires from %s contacts with %i earlier ones about the same child in 12 months, and nothing else counts', async (borough, ruleId, indicator, documented) => {
    const threshold = await repeatThreshold(borough, ruleId);
    expect(threshold).toBe(documented);
    const indicators = [indicator];
    const other = borough === 'hf' ? 'rbkc' : 'hf';
    const child = newChild();

    // Contacts that must not count: the same child more than 12 months before, in another borough, and a different
    // child (another date of birth; another first name).
    const longAgo = DateTime.now().minus({ months: 12, days: 2 }).toJSDate();
    shift = longAgo.getTime() + 60 * 60_000 - Date.now();
    const tooOld = await neglectContact(borough, [child], longAgo, indicators).finally(() => { shift = 0; });
    const elsewhere = await neglectContact(other, [child], minutesAgo(600), indicators);
    const otherBirthday = await neglectContact(borough, [{ ...child, dateOfBirth: '2019-03-05' }], minutesAgo(590), indicators);
    const otherName = await neglectContact(borough, [{ ...child, firstName: 'Max' }], minutesAgo(580), indicators);
    expect(tooOld.recommendation!.facts.previousContactsWithin12Months).toBe(0);

    // Earlier contacts one evening, the same child written differently (case and spaces do not make another child).
    const earlier: ContactView[] = [];
    for (let i = 0; i < threshold - 1; i++) {
      const written = i % 2 === 0 ? child : { ...child, firstName: ' MIA ', lastName: child.lastName.toUpperCase() };
      earlier.push(await neglectContact(borough, [written], minutesAgo(500 - i * 10), indicators));
      expect(earlier[i]!.recommendation!.facts.previousContactsWithin12Months).toBe(i);
    }

    // At the boundary (one fewer than the threshold) the repeat rule does not fire; at the threshold it decides.
    const below = await neglectContact(borough, [child], minutesAgo(300), indicators);
    expect(below.recommendation!.decidingRuleId).not.toBe(ruleId);
    if (indicator === 'NEGLECT') expect(below.recommendation).toMatchObject({ decidingRuleId: 'neglect', levelOfNeed: 3, rag: 'AMBER' });
    expect(below.recommendation!.facts.previousContactsWithin12Months).toBe(threshold - 1);
    expect(below.recommendation!.rules.find((r) => r.id === ruleId)).toMatchObject({
      fired: false, conditions: expect.arrayContaining([{ fact: 'previousContactsWithin12Months', factValue: threshold - 1, result: false }]) as unknown,
    });

    const repeat = await neglectContact(borough, [child], minutesAgo(200), indicators);
    expect(repeat.recommendation).toMatchObject(indicator === 'NEGLECT'
      ? { decidingRuleId: ruleId, levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED' }
      : { decidingRuleId: ruleId, levelOfNeed: 3, pathway: 'MASH_ENQUIRY', rag: 'AMBER' });
    expect(repeat.recommendation!.facts.previousContactsWithin12Months).toBe(threshold);
    expect(repeat.recommendation!.summary).toContain(`(rule ${ruleId}, version `);
    expect(repeat.recommendation!.summary).toContain(`Family history: ${threshold} earlier contacts about the same child(ren) in the 12 months before this one.`);
    expect(below.recommendation!.summary).toContain(`Family history: ${threshold - 1 === 1 ? '1 earlier contact' : `${threshold - 1} earlier contacts`} about the same child(ren)`);

    // What the decider sees: the count the rules used and every earlier contact, newest first; the old one is listed
    // but outside the 12 months; the other borough's and the other children's are not there.
    const history = repeat.familyHistory!;
    expect(history.previousContactsWithin12Months).toBe(threshold);
    expect(history.earlierContacts.map((c) => [c.reference, c.withinTwelveMonths])).toEqual([
      [below.reference, true], ...[...earlier].reverse().map((c) => [c.reference, true]), [tooOld.reference, false],
    ]);
    expect(history.earlierContacts[0]).toMatchObject({
      id: below.id, recommendation: { pathway: below.recommendation!.pathway, decidingRuleId: below.recommendation!.decidingRuleId }, decision: null, outcome: null,
    });
    const listed = history.earlierContacts.map((c) => c.id);
    for (const notCounted of [elsewhere, otherBirthday, otherName]) expect(listed).not.toContain(notCounted.id);
    expect(history).toMatchObject({ reReferral: false, episodes: [], plans: [] });
    expect(new Date(history.windowStart).getTime()).toBeLessThan(new Date(history.asOf).getTime());

    // The same on the contact's case; the MASH sees the contacts but not episodes or plans.
    const asCase = await stack.graphql<{ case: { kind: string; familyHistory: History } }>(READ_CASE, { id: repeat.id }, tokens[borough]);
    expect(asCase.errors).toBeUndefined();
    expect(asCase.data!.case).toMatchObject({ kind: 'CONTACT', familyHistory: history });
    const mash = await stack.graphql<{ contact: ContactView }>(READ, { id: repeat.id }, tokens[`${borough}-mash`]);
    expect(mash.errors).toBeUndefined();
    expect(mash.data!.contact.familyHistory).toMatchObject({ previousContactsWithin12Months: threshold, episodes: null, plans: null });
    expect(mash.data!.contact.familyHistory!.earlierContacts).toHaveLength(threshold + 1);
  });

  it('counts a contact about two children once, and a contact naming either child', async () => {
    const [ann, ben] = [newChild(), { ...newChild(), firstName: 'Ben', dateOfBirth: '2021-06-01' }];
    await neglectContact('rbkc', [ann, ben], minutesAgo(120));
    await neglectContact('rbkc', [ben], minutesAgo(110));
    const third = await neglectContact('rbkc', [ann], minutesAgo(100));
    expect(third.recommendation!.facts.previousContactsWithin12Months).toBe(1);
    const fourth = await neglectContact('rbkc', [ann, ben], minutesAgo(90));
    expect(fourth.recommendation!.facts.previousContactsWithin12Months).toBe(3);
    expect(fourth.recommendation!.decidingRuleId).toBe('neglect-repeat');
  });

  it('replayDecision uses the count (and consent) recorded at the time, after more contacts arrive and consent is given', async () => {
    const child = newChild();
    await neglectContact('rbkc', [child], minutesAgo(60));
    const second = await neglectContact('rbkc', [child], minutesAgo(50));
    expect(second.recommendation).toMatchObject({ decidingRuleId: 'neglect', facts: { previousContactsWithin12Months: 1 } });
    // More contacts about the child: received after it, and one back-dated to before it (recorded late).
    await neglectContact('rbkc', [child], minutesAgo(40));
    await neglectContact('rbkc', [child], minutesAgo(55));

    // Consent given since: the rules saw consent as it was on receipt (NOT_SOUGHT), and so does the replay.
    const consent = await stack.graphql('mutation ($id: ID!) { recordConsent(contactId: $id, status: GIVEN, note: "Mother agreed to checks by phone.") { status } }', { id: second.id }, tokens.rbkc);
    expect(consent.errors).toBeUndefined();
    await eventually(() => stack.sql<{ consent: string }[]>`select consent from contacts where borough = 'rbkc' and id = ${second.id}`, (rows) => rows[0]?.consent === 'GIVEN');

    const replay = await stack.graphql<{ replayDecision: { matches: boolean; differences: string[]; replayed: { decidingRuleId: string; summary: string; explanation: { facts: Record<string, unknown> } } } }>(
      'query ($id: ID!) { replayDecision(decisionId: $id) { matches differences replayed { decidingRuleId summary explanation { facts } } } }', { id: second.id }, tokens.auditor);
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.replayDecision).toMatchObject({ matches: true, differences: [], replayed: {
      decidingRuleId: 'neglect', summary: second.recommendation!.summary, explanation: { facts: { previousContactsWithin12Months: 1, consent: 'NOT_SOUGHT' } },
    } });
    expect(second.recommendation!.summary).toContain('Family history: 1 earlier contact about');
    // The contact itself still shows the count its rules used.
    expect((await read(second.id, tokens.rbkc!)).familyHistory!.previousContactsWithin12Months).toBe(1);
  });

  it('shows referrals and plans for the same child and a re-referral, on the contact and on the episode', async () => {
    const child = newChild();
    const first = await neglectContact('hf', [child], minutesAgo(30));
    const decided = await stack.graphql<{ recordScreeningDecision: { status: string } }>(DECIDE, { id: first.id, input: {
      pathway: 'S17_ASSESSMENT', levelOfNeed: 3, rag: 'AMBER', rationale: 'Needs a social work assessment of the neglect.', overrideReason: 'Known family; assessment rather than MASH checks.', primaryNeed: 'N1',
    } }, tokens.hf);
    expect(decided.errors).toBeUndefined();
    const [episode] = await eventually(() => stack.sql<{ id: string; reference: string }[]>`select id, reference from cases where borough = 'hf' and kind = 'EPISODE' and contact_id = ${first.id}`, (rows) => rows.length === 1);

    // Assessed, and a child in need plan made.
    const step = (name: string, input: Record<string, unknown> | null, token: string) => stack.graphql(
      input ? `mutation ($id: ID!, $input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(caseId: $id, input: $input) { stage } }` : `mutation ($id: ID!) { ${name}(caseId: $id) { stage } }`,
      { id: episode!.id, ...(input ? { input } : {}) }, token);
    expect((await step('startAssessment', null, tokens.hf!)).errors).toBeUndefined();
    expect((await step('completeAssessment', { factors: ['16A'], summary: 'Neglect: home conditions and missed health appointments.', childSeen: true }, tokens.manager!)).errors).toBeUndefined();
    expect((await step('createPlan', { kind: 'CIN' }, tokens.hf!)).errors).toBeUndefined();
    await eventually(() => stack.sql`select id from plans where borough = 'hf' and episode_id = ${episode!.id}`, (rows) => rows.length === 1);

    const second = await neglectContact('hf', [child], new Date());
    const history = second.familyHistory!;
    expect(history).toMatchObject({ previousContactsWithin12Months: 1, reReferral: true, plans: [{ kind: 'CIN', endDate: null }] });
    expect(history.earlierContacts).toEqual([expect.objectContaining({ id: first.id, decision: { pathway: 'S17_ASSESSMENT', decidedBy: 'sw-hf', overridden: true } })]);
    expect(history.episodes).toEqual([expect.objectContaining({ id: episode!.id, reference: episode!.reference, pathway: 'S17_ASSESSMENT', closedAt: null })]);

    // The episode's own history is as of the contact that opened it: the episode itself is not in it.
    const asEpisode = await stack.graphql<{ case: { kind: string; familyHistory: History } }>(READ_CASE, { id: episode!.id }, tokens.hf);
    expect(asEpisode.errors).toBeUndefined();
    expect(asEpisode.data!.case).toMatchObject({ kind: 'EPISODE', familyHistory: { previousContactsWithin12Months: 0, earlierContacts: [], episodes: [], plans: [], reReferral: false } });
  });
});

describe('migration 008', () => {
  it('backfills every existing child with the id the episode workflow uses', async () => {
    // A database as it was before 008 (a schema of its own), with children written as people type them.
    const schema = `fh_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await stack.sql.unsafe(`create schema ${schema}`);
    const db: Sql = postgres(inject('databaseUrl'), { max: 1, transform: postgres.camel, onnotice: () => {}, connection: { search_path: schema } });
    const migrations = path.join(projectRoot, 'db', 'migrations');
    const before = await fs.mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    try {
      for (const file of (await fs.readdir(migrations)).filter((f) => f < '008')) await fs.copyFile(path.join(migrations, file), path.join(before, file));
      expect(await migrate(db, before)).not.toContain('008_family_history.sql');
      const children = [
        { firstName: 'Ava', lastName: 'Example', dateOfBirth: '2020-01-02', expectedDateOfBirth: null },
        { firstName: ' JOHN ', lastName: 'Smith   Jones\t', dateOfBirth: '2015-07-31', expectedDateOfBirth: null },
        { firstName: 'Baby', lastName: 'Example', dateOfBirth: null, expectedDateOfBirth: '2027-02-01' },
        { firstName: 'Zoë', lastName: 'Ó Briain', dateOfBirth: '2018-05-05', expectedDateOfBirth: null },
        { firstName: 'Ｌｅａ', lastName: 'Ｗｉｄｅ', dateOfBirth: '2016-02-29', expectedDateOfBirth: null },
      ];
      const contactId = randomUUID();
      await db`
        insert into contacts (id, borough, reference, received_at, received_by, channel, referrer_type, referral_source_code, consent, indicators, summary, status)
        values (${contactId}, 'hf', ${`HF-MIGRATION-${contactId}`}, now(), 'tester', 'PHONE', 'SCHOOL', '5A', 'NOT_SOUGHT', ${['NEGLECT']}, 'Before 008.', 'RECEIVED')`;
      for (const [position, child] of children.entries()) {
        await db`insert into contact_children (contact_id, borough, position, first_name, last_name, date_of_birth, expected_date_of_birth)
          values (${contactId}, 'hf', ${position}, ${child.firstName}, ${child.lastName}, ${child.dateOfBirth}, ${child.expectedDateOfBirth})`;
      }
      const ids = async () => (await db<{ childId: string | null }[]>`select child_id from contact_children where contact_id = ${contactId} order by position`).map((r) => r.childId);
      const expected = children.map((child) => childIdFor('hf', child));

      // The SQL computes the ASCII names exactly as childIdFor; the others are left for childIdFor itself.
      await db.unsafe(await fs.readFile(path.join(migrations, '008_family_history.sql'), 'utf8'));
      expect(await ids()).toEqual([...expected.slice(0, 3), null, null]);
      expect(await fillMissingChildIds(db)).toBe(2);
      expect(await ids()).toEqual(expected);
      expect(await fillMissingChildIds(db)).toBe(0);
    } finally {
      await db.end();
      await stack.sql.unsafe(`drop schema ${schema} cascade`);
      await fs.rm(before, { recursive: true, force: true });
    }
  });
});

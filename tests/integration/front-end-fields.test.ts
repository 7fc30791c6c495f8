import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type GraphQLResult, type TestStack } from '../support/stack';

// What a front-end written from the README needs, through GraphQL over HTTP against a whole Front Door (worker, API,
// real PostgreSQL and Temporal): which child each case and episode is about, the episodes a contact became, the
// stages a case can be in, and the feedback owed to the referrer for each decision.

let stack: TestStack;
const tokens = { practitioner: '', manager: '', mash: '', otherBorough: '' };

beforeAll(async () => {
  stack = await startStack();
  tokens.practitioner = await stack.token({ user: 'sw-hf', roles: ['practitioner'], boroughs: ['hf'] });
  tokens.manager = await stack.token({ user: 'tm-hf', roles: ['manager'], boroughs: ['hf'] });
  tokens.mash = await stack.token({ user: 'mash-hf', roles: ['mash_worker'], boroughs: ['hf'] });
  tokens.otherBorough = await stack.token({ user: 'sw-rbkc', roles: ['practitioner', 'manager'], boroughs: ['rbkc'] });
});
afterAll(async () => {
  await stack?.stop();
});

const londonToday = () => DateTime.now().setZone('Europe/London').startOf('day');
const CHILD = 'number firstName lastName dateOfBirth expectedDateOfBirth';
const FEEDBACK = `referrerFeedback { decision decidedBy status audience text preparedAt sentAt reasonNone to { type name organisation contactDetails } }`;

type ChildView = { number: number; firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null };
type FeedbackView = {
  decision: string; decidedBy: string; status: string; audience: string | null; text: string | null; preparedAt: string | null; sentAt: string | null; reasonNone: string | null;
  to: { type: string; name: string | null; organisation: string | null; contactDetails: string | null };
};
type CaseView = { id: string; kind: string; stage: string; reference: string; contactId: string; child: ChildView | null; children: ChildView[] };

async function receive(input: Record<string, unknown>): Promise<string> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(
    'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
    { input: { borough: 'hf', channel: 'PHONE', consent: 'NOT_SOUGHT', indicators: ['NEGLECT'], summary: 'Children left alone overnight, seen by a neighbour.', ...input } },
    tokens.practitioner,
  );
  expect(received.errors).toBeUndefined();
  return received.data!.receiveContact.contactId;
}

/** Records a screening decision once the rules have recommended (moments after receipt). */
async function screen(contactId: string, decision: Record<string, unknown>) {
  const result = await eventually(
    () => stack.graphql<{ recordScreeningDecision: { status: string } }>(
      'mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }',
      { id: contactId, input: { overrideReason: 'Decided on the facts for this test.', ...decision } },
      tokens.practitioner,
    ),
    (r) => r.errors === undefined || (r.errors[0]!.extensions?.code !== 'NOT_FOUND' && !/not yet recommended/.test(r.errors[0]!.message)),
  );
  expect(result.errors).toBeUndefined();
}

async function mashDecision(contactId: string, args: Record<string, unknown>) {
  const result = await eventually(
    () => stack.graphql<{ recordMashDecision: { status: string } }>(
      'mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $primaryNeed: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, primaryNeed: $primaryNeed) { status } }',
      { id: contactId, ...args },
      tokens.manager,
    ),
    // The enquiry opens moments after the screening decision.
    (r) => r.errors === undefined || !/no MASH enquiry open/i.test(r.errors[0]!.message),
  );
  expect(result.errors).toBeUndefined();
}

async function feedbackOf(contactId: string, until: (feedback: FeedbackView[]) => boolean): Promise<FeedbackView[]> {
  const read = await eventually(
    () => stack.graphql<{ contact: { referrerFeedback: FeedbackView[] } }>(`query ($id: ID!) { contact(id: $id) { ${FEEDBACK} } }`, { id: contactId }, tokens.practitioner),
    (r) => r.data?.contact != null && until(r.data.contact.referrerFeedback),
  );
  return read.data!.contact.referrerFeedback;
}

const CASE = `id kind stage reference contactId child { ${CHILD} } children { ${CHILD} }`;

describe('a two-child contact from a professional, through a MASH enquiry to referral', () => {
  const lastName = `Example-${randomUUID().slice(0, 6)}`;
  const born = londonToday().minus({ years: 3 }).toISODate()!;
  const expected = londonToday().plus({ months: 2 }).toISODate()!;
  let contactId: string;
  let episodes: CaseView[];

  beforeAll(async () => {
    contactId = await receive({
      referrer: { type: 'HEALTH_VISITOR', name: 'Jo Visitor', organisation: 'Community health', contactDetails: 'jo.visitor@example.nhs.uk' },
      children: [{ firstName: 'Robin', lastName, dateOfBirth: born }, { firstName: 'Baby', lastName, expectedDateOfBirth: expected }],
    });
    await screen(contactId, { pathway: 'MASH_ENQUIRY', levelOfNeed: 3, rag: 'AMBER', rationale: 'Two young children, one unborn: checks with partners first.', primaryNeed: 'N2' });
    await mashDecision(contactId, { pathway: 'S17_ASSESSMENT', rationale: 'Checks confirm a pattern of neglect: assess both children.', primaryNeed: 'N2' });
    const read = await eventually(
      () => stack.graphql<{ contact: { status: string; episodes: CaseView[] } }>(`query ($id: ID!) { contact(id: $id) { status episodes { ${CASE} } } }`, { id: contactId }, tokens.practitioner),
      (r) => r.data?.contact?.status === 'REFERRED' && r.data.contact.episodes.length === 2,
    );
    episodes = read.data!.contact.episodes;
  });

  it('names on each episode the child it is about, matching the /1 and /2 of its reference', async () => {
    const reference = (await stack.graphql<{ contact: { reference: string } }>(`query ($id: ID!) { contact(id: $id) { reference } }`, { id: contactId }, tokens.practitioner)).data!.contact.reference;
    const robin = { number: 1, firstName: 'Robin', lastName, dateOfBirth: born, expectedDateOfBirth: null };
    const baby = { number: 2, firstName: 'Baby', lastName, dateOfBirth: null, expectedDateOfBirth: expected };
    expect(episodes).toEqual([
      { id: expect.any(String) as string, kind: 'EPISODE', stage: 'REFERRAL', reference: `${reference}/1`, contactId, child: robin, children: [robin] },
      { id: expect.any(String) as string, kind: 'EPISODE', stage: 'REFERRAL', reference: `${reference}/2`, contactId, child: baby, children: [baby] },
    ]);
    for (const [index, episode] of episodes.entries()) {
      const byCase = await stack.graphql<{ case: CaseView; episode: { reference: string; child: ChildView } }>(
        `query ($id: ID!) { case(id: $id) { ${CASE} } episode(caseId: $id) { reference child { ${CHILD} } } }`, { id: episode.id }, tokens.practitioner,
      );
      expect(byCase.errors).toBeUndefined();
      expect(byCase.data!.case).toEqual(episode);
      expect(byCase.data!.episode).toEqual({ reference: `${reference}/${index + 1}`, child: [robin, baby][index] });
    }
    // The contact's own case names both children, and is about no one child.
    const contactCase = await stack.graphql<{ case: CaseView }>(`query ($id: ID!) { case(id: $id) { ${CASE} } }`, { id: contactId }, tokens.practitioner);
    expect(contactCase.data!.case).toEqual({ id: contactId, kind: 'CONTACT', stage: 'REFERRED', reference, contactId, child: null, children: [robin, baby] });
  });

  it('finds the cases a contact became with cases(filter: { contactId }), open or closed, as the caller may read them', async () => {
    const CASES = `query ($contactId: ID!) { cases(filter: { contactId: $contactId }) { totalCount edges { node { id kind child { number } } } } }`;
    type Page = { cases: { totalCount: number; edges: { node: { id: string; kind: string; child: { number: number } | null } }[] } };
    const practitioner = await stack.graphql<Page>(CASES, { contactId }, tokens.practitioner);
    expect(practitioner.errors).toBeUndefined();
    expect(practitioner.data!.cases.totalCount).toBe(3);
    expect(new Set(practitioner.data!.cases.edges.map((e) => e.node.id))).toEqual(new Set([contactId, ...episodes.map((e) => e.id)]));

    // The MASH reads the front door only: the contact's case, and no episodes.
    const mash = await stack.graphql<Page>(CASES, { contactId }, tokens.mash);
    expect(mash.data!.cases.edges.map((e) => e.node)).toEqual([{ id: contactId, kind: 'CONTACT', child: null }]);
    const mashContact = await stack.graphql<{ contact: { episodes: unknown[] } }>(`query ($id: ID!) { contact(id: $id) { episodes { id } } }`, { id: contactId }, tokens.mash);
    expect(mashContact.errors).toBeUndefined();
    expect(mashContact.data!.contact.episodes).toEqual([]);
    // Not seeing episodes is a role rule (README, Errors): FORBIDDEN, naming the roles that may.
    const mashEpisode = await stack.graphql(`query ($id: ID!) { case(id: $id) { child { firstName } } }`, { id: episodes[0]!.id }, tokens.mash);
    expect(mashEpisode.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Another borough sees nothing of it.
    const elsewhere = await stack.graphql<Page>(CASES, { contactId }, tokens.otherBorough);
    expect(elsewhere.data!.cases.totalCount).toBe(0);
    const elsewhereCase = await stack.graphql(`query ($id: ID!) { case(id: $id) { child { firstName } } }`, { id: episodes[1]!.id }, tokens.otherBorough);
    expect(elsewhereCase.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const bad = await stack.graphql(CASES, { contactId: 'HF-261126-7K3Q-9XZP' }, tokens.practitioner);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'filter.contactId', message: expect.stringMatching(/is not a contact id/) as string }] });
  });

  it('tells the professional the screening outcome and then the MASH outcome, each addressed to them', async () => {
    const feedback = await feedbackOf(contactId, (f) => f.length === 2);
    const to = { type: 'HEALTH_VISITOR', name: 'Jo Visitor', organisation: 'Community health', contactDetails: 'jo.visitor@example.nhs.uk' };
    expect(feedback).toEqual([
      {
        decision: 'SCREENING', decidedBy: 'sw-hf', status: 'TO_SEND', audience: 'PROFESSIONAL', to, sentAt: null, reasonNone: null, preparedAt: expect.any(String) as string,
        text: 'Thank you for your referral. Outcome: multi-agency checks are being made in the MASH.',
      },
      {
        decision: 'MASH', decidedBy: 'tm-hf', status: 'TO_SEND', audience: 'PROFESSIONAL', to, sentAt: null, reasonNone: null, preparedAt: expect.any(String) as string,
        text: 'Thank you for your referral. Outcome: a social work assessment (section 17) will be carried out.',
      },
    ]);
  });
});

describe('referrer feedback', () => {
  it('tells a member of the public only that the concern was acted on, for the screening and the MASH outcome', async () => {
    const contactId = await receive({
      referrer: { type: 'MEMBER_OF_PUBLIC', name: 'A Neighbour', contactDetails: '020 7946 0000' },
      children: [{ firstName: 'Sam', lastName: `Example-${randomUUID().slice(0, 6)}`, dateOfBirth: londonToday().minus({ years: 6 }).toISODate() }],
    });
    await screen(contactId, { pathway: 'MASH_ENQUIRY', levelOfNeed: 2, rag: 'AMBER', rationale: 'Neighbour\'s account needs checking with school first.' });
    const rationale = 'School reports good attendance and a well cared-for child.';
    await mashDecision(contactId, { pathway: 'NO_FURTHER_ACTION', rationale });
    const feedback = await feedbackOf(contactId, (f) => f.length === 2);
    expect(feedback.map((f) => [f.decision, f.status, f.audience, f.to.name])).toEqual([
      ['SCREENING', 'TO_SEND', 'MEMBER_OF_PUBLIC', 'A Neighbour'],
      ['MASH', 'TO_SEND', 'MEMBER_OF_PUBLIC', 'A Neighbour'],
    ]);
    for (const f of feedback) {
      expect(f.text).toMatch(/considered by children's services and acted on as appropriate\. We cannot share details about a family/);
      // Confidentiality: nothing of the decision or its reasons.
      expect(f.text).not.toContain('School');
      expect(f.text).not.toMatch(/no further action|MASH/i);
    }
  });

  it('owes an anonymous referrer nothing, and says why', async () => {
    const contactId = await receive({
      referrer: { type: 'ANONYMOUS' },
      children: [{ firstName: 'Alex', lastName: `Example-${randomUUID().slice(0, 6)}`, dateOfBirth: londonToday().minus({ years: 9 }).toISODate() }],
    });
    await screen(contactId, { pathway: 'NO_FURTHER_ACTION', levelOfNeed: 1, rag: 'GREEN', rationale: 'No concern about the child\'s care could be identified.' });
    const feedback = await feedbackOf(contactId, (f) => f.length === 1);
    expect(feedback).toEqual([{
      decision: 'SCREENING', decidedBy: 'sw-hf', status: 'NOT_OWED', audience: null, text: null, preparedAt: null, sentAt: null,
      reasonNone: 'The referrer is anonymous: there is no one to tell.', to: { type: 'ANONYMOUS', name: null, organisation: null, contactDetails: null },
    }]);
  });
});

describe('the schema says what it holds and accepts', () => {
  type EnumValues = { __type: { enumValues: { name: string }[] } | null };
  const enumValues = async (name: string) => {
    const result = await stack.graphql<EnumValues>(`query ($name: String!) { __type(name: $name) { enumValues { name } } }`, { name }, tokens.practitioner);
    return result.data!.__type!.enumValues.map((v) => v.name);
  };

  it('types every case kind and stage stored (by every test that ran before this one) as an enum value, and a whole page of cases reads', async () => {
    const stages = await enumValues('CaseStage');
    const kinds = await enumValues('CaseKind');
    const stored = await stack.sql<{ kind: string; stage: string }[]>`select distinct kind, stage from cases`;
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(kinds).toContain(row.kind);
      expect(stages).toContain(row.stage);
    }
    // A contact's case waiting for screening has the name its contact's status has then.
    expect(stages).toContain('AWAITING_SCREENING');
    expect(stages).not.toContain('SCREENING');
    const page = await stack.graphql<{ cases: { edges: unknown[] } }>(`{ cases(first: 200, filter: { open: false }) { edges { node { kind stage child { number } children { number } } } } }`, {}, tokens.practitioner);
    expect(page.errors).toBeUndefined();
  });

  it('types plan-action due dates as Date, so "no date" is refused by the schema with what to send', async () => {
    const caseId = (await stack.sql<{ id: string }[]>`select id from cases where borough = 'hf' and kind = 'EPISODE' and closed_at is null limit 1`)[0]!.id;
    const sent: GraphQLResult<unknown> = await stack.graphql(
      'mutation ($caseId: ID!, $input: PlanActionInput!) { addPlanAction(caseId: $caseId, input: $input) { caseId } }',
      { caseId, input: { description: 'Health visitor to weigh the baby at home every Tuesday', responsibleAgency: 'HEALTH', dueDate: '', intendedOutcome: 'Steady weight gain for the baby' } },
      tokens.practitioner,
    );
    expect(sent.errors?.[0]?.message).toMatch(/Date must be a real calendar date "YYYY-MM-DD"; got ""/);
    const fields = await stack.graphql<{ __type: { inputFields: { name: string; type: { kind: string; name: string | null; ofType: { name: string } | null } }[] } }>(
      '{ __type(name: "PlanActionInput") { inputFields { name type { kind name ofType { name } } } } }', {}, tokens.practitioner,
    );
    expect(fields.data!.__type.inputFields.find((f) => f.name === 'dueDate')!.type).toEqual({ kind: 'NON_NULL', name: null, ofType: { name: 'Date' } });
  });
});

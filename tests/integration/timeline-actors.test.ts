import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type TestStack } from '../support/stack';

// Every timeline event names the person who took the step that caused it ('front-door' only for the engine's own
// timed steps): read back through the API as a caseworker sees it. A practitioner screens; a different user, a
// manager, makes the MASH decision, and the referral or closure that follows is theirs.

const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`;
const STATUS = `query ($id: ID!) { contact(id: $id) { status recommendation { pathway levelOfNeed rag } } }`;
const DECIDE = `mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`;
const MASH_DECISION = `mutation ($id: ID!, $pathway: Pathway!, $rationale: String!, $primaryNeed: String) { recordMashDecision(contactId: $id, pathway: $pathway, rationale: $rationale, primaryNeed: $primaryNeed) { status } }`;
const CASE = `query ($id: ID!) { case(id: $id) { closedAt timeline { kind actor } } }`;
const STEP = (name: string, inputType: string) => `mutation ($caseId: ID!, $input: ${inputType}!) { ${name}(caseId: $caseId, input: $input) { stage } }`;

type CaseView = { case: { closedAt: string | null; timeline: { kind: string; actor: string }[] } };

let stack: TestStack;
let screener: string;
let manager: string;
let otherPractitioner: string;

beforeAll(async () => {
  stack = await startStack();
  screener = await stack.token({ user: 'sam-screener', roles: ['practitioner'], boroughs: ['hf'] });
  manager = await stack.token({ user: 'mia-mash-manager', roles: ['manager'], boroughs: ['hf'] });
  otherPractitioner = await stack.token({ user: 'sol-social-worker', roles: ['practitioner'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

/** A neglect contact about a child of its own, with consent: the rules recommend a MASH enquiry. */
type Child = { firstName: string; lastName: string; dateOfBirth: string };
const aChild = (): Child => ({ firstName: 'Kit', lastName: `Example-${randomUUID().slice(0, 8)}`, dateOfBirth: '2016-05-05' });

async function receiveForMash(child: Child): Promise<{ id: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } }> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: {
    borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL', organisation: 'Fulham Primary' },
    children: [child],
    indicators: ['NEGLECT'], summary: 'Child often arrives hungry and in unwashed clothes.', consent: 'GIVEN',
  } }, screener);
  expect(received.errors).toBeUndefined();
  const id = received.data!.receiveContact.contactId;
  const ready = await eventually(
    () => stack.graphql<{ contact: { status: string; recommendation: { pathway: string; levelOfNeed: number; rag: string } | null } }>(STATUS, { id }, screener),
    (r) => r.data?.contact?.status === 'AWAITING_SCREENING',
  );
  const recommendation = ready.data!.contact.recommendation!;
  expect(recommendation.pathway).toBe('MASH_ENQUIRY');
  return { id, recommendation };
}

/** The screener sends the contact to the MASH; the manager decides where it goes. */
async function screenedThenMashDecided(pathway: string, primaryNeed: string | null, child = aChild()): Promise<string> {
  const { id, recommendation } = await receiveForMash(child);
  const screened = await stack.graphql(DECIDE, { id, input: { ...recommendation, rationale: 'Neglect concerns need multi-agency checks.' } }, screener);
  expect(screened.errors).toBeUndefined();
  const decided = await stack.graphql(MASH_DECISION, { id, pathway, rationale: 'Checks show a pattern of neglect over two years.', primaryNeed }, manager);
  expect(decided.errors).toBeUndefined();
  return id;
}

const episodeOf = async (contactId: string) =>
  (await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${contactId}`, (rows) => rows.length === 1))[0]!.id;

const actorsOf = (timeline: { kind: string; actor: string }[]) => Object.fromEntries(timeline.map((e) => [e.kind, e.actor]));

describe('the contact timeline after a manager\'s MASH decision', () => {
  it('names the manager on the referral (and on the episode it opens), and the screener on the screening', async () => {
    const id = await screenedThenMashDecided('S17_ASSESSMENT', 'N1');
    const referred = await eventually(() => stack.graphql<CaseView>(CASE, { id }, manager), (r) => Boolean(r.data?.case.timeline.some((e) => e.kind === 'REFERRED_TO_SOCIAL_CARE')));
    expect(actorsOf(referred.data!.case.timeline)).toMatchObject({
      CONTACT_RECEIVED: 'sam-screener',
      SCREENING_DECIDED: 'sam-screener',
      MASH_ENQUIRY_STARTED: 'sam-screener',
      MASH_DECIDED: 'mia-mash-manager',
      REFERRED_TO_SOCIAL_CARE: 'mia-mash-manager',
    });
    const [episode] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${id}`, (rows) => rows.length === 1);
    const opened = await eventually(() => stack.graphql<CaseView>(CASE, { id: episode!.id }, manager), (r) => Boolean(r.data?.case.timeline.length));
    expect(actorsOf(opened.data!.case.timeline)).toMatchObject({ EPISODE_OPENED: 'mia-mash-manager' });
  });

  it('names the manager on the closure when the MASH decision closes the contact', async () => {
    const id = await screenedThenMashDecided('NO_FURTHER_ACTION', null);
    const closed = await eventually(() => stack.graphql<CaseView>(CASE, { id }, manager), (r) => r.data?.case.closedAt != null);
    expect(actorsOf(closed.data!.case.timeline)).toMatchObject({ SCREENING_DECIDED: 'sam-screener', MASH_DECIDED: 'mia-mash-manager', CONTACT_CLOSED: 'mia-mash-manager' });
  });
});

describe('the episode timeline', () => {
  it('names who started the section 47 on the ICPC deadline it set, not the engine', async () => {
    const id = await screenedThenMashDecided('STRATEGY_DISCUSSION', 'N1');
    const [episode] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${id}`, (rows) => rows.length === 1);
    const caseId = episode!.id;
    const attendees = ['CHILDRENS_SOCIAL_CARE', 'POLICE', 'HEALTH', 'EDUCATION'].map((agency) => ({ agency, name: `${agency.toLowerCase()} lead`, role: 'Safeguarding lead', manager: agency === 'CHILDRENS_SOCIAL_CARE' }));
    const held = await eventually(
      () => stack.graphql(STEP('recordStrategyDiscussion', 'RecordStrategyDiscussionInput'), { caseId, input: { heldAt: new Date().toISOString(), attendees, outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [] } }, screener),
      // The episode may still be opening.
      (r) => r.errors?.[0]?.extensions?.code !== 'NOT_FOUND',
    );
    expect(held.errors).toBeUndefined();
    const started = await stack.graphql(STEP('startSection47', 'StartSection47Input'), { caseId, input: {} }, otherPractitioner);
    expect(started.errors).toBeUndefined();
    const timeline = await eventually(() => stack.graphql<CaseView>(CASE, { id: caseId }, manager), (r) => Boolean(r.data?.case.timeline.some((e) => e.kind === 'ICPC_DUE_SET')));
    expect(actorsOf(timeline.data!.case.timeline)).toMatchObject({
      EPISODE_OPENED: 'mia-mash-manager',
      STRATEGY_DISCUSSION_HELD: 'sam-screener',
      SECTION_47_STARTED: 'sol-social-worker',
      ICPC_DUE_SET: 'sol-social-worker',
    });
  });

  it('names who decided the referral on a re-referral, not the engine', async () => {
    const child = aChild();
    const first = await episodeOf(await screenedThenMashDecided('S17_ASSESSMENT', 'N1', child));
    const started = await eventually(
      () => stack.graphql(`mutation ($caseId: ID!) { startAssessment(caseId: $caseId) { stage } }`, { caseId: first }, otherPractitioner),
      (r) => r.errors?.[0]?.extensions?.code !== 'NOT_FOUND',
    );
    expect(started.errors).toBeUndefined();
    expect((await stack.graphql(STEP('completeAssessment', 'CompleteAssessmentInput'), { caseId: first, input: { factors: ['21'], summary: 'No factors identified; the family is coping.', childSeen: true } }, manager)).errors).toBeUndefined();
    expect((await stack.graphql(STEP('closeCase', 'CloseCaseInput'), { caseId: first, input: { reason: 'RC8', note: 'Assessed: no further action needed.' } }, manager)).errors).toBeUndefined();
    await eventually(() => stack.graphql<CaseView>(CASE, { id: first }, manager), (r) => r.data?.case.closedAt != null);

    // A second contact about the same child within 12 months, referred by the manager's MASH decision.
    const second = await episodeOf(await screenedThenMashDecided('S17_ASSESSMENT', 'N1', child));
    expect(second).not.toBe(first);
    const timeline = await eventually(() => stack.graphql<CaseView>(CASE, { id: second }, manager), (r) => Boolean(r.data?.case.timeline.some((e) => e.kind === 'RE_REFERRAL')));
    expect(actorsOf(timeline.data!.case.timeline)).toMatchObject({ EPISODE_OPENED: 'mia-mash-manager', RE_REFERRAL: 'mia-mash-manager' });
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/env';
import { contactWorkflowId } from '../../workflows/contact';
import { episodeWorkflowId } from '../../workflows/referral';
import { historyToFixture } from '../support/histories';
import { startStack, type TestStack } from '../support/stack';
import {
  agencyResponds, attendees, decideMash, decideScreening, episodeOf, episodeStep, receiveContact, recordConsent, requestAgency, screenable,
} from '../support/walk';

// A step's answer shows the state the step produced, and a read straight after the answer (no polling) shows no
// less: the MASH deadline, the outcome and CLOSED/REFERRED of a deciding step, consent, agency requests, an episode's
// stage and the deadlines a step set (issue 9, item 4). Over GraphQL against a whole Front Door.

let stack: TestStack;
let manager: string;

// Histories of the new paths (answers awaited in the handler, the stage after an assessment), recorded once when
// absent, for tests/integration/replay.test.ts.
const FIXTURES = path.join(projectRoot, 'tests', 'fixtures', 'histories');
async function recordFixture(name: string, workflowId: string): Promise<void> {
  const file = path.join(FIXTURES, name);
  if (await fs.stat(file).catch(() => null)) return;
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await handle.result();
  await fs.writeFile(file, historyToFixture(await handle.fetchHistory()));
}

beforeAll(async () => {
  stack = await startStack();
  manager = await stack.token({ user: 'tm-hf-answers', roles: ['manager'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

interface ContactRead { contact: { status: string; consent: string }; case: { stage: string; nextDueAt: string | null; closureReason: string | null; urgent: boolean } }
const readContact = async (id: string) => {
  const read = await stack.graphql<ContactRead>('query ($id: ID!) { contact(id: $id) { status consent } case(id: $id) { stage nextDueAt closureReason urgent } }', { id }, manager);
  expect(read.errors).toBeUndefined();
  return read.data!;
};

interface EpisodeRead { stage: string; level: string; section47s: { status: string; icpcDueDate: string | null }[]; assessments: { status: string; dueDate: string | null }[]; plans: { kind: string; nextReviewDueDate: string | null }[]; closedAt: string | null }
const readEpisode = async (caseId: string) => {
  const read = await stack.graphql<{ episode: EpisodeRead; case: { stage: string } }>(
    'query ($id: ID!) { episode(caseId: $id) { stage level section47s { status icpcDueDate } assessments { status dueDate } plans { kind nextReviewDueDate } closedAt } case(id: $id) { stage } }', { id: caseId }, manager,
  );
  expect(read.errors).toBeUndefined();
  return read.data!;
};

describe('a front-door step answers with what it produced, and a read straight after shows it', () => {
  it('a decision to a MASH enquiry answers its deadline, and the case shows that deadline at once', async () => {
    const id = await receiveContact(stack, manager);
    await screenable(stack, manager, id);
    const decided = await decideScreening(stack, manager, id, { pathway: 'MASH_ENQUIRY', rag: 'AMBER', primaryNeed: null });
    expect(decided.errors).toBeUndefined();
    const answer = decided.data!.recordScreeningDecision;
    expect(answer).toMatchObject({ status: 'MASH_ENQUIRY', outcome: null });
    expect(answer.mashDueAt).toEqual(expect.any(String));
    const read = await readContact(id);
    expect(read.contact.status).toBe('MASH_ENQUIRY');
    expect(read.case).toMatchObject({ stage: 'MASH_ENQUIRY', nextDueAt: answer.mashDueAt });
  });

  it('consent, agency requests and responses show at once; a MASH decision to refer answers REFERRED with its outcome, and so does the read', async () => {
    const id = await receiveContact(stack, manager);
    await screenable(stack, manager, id);
    expect((await decideScreening(stack, manager, id, { pathway: 'MASH_ENQUIRY', rag: 'AMBER', primaryNeed: null })).errors).toBeUndefined();

    const dispensed = await recordConsent(stack, manager, id, 'DISPENSED_WITH', 'RISK_OF_SIGNIFICANT_HARM');
    expect(dispensed.errors).toBeUndefined();
    expect(dispensed.data!.recordConsent.consent).toBe('DISPENSED_WITH');
    expect((await readContact(id)).contact.consent).toBe('DISPENSED_WITH');

    expect((await requestAgency(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    const [request] = await stack.sql<{ status: string }[]>`select status from agency_requests where contact_id = ${id} and agency = 'HEALTH'`;
    expect(request).toEqual({ status: 'REQUESTED' });
    expect((await agencyResponds(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    const [responded] = await stack.sql<{ status: string }[]>`select status from agency_requests where contact_id = ${id} and agency = 'HEALTH'`;
    expect(responded).toEqual({ status: 'RESPONDED' });

    const referred = await decideMash(stack, manager, id, 'S17_ASSESSMENT');
    expect(referred.errors).toBeUndefined();
    expect(referred.data!.recordMashDecision).toMatchObject({ status: 'REFERRED', outcome: 'S17_ASSESSMENT', consent: 'DISPENSED_WITH' });
    const read = await readContact(id);
    expect(read.contact.status).toBe('REFERRED');
    expect(read.case).toMatchObject({ stage: 'REFERRED', closureReason: 'S17_ASSESSMENT' });
    await recordFixture('contact-step-answers-mash-referral-hf.json', contactWorkflowId(id));
  });

  it('a referring screening decision answers REFERRED, a closing one CLOSED, and the reads agree at once', async () => {
    const referredId = await receiveContact(stack, manager);
    const closedId = await receiveContact(stack, manager, { consent: 'GIVEN' });
    await screenable(stack, manager, referredId);
    await screenable(stack, manager, closedId);

    const referred = await decideScreening(stack, manager, referredId, { pathway: 'STRATEGY_DISCUSSION', rag: 'RED', levelOfNeed: 4 });
    expect(referred.errors).toBeUndefined();
    expect(referred.data!.recordScreeningDecision).toMatchObject({ status: 'REFERRED', outcome: 'STRATEGY_DISCUSSION' });
    expect(await readContact(referredId)).toMatchObject({ contact: { status: 'REFERRED' }, case: { stage: 'REFERRED', closureReason: 'STRATEGY_DISCUSSION' } });

    const closed = await decideScreening(stack, manager, closedId, { pathway: 'EARLY_HELP', rag: 'GREEN', levelOfNeed: 2, primaryNeed: null });
    expect(closed.errors).toBeUndefined();
    expect(closed.data!.recordScreeningDecision).toMatchObject({ status: 'CLOSED', outcome: 'EARLY_HELP' });
    expect(await readContact(closedId)).toMatchObject({ contact: { status: 'CLOSED' }, case: { stage: 'CLOSED', closureReason: 'EARLY_HELP' } });
  });
});

describe('an episode step answers with what it produced, and episode(caseId) straight after shows it', () => {
  const required = () => stack.boroughs.get('hf')!.settings.strategyDiscussion.requiredAgencies;

  it('through a strategy discussion and a section 47 enquiry: the ICPC date is on the enquiry as soon as it is answered', async () => {
    const contactId = await receiveContact(stack, manager);
    await screenable(stack, manager, contactId);
    expect((await decideScreening(stack, manager, contactId, { pathway: 'STRATEGY_DISCUSSION', rag: 'RED', levelOfNeed: 4 })).errors).toBeUndefined();
    const caseId = await episodeOf(stack, contactId);

    const held = await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
      heldAt: new Date().toISOString(), attendees: attendees([...new Set(['CHILDRENS_SOCIAL_CARE', ...required()])]), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [],
    });
    expect(held.stage).toBe('SECTION_47');
    expect(held.deadlines.map((d) => d.what)).toEqual(['SECTION_47']);
    expect((await readEpisode(caseId)).episode.stage).toBe('SECTION_47');

    const started = await episodeStep(stack, manager, 'startSection47', 'StartSection47Input', caseId, {});
    const icpc = started.deadlines.find((d) => d.what === 'ICPC');
    expect(icpc?.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const read = await readEpisode(caseId);
    expect(read.episode).toMatchObject({ stage: started.stage, section47s: [{ status: 'OPEN', icpcDueDate: icpc!.dueDate }] });
    expect(read.case.stage).toBe(started.stage);

    const outcome = await episodeStep(stack, manager, 'recordSection47Outcome', 'Section47OutcomeInput', caseId, {
      enquiries: ['Saw the child at home', 'Spoke to the GP'], analysis: 'The injury is consistent with the account given; the parents engaged and the home is safe, so the child needs support rather than protection.', recommendation: 'CHILD_IN_NEED', recommendationDetail: 'Support through a CIN plan.',
    });
    expect((await readEpisode(caseId)).episode).toMatchObject({ stage: outcome.stage, section47s: [{ status: 'AWAITING_AUTHORISATION' }] });
    const authorised = await episodeStep(stack, manager, 'authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agree: a CIN plan after assessment.' });
    expect((await readEpisode(caseId)).episode).toMatchObject({ stage: authorised.stage, section47s: [{ status: 'COMPLETED' }] });
  });

  it('through an assessment: completing it answers a stage after the assessment, not the referral, and the reads agree; then a plan and closure', async () => {
    const contactId = await receiveContact(stack, manager);
    await screenable(stack, manager, contactId);
    expect((await decideScreening(stack, manager, contactId, { pathway: 'S17_ASSESSMENT', rag: 'AMBER', levelOfNeed: 3 })).errors).toBeUndefined();
    const caseId = await episodeOf(stack, contactId);

    const started = await episodeStep(stack, manager, 'startAssessment', null, caseId, null);
    expect(started.stage).toBe('ASSESSMENT');
    expect(await readEpisode(caseId)).toMatchObject({ episode: { stage: 'ASSESSMENT', assessments: [{ status: 'OPEN' }] }, case: { stage: 'ASSESSMENT' } });

    const completed = await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['3B'], summary: 'Neglect of basic care; the parents engage well.', childSeen: true });
    expect(completed.stage).toBe('ASSESSMENT_COMPLETED');
    expect(await readEpisode(caseId)).toMatchObject({ episode: { stage: 'ASSESSMENT_COMPLETED', assessments: [{ status: 'COMPLETED' }] }, case: { stage: 'ASSESSMENT_COMPLETED' } });

    const plan = await episodeStep(stack, manager, 'createPlan', 'CreatePlanInput', caseId, { kind: 'CIN' });
    expect(plan).toMatchObject({ stage: 'CIN_PLAN', level: 'CIN' });
    const review = plan.deadlines.find((d) => d.what === 'REVIEW');
    expect(await readEpisode(caseId)).toMatchObject({ episode: { stage: 'CIN_PLAN', level: 'CIN', plans: [{ kind: 'CIN', nextReviewDueDate: review!.dueDate }] }, case: { stage: 'CIN_PLAN' } });

    const closed = await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', caseId, { reason: 'RC8', note: 'Plan no longer needed after assessment.' });
    expect(closed.stage).toBe('CLOSED');
    expect(await readEpisode(caseId)).toMatchObject({ episode: { stage: 'CLOSED', closedAt: expect.any(String) as string }, case: { stage: 'CLOSED' } });
    const [row] = await stack.sql<{ childId: string }[]>`select child_id from cases where id = ${caseId}`;
    await recordFixture('episode-assessment-completed-cin-hf.json', episodeWorkflowId(row!.childId));
  });
});

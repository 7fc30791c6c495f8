import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type GraphQLResult, type TestStack } from '../support/stack';
import { decideScreening, episodeOf, episodeStep, receiveContact, screenable } from '../support/walk';

// Issue 10, early help and "child seen during the assessment", end to end over GraphQL (real PostgreSQL and
// Temporal): a CIN plan stepped down to early help with the organisation assessing; the early help assessment and
// outcome recorded by a caseworker; each state read back (open, assessed, ended) on `episode.earlyHelp` and on the
// case's timeline; a step up ending it with STEPPED_UP; every refusal with its message and path; and the assessment
// that must say whether the child was seen.

let stack: TestStack;
let practitioner: string;
let manager: string;
const practitionerId = `sw-eh-${randomUUID().slice(0, 6)}`;
const managerId = `tm-eh-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  stack = await startStack();
  practitioner = await stack.token({ user: practitionerId, roles: ['practitioner'], boroughs: ['hf'] });
  manager = await stack.token({ user: managerId, roles: ['manager'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

const today = () => DateTime.now().setZone('Europe/London').toISODate()!;
const tomorrow = () => DateTime.now().setZone('Europe/London').plus({ days: 1 }).toISODate()!;

const EARLY_HELP = 'id stepChangeId open startedOn organisation assessmentCompletedOn endedOn outcome outcomeNote recordedBy recordedAt endedBy';
interface EarlyHelpRead {
  id: string; stepChangeId: string | null; open: boolean; startedOn: string; organisation: string; assessmentCompletedOn: string | null; endedOn: string | null;
  outcome: string | null; outcomeNote: string | null; recordedBy: string; recordedAt: string; endedBy: string | null;
}
interface EpisodeRead {
  stage: string; level: string; closureReason: string | null;
  assessments: { status: string; childSeen: boolean | null }[];
  earlyHelp: EarlyHelpRead[];
}

async function readEpisode(caseId: string): Promise<EpisodeRead> {
  const read = await stack.graphql<{ episode: EpisodeRead }>(
    `query ($id: ID!) { episode(caseId: $id) { stage level closureReason assessments { status childSeen } earlyHelp { ${EARLY_HELP} } } }`, { id: caseId }, practitioner,
  );
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  return read.data!.episode;
}

async function timelineOf(caseId: string): Promise<{ kind: string; actor: string; detail: Record<string, unknown> }[]> {
  const read = await stack.graphql<{ case: { timeline: { kind: string; actor: string; detail: Record<string, unknown> }[] } }>(
    'query ($id: ID!) { case(id: $id) { timeline { kind actor detail } } }', { id: caseId }, practitioner,
  );
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  return read.data!.case.timeline;
}

/** A child referred for an s17 assessment: the assessment started, completed (child seen or not), and a CIN plan. */
async function childOnCinPlan(childSeen: boolean): Promise<string> {
  const contactId = await receiveContact(stack, practitioner);
  await screenable(stack, practitioner, contactId);
  const decided = await decideScreening(stack, practitioner, contactId, { pathway: 'S17_ASSESSMENT' });
  expect(decided.errors).toBeUndefined();
  const caseId = await episodeOf(stack, contactId);
  await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, practitioner), (r) => r.data?.episode?.stage === 'REFERRAL');
  await episodeStep(stack, practitioner, 'startAssessment', null, caseId, null);
  await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['3B'], summary: 'Neglect of basic care; the parents engage well.', childSeen });
  await episodeStep(stack, practitioner, 'createPlan', 'CreatePlanInput', caseId, { kind: 'CIN' });
  return caseId;
}

const STEP = 'caseId stage level recordId';
type StepAnswer = { caseId: string; stage: string; level: string; recordId: string | null };

function stepDown(caseId: string, input: Record<string, unknown>, token = manager): Promise<GraphQLResult<{ stepDown: StepAnswer }>> {
  return stack.graphql(`mutation ($caseId: ID!, $input: StepDownInput!) { stepDown(caseId: $caseId, input: $input) { ${STEP} } }`, { caseId, input }, token);
}
function recordEarlyHelpAssessment(caseId: string, completedOn: string): Promise<GraphQLResult<{ recordEarlyHelpAssessment: StepAnswer }>> {
  return stack.graphql(`mutation ($input: RecordEarlyHelpAssessmentInput!) { recordEarlyHelpAssessment(input: $input) { ${STEP} } }`, { input: { caseId, completedOn } }, practitioner);
}
function endEarlyHelp(caseId: string, input: Record<string, unknown>): Promise<GraphQLResult<{ endEarlyHelp: StepAnswer }>> {
  return stack.graphql(`mutation ($input: EndEarlyHelpInput!) { endEarlyHelp(input: $input) { ${STEP} } }`, { input: { caseId, ...input } }, practitioner);
}

/** A content refusal: BAD_USER_INPUT with exactly these problems (path → message pattern). */
function expectProblems(result: GraphQLResult<unknown>, problems: Record<string, RegExp>): void {
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  const found = result.errors![0]!.extensions!.problems!;
  expect(found.map((p) => p.field).sort()).toEqual(Object.keys(problems).sort());
  for (const p of found) expect(p.message).toMatch(problems[p.field]!);
}

function expectInvalidState(result: GraphQLResult<unknown>, message: RegExp): void {
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe('INVALID_STATE');
  expect(result.errors![0]!.message).toMatch(message);
}

describe('early help after a step down', () => {
  it('records the early help episode with the step down, then its assessment and outcome; each state reads back', async () => {
    const caseId = await childOnCinPlan(true);
    expect((await readEpisode(caseId)).assessments).toEqual([{ status: 'COMPLETED', childSeen: true }]);

    // A step down to early help must say who will do it, and when it started (not in the future).
    expectProblems(await stepDown(caseId, { to: 'EARLY_HELP', reason: 'Needs can now be met by the family hub.' }), { 'input.earlyHelp': /give the organisation that will assess/ });
    expectProblems(await stepDown(caseId, { to: 'EARLY_HELP', reason: 'Needs can now be met by the family hub.', earlyHelp: { organisation: 'x', startDate: tomorrow() } }), {
      'input.earlyHelp.organisation': /must say something/, 'input.earlyHelp.startDate': /is in the future/,
    });
    expect((await readEpisode(caseId)).earlyHelp, 'a refused step down records nothing').toEqual([]);

    const organisation = `Family hub North ${randomUUID().slice(0, 4)}`;
    const down = await stepDown(caseId, { to: 'EARLY_HELP', reason: 'Needs can now be met by the family hub.', earlyHelp: { organisation } });
    expect(down.errors).toBeUndefined();
    expect(down.data!.stepDown).toMatchObject({ caseId, stage: 'EARLY_HELP', level: 'EARLY_HELP', recordId: expect.any(String) as string });

    // Open: started today (the step's date) with the organisation, linked to the step down.
    const opened = await readEpisode(caseId);
    expect(opened).toMatchObject({ stage: 'EARLY_HELP', level: 'EARLY_HELP' });
    expect(opened.earlyHelp).toEqual([{
      id: down.data!.stepDown.recordId, stepChangeId: expect.any(String) as string, open: true, startedOn: today(), organisation, assessmentCompletedOn: null, endedOn: null,
      outcome: null, outcomeNote: null, recordedBy: managerId, recordedAt: expect.any(String) as string, endedBy: null,
    }]);
    const [stepChange] = await stack.sql<{ direction: string; fromLevel: string; toLevel: string }[]>`select direction, from_level, to_level from step_changes where id = ${opened.earlyHelp[0]!.stepChangeId}`;
    expect(stepChange).toEqual({ direction: 'DOWN', fromLevel: 'CIN', toLevel: 'EARLY_HELP' });

    // Assessed: once, not in the future.
    expectProblems(await recordEarlyHelpAssessment(caseId, tomorrow()), { 'input.completedOn': /is in the future/ });
    expect((await recordEarlyHelpAssessment(caseId, today())).errors).toBeUndefined();
    expect((await readEpisode(caseId)).earlyHelp).toMatchObject([{ open: true, assessmentCompletedOn: today(), endedOn: null, outcome: null }]);
    expectInvalidState(await recordEarlyHelpAssessment(caseId, today()), new RegExp(`^The early help assessment is already recorded as completed on ${today()}; it is recorded once\\.`));

    // The episode cannot close while early help is open: its outcome would be lost.
    const close = (reason: string) => stack.graphql(`mutation ($caseId: ID!, $input: CloseCaseInput!) { closeCase(caseId: $caseId, input: $input) { ${STEP} } }`,
      { caseId, input: { reason, note: 'Early help has finished its work with the family.' } }, manager);
    expectInvalidState(await close('RC7'), new RegExp(`^Early help with ${organisation} \\(since ${today()}\\) is open: record how it ended \\(endEarlyHelp`));

    // Ended: not STEPPED_UP (that is stepUp's), OTHER only with a note, not in the future.
    expectProblems(await endEarlyHelp(caseId, { endedOn: today(), outcome: 'STEPPED_UP' }), { 'input.outcome': /recorded with stepUp/ });
    expectProblems(await endEarlyHelp(caseId, { endedOn: tomorrow(), outcome: 'OTHER' }), { 'input.endedOn': /is in the future/, 'input.note': /must say something/ });
    const ended = await endEarlyHelp(caseId, { endedOn: today(), outcome: 'OTHER', note: 'Family asked to pause support over the summer.' });
    expect(ended.errors).toBeUndefined();
    expect(ended.data!.endEarlyHelp).toMatchObject({ stage: 'EARLY_HELP', level: 'EARLY_HELP', recordId: opened.earlyHelp[0]!.id });
    expect((await readEpisode(caseId)).earlyHelp).toEqual([{
      ...opened.earlyHelp[0], open: false, assessmentCompletedOn: today(), endedOn: today(), outcome: 'OTHER', outcomeNote: 'Family asked to pause support over the summer.', endedBy: practitionerId,
    }]);
    expectInvalidState(await endEarlyHelp(caseId, { endedOn: today(), outcome: 'NEEDS_MET' }), /^The early help episode on this case has ended/);
    expectInvalidState(await recordEarlyHelpAssessment(caseId, today()), /^The early help episode on this case has ended/);

    // Each step is on the case's timeline, by who took it.
    const timeline = await timelineOf(caseId);
    expect(timeline.filter((e) => e.kind.startsWith('EARLY_HELP_')).map((e) => [e.kind, e.actor, e.detail])).toEqual([
      ['EARLY_HELP_STARTED', managerId, { earlyHelpId: opened.earlyHelp[0]!.id, startedOn: today(), organisation }],
      ['EARLY_HELP_ASSESSMENT_COMPLETED', practitionerId, { earlyHelpId: opened.earlyHelp[0]!.id, completedOn: today() }],
      ['EARLY_HELP_ENDED', practitionerId, { earlyHelpId: opened.earlyHelp[0]!.id, endedOn: today(), outcome: 'OTHER', note: 'Family asked to pause support over the summer.' }],
    ]);

    // Now the manager may close it; the early help record stays on the episode.
    expect((await close('RC7')).errors).toBeUndefined();
    expect(await readEpisode(caseId)).toMatchObject({ stage: 'CLOSED', closureReason: 'RC7', earlyHelp: [{ open: false, outcome: 'OTHER' }] });
  });

  it('ends open early help with STEPPED_UP on a step up; nothing to end or assess when none is open', async () => {
    const caseId = await childOnCinPlan(false);
    expect((await readEpisode(caseId)).assessments).toEqual([{ status: 'COMPLETED', childSeen: false }]);
    expectInvalidState(await endEarlyHelp(caseId, { endedOn: today(), outcome: 'NEEDS_MET' }), /^There is no open early help episode on this case: early help starts with a manager's step down/);
    expectInvalidState(await recordEarlyHelpAssessment(caseId, today()), /^There is no open early help episode/);

    const down = await stepDown(caseId, { to: 'EARLY_HELP', reason: 'Needs can now be met by the family hub.', earlyHelp: { organisation: 'Family hub South', startDate: today() } });
    expect(down.errors).toBeUndefined();
    const up = await stack.graphql<{ stepUp: StepAnswer }>(`mutation ($caseId: ID!, $input: StepUpInput!) { stepUp(caseId: $caseId, input: $input) { ${STEP} } }`,
      { caseId, input: { to: 'CIN', reason: 'Neglect has worsened: the family hub asks for a plan.' } }, practitioner);
    expect(up.errors).toBeUndefined();
    expect(up.data!.stepUp).toMatchObject({ stage: 'CIN_PLAN', level: 'CIN' });
    const episode = await readEpisode(caseId);
    expect(episode.earlyHelp).toEqual([{
      id: down.data!.stepDown.recordId, stepChangeId: expect.any(String) as string, open: false, startedOn: today(), organisation: 'Family hub South', assessmentCompletedOn: null,
      endedOn: today(), outcome: 'STEPPED_UP', outcomeNote: 'Stepped up to a child in need plan: Neglect has worsened: the family hub asks for a plan.', recordedBy: managerId,
      recordedAt: expect.any(String) as string, endedBy: practitionerId,
    }]);
    expectInvalidState(await endEarlyHelp(caseId, { endedOn: today(), outcome: 'NEEDS_MET' }), /^There is no open early help episode/);
    expect((await timelineOf(caseId)).filter((e) => e.kind === 'EARLY_HELP_ENDED').map((e) => [e.actor, e.detail.outcome])).toEqual([[practitionerId, 'STEPPED_UP']]);
  });
});

describe('child seen during the assessment', () => {
  it('is required to complete an assessment (the schema refuses without it); nothing is recorded then', async () => {
    const contactId = await receiveContact(stack, practitioner);
    await screenable(stack, practitioner, contactId);
    expect((await decideScreening(stack, practitioner, contactId, { pathway: 'S17_ASSESSMENT' })).errors).toBeUndefined();
    const caseId = await episodeOf(stack, contactId);
    await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, practitioner), (r) => r.data?.episode?.stage === 'REFERRAL');
    await episodeStep(stack, practitioner, 'startAssessment', null, caseId, null);
    const without = await stack.graphql(`mutation ($caseId: ID!, $input: CompleteAssessmentInput!) { completeAssessment(caseId: $caseId, input: $input) { ${STEP} } }`,
      { caseId, input: { factors: ['3B'], summary: 'Neglect of basic care; the parents engage well.' } }, manager);
    expect(without.data ?? null).toBeNull();
    expect(without.errors?.[0]?.message).toMatch(/Field "childSeen" of required type "Boolean!" was not provided/);
    expect((await readEpisode(caseId)).assessments).toEqual([{ status: 'OPEN', childSeen: null }]);
  });
});

import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { addOfficeHours, addWorkingDays, isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { episodeWorkflowId } from '../../workflows/referral';
import { historyToFixture } from '../support/histories';
import { eventually, startStack, type GraphQLResult, type TestStack } from '../support/stack';
import { attendees, decideScreening, episodeOf, episodeStep, receiveContact, screenable, type EpisodeStepAnswer } from '../support/walk';

// Statutory visits (issue 10) over GraphQL against a whole Front Door: a visit recorded on a child's episode and read
// back; on a CP or CIN plan it restarts the plan's visit clock by the borough's setting (hf: the London procedures'
// 10 and 20 working days; a test borough "tst", added as a folder, 5 and 8); a visit in which the child was not seen
// leaves the deadline standing; a missed visit escalates up the borough's VISIT ladder; plan ends move the clock.
// Temporal runs on the time-skipping server (the API's clock follows it), so conferences fall on working days and
// deadlines can pass.

let env: TestWorkflowEnvironment;
let stack: TestStack;
let offsetMs = 0;
const tokens = { hf: '', hfPractitioner: '', tst: '', outOfHours: '', rbkc: '' };

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  // A throwaway borough "tst": hf's settings with visits every 5 working days on a CP plan and 8 on a CIN plan.
  const configDir = path.join(inject('scratchDir'), `borough-config-visits-${randomUUID()}`);
  await fs.cp(path.join(projectRoot, 'borough-config'), configDir, { recursive: true });
  await fs.mkdir(path.join(configDir, 'tst'));
  const settings = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'borough.json'), 'utf8')) as { clocks: Record<string, unknown> };
  await fs.writeFile(path.join(configDir, 'tst', 'borough.json'), JSON.stringify({
    ...settings, code: 'tst', name: 'Test borough', clocks: { ...settings.clocks, cpVisitWorkingDays: 5, cinVisitWorkingDays: 8 },
  }));
  const rules = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'thresholds.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(configDir, 'tst', 'thresholds.json'), JSON.stringify({ ...rules, borough: 'tst' }));
  stack = await startStack({ boroughConfigDir: configDir, temporalAddress: env.address, now: () => new Date(Date.now() + offsetMs) });
  tokens.hf = await stack.token({ user: 'tm-hf-visits', roles: ['manager'], boroughs: ['hf'] }, '4h');
  tokens.hfPractitioner = await stack.token({ user: 'sw-hf-visits', roles: ['practitioner'], boroughs: ['hf'] }, '4h');
  tokens.tst = await stack.token({ user: 'tm-tst-visits', roles: ['manager'], boroughs: ['tst'] }, '4h');
  tokens.outOfHours = await stack.token({ user: 'edt-hf-visits', roles: ['out_of_hours'], boroughs: ['hf'] }, '4h');
  tokens.rbkc = await stack.token({ user: 'sw-rbkc-visits', roles: ['practitioner', 'manager'], boroughs: ['rbkc'] }, '4h');
}, 120_000);
// Each test's episodes end with it, so that their clocks do not fire on through the next test's jumps in time.
const episodes: string[] = [];
afterEach(async () => {
  for (const caseId of episodes.splice(0)) {
    const [row] = await stack.sql<{ childId: string }[]>`select child_id from episodes where id = ${caseId}`;
    if (row) await stack.temporal.workflow.getHandle(episodeWorkflowId(row.childId)).terminate('test finished').catch(() => undefined);
  }
});
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

// ---- the clock ----

async function skipTo(at: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (at.getTime() > now) await env.sleep(at.getTime() - now);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}

const calendar = (borough: string) => stack.boroughs.get(borough)!.calendar;
const today = async () => DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' }).toISODate()!;

/** To 10:00 London on the next working day (or today, if before 10:00 on one). */
async function toWorkingMorning(next = false): Promise<void> {
  const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' });
  let day = now.hour < 10 && !next ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!isWorkingDay(day.toISODate()!, calendar('hf'))) day = day.plus({ days: 1 });
  await skipTo(day.set({ hour: 10 }).toJSDate());
}

/** The date `n` working days after a local date (counted from midday on it), in the borough's calendar. */
const workingDaysAfter = (borough: string, date: string, n: number) =>
  addWorkingDays(DateTime.fromISO(`${date}T12:00`, { zone: 'Europe/London' }).toJSDate(), n, calendar(borough)).dueDate;

// ---- the walk to a plan ----

/** A child referred in `borough`, through a strategy discussion, s47 and conference to a CP plan starting today. */
async function childOnCpPlan(borough: string, token: string): Promise<{ caseId: string; planStart: string; conference: EpisodeStepAnswer }> {
  const contactId = await receiveContact(stack, token, {
    borough, consent: 'GIVEN', children: [{ firstName: 'Kit', lastName: `Visit-${randomUUID().slice(0, 8)}`, dateOfBirth: DateTime.now().minus({ years: 5 }).toISODate() }],
  });
  await screenable(stack, token, contactId);
  expect((await decideScreening(stack, token, contactId, { pathway: 'STRATEGY_DISCUSSION', rag: 'RED', levelOfNeed: 4 })).errors).toBeUndefined();
  const caseId = await episodeOf(stack, contactId);
  episodes.push(caseId);
  await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, token), (r) => r.data?.episode?.stage === 'STRATEGY_DISCUSSION');
  const required = [...new Set(['CHILDRENS_SOCIAL_CARE', ...stack.boroughs.get(borough)!.settings.strategyDiscussion.requiredAgencies])];
  await episodeStep(stack, token, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
    heldAt: new Date(Date.now() + offsetMs - 30_000).toISOString(), attendees: attendees(required), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [],
  });
  await episodeStep(stack, token, 'startSection47', 'StartSection47Input', caseId, {});
  await episodeStep(stack, token, 'recordSection47Outcome', 'Section47OutcomeInput', caseId, {
    enquiries: ['Saw the child alone at school', 'Spoke to the GP and the health visitor'], recommendation: 'CONVENE_ICPC', recommendationDetail: 'Likely significant harm: convene a conference.',
    analysis: 'The injuries and the account given do not match, and the household has a history of violence; the child is at continuing risk.',
  });
  await episodeStep(stack, token, 'authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agreed: convene the initial conference.' });
  const planStart = await today();
  const conference = await episodeStep(stack, token, 'recordInitialConference', 'InitialConferenceInput', caseId, { heldOn: planStart, outcome: 'CP_PLAN', categoryOfAbuse: 'NEG', note: null });
  return { caseId, planStart, conference };
}

// ---- the replay fixture ----

const FIXTURES = path.join(projectRoot, 'tests', 'fixtures', 'histories');
/** Records a closed episode's history once, when absent (its workflow's result awaited without unlocking the time-skipping clock: `stack.temporal` is not the test environment's client). */
async function recordFixture(name: string, caseId: string): Promise<void> {
  const file = path.join(FIXTURES, name);
  if (await fs.stat(file).catch(() => null)) return;
  const [row] = await stack.sql<{ childId: string }[]>`select child_id from episodes where id = ${caseId}`;
  const handle = stack.temporal.workflow.getHandle(episodeWorkflowId(row!.childId));
  await handle.result();
  await fs.writeFile(file, historyToFixture(await handle.fetchHistory()));
}

// ---- reading ----

const RECORD_VISIT = `mutation ($input: RecordVisitInput!) { recordVisit(input: $input) { caseId stage level recordId deadlines { what dueAt dueDate } } }`;
const recordVisit = (input: Record<string, unknown>, token: string) => stack.graphql<{ recordVisit: EpisodeStepAnswer }>(RECORD_VISIT, { input }, token);
const aVisit = async (caseId: string, overrides: Record<string, unknown> = {}) => ({
  caseId, visitedOn: await today(), visitor: 'Ana Duarte, social worker', childSeen: true, seenAlone: true, note: 'Saw Kit in their bedroom; home warm and food in the cupboards.', ...overrides,
});

async function visited(caseId: string, input: Record<string, unknown>, token: string): Promise<EpisodeStepAnswer> {
  const answer = await recordVisit(input, token);
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return answer.data!.recordVisit;
}

interface Shown {
  episode: {
    plans: { id: string; kind: string; endDate: string | null; nextVisitDueDate: string | null }[];
    visits: { id: string; visitedOn: string; visitor: string; childSeen: boolean; seenAlone: boolean; note: string; dueDate: string | null; withinTimescale: boolean | null; planId: string | null; planKind: string | null; recordedBy: string; recordedAt: string }[];
  };
  case: {
    openTasks: { kind: string; title: string; dueDate: string | null }[];
    timeline: { kind: string; actor: string; detail: Record<string, unknown> }[];
    escalations: { stage: string; subject: string; rung: number; notify: string; dueAt: string }[];
  };
}
const SHOWN = `query ($id: ID!) {
  episode(caseId: $id) {
    plans { id kind endDate nextVisitDueDate }
    visits { id visitedOn visitor childSeen seenAlone note dueDate withinTimescale planId planKind recordedBy recordedAt }
  }
  case(id: $id) { openTasks { kind title dueDate } timeline { kind actor detail } escalations { stage subject rung notify dueAt } }
}`;
/** What a caseworker sees of the case, once `done` holds (the records catch up with a step's answer at once, escalations in a moment). */
async function shown(caseId: string, token: string, done: (s: Shown) => boolean = () => true): Promise<Shown> {
  const result = await eventually(() => stack.graphql<Shown>(SHOWN, { id: caseId }, token), (r: GraphQLResult<Shown>) => r.errors === undefined && r.data != null && done(r.data));
  return result.data!;
}
const visitTasks = (s: Shown) => s.case.openTasks.filter((t) => t.kind === 'VISIT');

describe('a statutory visit', () => {
  it('on a CP plan is recorded and read back, restarts the visit clock by the borough\'s setting, and a step down to CIN starts the CIN frequency', async () => {
    await toWorkingMorning();
    const hf = await childOnCpPlan('hf', tokens.hf);
    const tst = await childOnCpPlan('tst', tokens.tst);

    // The first visit is due the borough's number of working days from the plan's start: 10 in hf, 5 in tst.
    const firstDue = { hf: workingDaysAfter('hf', hf.planStart, 10), tst: workingDaysAfter('tst', tst.planStart, 5) };
    expect(firstDue.hf).not.toBe(firstDue.tst);
    expect(hf.conference.deadlines.find((d) => d.what === 'VISIT')?.dueDate).toBe(firstDue.hf);
    expect(tst.conference.deadlines.find((d) => d.what === 'VISIT')?.dueDate).toBe(firstDue.tst);
    const before = await shown(hf.caseId, tokens.hf);
    expect(before.episode.plans).toEqual([expect.objectContaining({ kind: 'CP', nextVisitDueDate: firstDue.hf })]);
    expect(visitTasks(before)).toEqual([{ kind: 'VISIT', title: 'Statutory visit due: see the child (child protection plan)', dueDate: firstDue.hf }]);
    expect(before.episode.visits).toEqual([]);

    // The next working day, a practitioner sees the child alone: the visit met the deadline, and the next is due from it.
    await toWorkingMorning(true);
    const visitDay = await today();
    const input = await aVisit(hf.caseId);
    const answer = await visited(hf.caseId, input, tokens.hfPractitioner);
    const nextDue = { hf: workingDaysAfter('hf', visitDay, 10), tst: workingDaysAfter('tst', visitDay, 5) };
    expect(answer).toMatchObject({ caseId: hf.caseId, stage: 'CP_PLAN', level: 'CP', recordId: expect.any(String) as string, deadlines: [{ what: 'VISIT', dueDate: nextDue.hf }] });
    const after = await shown(hf.caseId, tokens.hf);
    const cpPlan = after.episode.plans[0]!;
    expect(after.episode.visits).toEqual([{
      id: answer.recordId, visitedOn: visitDay, visitor: 'Ana Duarte, social worker', childSeen: true, seenAlone: true, note: input.note, dueDate: firstDue.hf, withinTimescale: true,
      planId: cpPlan.id, planKind: 'CP', recordedBy: 'sw-hf-visits', recordedAt: expect.any(String) as string,
    }]);
    expect(cpPlan.nextVisitDueDate).toBe(nextDue.hf);
    expect(visitTasks(after)).toEqual([expect.objectContaining({ dueDate: nextDue.hf })]);
    expect(after.case.timeline.filter((e) => e.kind === 'VISIT_RECORDED')).toEqual([{
      kind: 'VISIT_RECORDED', actor: 'sw-hf-visits',
      detail: expect.objectContaining({ visitId: answer.recordId, visitedOn: visitDay, childSeen: true, seenAlone: true, planKind: 'CP', dueDate: firstDue.hf, withinTimescale: true }) as unknown,
    }]);

    // The same visit in tst: its next visit is due 5 working days on, not 10.
    const tstAnswer = await visited(tst.caseId, await aVisit(tst.caseId), tokens.tst);
    expect(tstAnswer.deadlines).toEqual([{ what: 'VISIT', dueAt: expect.any(String) as string, dueDate: nextDue.tst }]);
    expect(nextDue.tst).not.toBe(nextDue.hf);
    expect((await shown(tst.caseId, tokens.tst)).episode.plans[0]!.nextVisitDueDate).toBe(nextDue.tst);

    // A step down to CIN ends the CP plan and its visit clock; the CIN plan's first visit is due at the CIN frequency.
    const stepDownDay = await today();
    const down = await episodeStep(stack, tokens.hf, 'stepDown', 'StepDownInput', hf.caseId, { to: 'CIN', reason: 'Review conference agreed the risk is reduced.' });
    const cinDue = workingDaysAfter('hf', stepDownDay, 20);
    expect(down.deadlines.filter((d) => d.what === 'VISIT').map((d) => d.dueDate)).toEqual([cinDue]);
    const downTst = await episodeStep(stack, tokens.tst, 'stepDown', 'StepDownInput', tst.caseId, { to: 'CIN', reason: 'Review conference agreed the risk is reduced.' });
    expect(downTst.deadlines.filter((d) => d.what === 'VISIT').map((d) => d.dueDate)).toEqual([workingDaysAfter('tst', stepDownDay, 8)]);
    const cin = await shown(hf.caseId, tokens.hf);
    expect(cin.episode.plans).toEqual([
      expect.objectContaining({ kind: 'CP', endDate: stepDownDay, nextVisitDueDate: null }),
      expect.objectContaining({ kind: 'CIN', endDate: null, nextVisitDueDate: cinDue }),
    ]);
    expect(visitTasks(cin)).toEqual([{ kind: 'VISIT', title: 'Statutory visit due: see the child (child in need plan)', dueDate: cinDue }]);

    // A visit now counts for the CIN plan.
    await visited(hf.caseId, await aVisit(hf.caseId, { seenAlone: false }), tokens.hf);
    const onCin = await shown(hf.caseId, tokens.hf);
    expect(onCin.episode.visits.map((v) => [v.planKind, v.planId, v.dueDate, v.withinTimescale])).toEqual([
      ['CP', cpPlan.id, firstDue.hf, true],
      ['CIN', onCin.episode.plans[1]!.id, cinDue, true],
    ]);

    // Closure (the family moved away) ends the CIN plan and its clock. The whole history, visits and clocks behind the
    // `statutory-visit-clock` patch, is recorded once for tests/integration/replay.test.ts.
    await episodeStep(stack, tokens.hf, 'closeCase', 'CloseCaseInput', hf.caseId, { reason: 'RC5', note: 'The family moved away; case transferred to their new authority.' });
    const closed = await shown(hf.caseId, tokens.hf);
    expect(closed.episode.plans.map((p) => p.nextVisitDueDate)).toEqual([null, null]);
    expect(visitTasks(closed)).toEqual([]);
    await recordFixture('episode-statutory-visits-hf.json', hf.caseId);
  });

  it('in which the child was not seen leaves the deadline standing; the missed visit escalates up the VISIT ladder until the child is seen', async () => {
    await toWorkingMorning();
    const { caseId, planStart } = await childOnCpPlan('hf', tokens.hf);
    const firstDue = workingDaysAfter('hf', planStart, 10);
    await toWorkingMorning(true);

    // Nobody answered the door: recorded, not within timescale, and the deadline stands.
    const notSeen = await visited(caseId, await aVisit(caseId, { childSeen: false, seenAlone: false, note: 'No answer at the door; card left asking mother to call.' }), tokens.hfPractitioner);
    expect(notSeen.deadlines).toEqual([{ what: 'VISIT', dueAt: expect.any(String) as string, dueDate: firstDue }]);
    const standing = await shown(caseId, tokens.hf);
    expect(standing.episode.visits).toEqual([expect.objectContaining({ childSeen: false, seenAlone: false, dueDate: firstDue, withinTimescale: false })]);
    expect(standing.episode.plans[0]!.nextVisitDueDate).toBe(firstDue);
    expect(visitTasks(standing)).toEqual([expect.objectContaining({ dueDate: firstDue })]);

    // The deadline passes: the team manager is told; 16 office hours on, the service manager.
    const dueAt = new Date(notSeen.deadlines[0]!.dueAt);
    await skipTo(new Date(dueAt.getTime() + 60_000));
    const planId = standing.episode.plans[0]!.id;
    const first = await shown(caseId, tokens.hf, (s) => s.case.escalations.some((e) => e.stage === 'VISIT'));
    expect(first.case.escalations.filter((e) => e.stage === 'VISIT')).toEqual([{ stage: 'VISIT', subject: planId, rung: 0, notify: 'TEAM_MANAGER', dueAt: dueAt.toISOString() }]);
    await skipTo(new Date(addOfficeHours(dueAt, 16, calendar('hf')).getTime() + 60_000));
    const second = await shown(caseId, tokens.hf, (s) => s.case.escalations.filter((e) => e.stage === 'VISIT').length === 2);
    expect(second.case.escalations.filter((e) => e.stage === 'VISIT').map((e) => [e.rung, e.notify])).toEqual([[0, 'TEAM_MANAGER'], [1, 'SERVICE_MANAGER']]);

    // Seen at last: late (not within timescale), and the clock runs again from this visit.
    await toWorkingMorning();
    const lateDay = await today();
    const late = await visited(caseId, await aVisit(caseId), tokens.hfPractitioner);
    expect(late.deadlines).toEqual([{ what: 'VISIT', dueAt: expect.any(String) as string, dueDate: workingDaysAfter('hf', lateDay, 10) }]);
    const caughtUp = await shown(caseId, tokens.hf);
    expect(caughtUp.episode.visits.map((v) => [v.childSeen, v.dueDate, v.withinTimescale])).toEqual([[false, firstDue, false], [true, firstDue, false]]);
    expect(visitTasks(caughtUp)).toEqual([expect.objectContaining({ dueDate: workingDaysAfter('hf', lateDay, 10) })]);
  });
});

describe('recordVisit refuses', () => {
  it('bad input with every problem and its path, other boroughs, roles that do not visit, and a closed episode', async () => {
    const contactId = await receiveContact(stack, tokens.hf, { consent: 'GIVEN' });
    await screenable(stack, tokens.hf, contactId);
    expect((await decideScreening(stack, tokens.hf, contactId, { pathway: 'S17_ASSESSMENT' })).errors).toBeUndefined();
    const caseId = await episodeOf(stack, contactId);
    episodes.push(caseId);
    const referralDate = await today();
    const good = await aVisit(caseId);

    // Moments after the referral, the episode may still be being recorded.
    await eventually(() => stack.graphql<{ episode: { id: string } | null }>('query ($id: ID!) { episode(caseId: $id) { id } }', { id: caseId }, tokens.hf), (r) => r.data?.episode != null);
    const refusal = async (input: Record<string, unknown>, token = tokens.hfPractitioner) => (await recordVisit(input, token)).errors?.[0];
    const future = DateTime.fromISO(referralDate).plus({ days: 2 }).toISODate()!;
    const beforeReferral = DateTime.fromISO(referralDate).minus({ days: 3 }).toISODate()!;
    expect(await refusal({ ...good, visitedOn: future, visitor: ' ', childSeen: false, seenAlone: true, note: '   ' })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', problems: [
        { field: 'input.visitedOn', message: `${future} is in the future.` },
        { field: 'input.visitor', message: 'must say something (at least 2 characters).' },
        { field: 'input.seenAlone', message: 'a child who was not seen cannot have been seen alone; set childSeen to true, or seenAlone to false.' },
        { field: 'input.note', message: 'must say something (at least 10 characters).' },
      ] },
    });
    expect(await refusal({ ...good, visitedOn: beforeReferral })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', problems: [{ field: 'input.visitedOn', message: `${beforeReferral} is before this child's referral (${referralDate}); nothing in an episode is dated before its referral.` }] },
    });
    expect(await refusal(good, tokens.outOfHours)).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/needs one of the roles practitioner, manager/) as string });
    expect(await refusal(good, tokens.rbkc)).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringMatching(/^No episode .* in your boroughs \(rbkc\)/) as string });
    expect((await shown(caseId, tokens.hf)).episode.visits).toEqual([]);

    // Without a plan a visit is recorded, counting for no plan and with no deadline.
    const noPlan = await visited(caseId, good, tokens.hfPractitioner);
    expect(noPlan.deadlines).toEqual([]);
    expect((await shown(caseId, tokens.hf)).episode.visits).toEqual([expect.objectContaining({ planId: null, planKind: null, dueDate: null, withinTimescale: null })]);

    await episodeStep(stack, tokens.hf, 'closeCase', 'CloseCaseInput', caseId, { reason: 'RC5', note: 'The family moved to Scotland; case transferred.' });
    expect(await refusal(good)).toMatchObject({ extensions: { code: 'INVALID_STATE' }, message: expect.stringMatching(/^This episode closed on \d{4}-\d{2}-\d{2} \(RC5\); nothing can be recorded after closure/) as string });
    expect((await shown(caseId, tokens.hf)).episode.visits).toHaveLength(1);
  });
});

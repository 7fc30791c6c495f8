import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childIdFor } from '../../db/ids';
import { findCase } from '../../db/cases';
import { contactIdFor, contactReference } from '../../db/ids';
import { contactStateQuery, contactWorkflow, contactWorkflowId, recordScreeningDecision, type ReceivedContact } from '../../workflows/contact';
import {
  authoriseSection47, closeCase, completeAssessment, createPlan, endProtection, extendEmergencyProtectionOrder, recordEmergencyProtectionOrder, recordInitialConference,
  recordPoliceProtection, recordSection47Outcome, recordStrategyDiscussion, startAssessment, startSection47, type RecordStrategyDiscussionInput,
} from '../../workflows/episode';
import { episodeWorkflowId } from '../../workflows/referral';
import { eventually } from '../support/stack';
import {
  AFTER_CLOSURE, aChild, caseOf, createHarness, escalationsOf, eventsOf, fullAttendance, londonDate, MANAGER, nowOf, openTasksOf, PRACTITIONER, quiet, refer, refused, settled, signalReferral, skipTo,
  endEpisodes, resultWithoutSkipping, skipToWorkingMorning, storeContact, take, workingDaysFrom, type Child, type Harness,
} from '../support/episode-harness';

// The CIN census invariants, enforced rather than reported: nothing before the referral or after closure; an NFA
// referral has no assessment, s47 or plan; one open episode, assessment, s47 and CP plan per child; a CIN plan ends
// when a CP plan starts, which is the ICPC day; re-referrals detected; each child of a contact has an episode.

// A time-skipping server of its own for each test: with one per file, a later test's jump of days also fired every
// earlier test's clocks on the way, and now and then the test server's clock stalled there (seen in CI; never on a
// real server), hanging the later test. Each test is about one child's episode, so nothing is lost by it.
let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await endEpisodes(h);
  await h?.teardown();
});

const BOROUGH = 'hf';

const discussion = (c: Child & { caseId: string }, heldAt: Date, overrides: Partial<RecordStrategyDiscussionInput> = {}): RecordStrategyDiscussionInput => ({
  actor: PRACTITIONER, caseId: c.caseId, heldAt: heldAt.toISOString(), attendees: fullAttendance(h, c.borough), outcome: 'SECTION_47', overrideReason: null,
  rationale: 'Disclosure by the child to a teacher of being hit with a belt.', actions: [], ...overrides,
});

const s47Outcome = (caseId: string) => ({
  actor: PRACTITIONER, caseId, recommendation: 'CONVENE_ICPC' as const, recommendationDetail: 'Convene an initial child protection conference.',
  enquiries: ['Saw the child alone at school', 'Police checks on the household'], analysis: 'Consistent disclosure, marks seen by the school nurse; father denies. Significant harm likely without a plan.',
});

async function completedAssessment(c: Child & { caseId: string }): Promise<void> {
  await take(h, c, startAssessment, { actor: PRACTITIONER, caseId: c.caseId });
  await take(h, c, completeAssessment, { actor: MANAGER, caseId: c.caseId, factors: ['16A'], summary: 'Neglect: home conditions and missed health appointments.', overdueReason: null, childSeen: true });
}

async function closed(c: { workflowId: string }): Promise<unknown> {
  return resultWithoutSkipping(h, c.workflowId);
}

describe('a no-further-action referral', () => {
  it('has no assessment, s47 or plan, and closes as an NFA referral', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'STRATEGY_DISCUSSION' });
    const nfa = await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h), { outcome: 'NO_FURTHER_ACTION', rationale: 'Explanation consistent; injuries accidental.' }));
    expect(nfa.stage).toBe('NO_FURTHER_ACTION');
    for (const [update, input] of [
      [startAssessment, { actor: PRACTITIONER, caseId: c.caseId }],
      [startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null }],
      [createPlan, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CIN', startDate: null }],
    ] as const) {
      expect(await refused(h, c, update as typeof startAssessment, input as never)).toEqual({ type: 'InvalidState', message: expect.stringMatching(/decided no further action, so no assessment, s47 or plan may start/) as string });
    }
    expect((await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC8', note: 'No further action after strategy discussion.' })).message).toMatch(/RC8 .* needs a completed assessment .*8825Q/);
    expect((await refused(h, c, closeCase, { actor: PRACTITIONER, caseId: c.caseId, reason: 'RC7', note: 'No further action after strategy discussion.' })).message).toMatch(/manager's decision/);
    await take(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'No further action after strategy discussion.' });
    await closed(c);
    const [episode] = await h.sql<{ referralNfa: boolean; closureReason: string }[]>`select referral_nfa, closure_reason from episodes where id = ${c.caseId}`;
    expect(episode).toEqual({ referralNfa: true, closureReason: 'RC7' });
    const [counts] = await h.sql<{ n: number }[]>`
      select (select count(*) from assessments where episode_id = ${c.caseId}) + (select count(*) from section47s where episode_id = ${c.caseId}) + (select count(*) from plans where episode_id = ${c.caseId})::int as n`;
    expect(Number(counts!.n)).toBe(0);
  });
});

describe('closing', () => {
  it('needs a completed assessment, unless the child has left (RC1–RC6)', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    expect(await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Family no longer wants services.' }))
      .toEqual({ type: 'BadInput', message: expect.stringMatching(/^reason: this episode has no completed assessment, and closing it with RC7 needs one/) as string });
    await take(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC5', note: 'Family moved to Kent; case transferred to Kent County Council.' });
    expect(await closed(c)).toMatchObject({ caseId: c.caseId, reason: 'RC5' });
  });
});

describe('section 47', () => {
  it('starts only after a strategy discussion decided it, one open at a time, and blocks closure until resolved', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    expect(await refused(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null }))
      .toEqual({ type: 'InvalidState', message: expect.stringMatching(/^No strategy discussion has decided on a section 47 enquiry/) as string });
    const sd = await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h), { outcome: 'S17_ASSESSMENT' }));
    expect((await refused(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: sd.recordId })).message).toMatch(/decided S17_ASSESSMENT, not a section 47 enquiry/);
    await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h)));
    await take(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null });
    await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h)));
    expect((await refused(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null })).message).toMatch(/already open for this child; only one may be open at a time/);
    expect(await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Family left the country.' }))
      .toEqual({ type: 'InvalidState', message: expect.stringMatching(/^A section 47 enquiry is unresolved \(no outcome recorded\)/) as string });
    const rows = await settled(() => h.sql`select id from section47s where episode_id = ${c.caseId}`, (r) => r.length === 1);
    expect(rows).toHaveLength(1);
  });
});

describe('a section 47 decided but not started', () => {
  it('runs a clock to the next working day, escalates once when missed, shows the stage, blocks closure, and stops when started', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    await skipToWorkingMorning(h, BOROUGH);
    const heldAt = new Date(await nowOf(h));
    const decided = await take(h, c, recordStrategyDiscussion, discussion(c, heldAt));
    const startBy = decided.deadlines.find((d) => d.what === 'SECTION_47')!;
    expect(startBy.dueDate).toBe(workingDaysFrom(h, BOROUGH, heldAt, 1));
    expect(decided.stage).toBe('SECTION_47');
    const task = await settled(() => openTasksOf(h, c.caseId), (tasks) => tasks.some((t) => t.title.startsWith('Start the section 47')));
    expect(task.find((t) => t.title.startsWith('Start the section 47'))).toMatchObject({ kind: 'SECTION_47', dueDate: startBy.dueDate });
    expect(await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Family left the country.' }))
      .toEqual({ type: 'InvalidState', message: expect.stringMatching(/^A strategy discussion decided on a section 47 enquiry that has not been started/) as string });

    await skipTo(h, startBy.dueAt);
    const escalated = await settled(() => escalationsOf(h, c.caseId), (rows) => rows.some((r) => r.stage === 'SECTION_47'));
    expect(escalated.filter((r) => r.stage === 'SECTION_47').map((r) => r.rung)).toEqual([0]);
    const started = await take(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null });
    expect(started.deadlines.map((d) => d.what)).toEqual(['ICPC']);
    const after = await settled(() => openTasksOf(h, c.caseId), (tasks) => tasks.some((t) => t.title.startsWith('Complete the section 47')));
    expect(after.map((t) => t.title).filter((title) => title.includes('section 47'))).toEqual(['Complete the section 47 enquiry and have it authorised, in time for the conference']);
    // No further rung for the clock that was met, however long we wait.
    await h.env.sleep(10 * 86_400_000);
    await quiet(h, c);
    const rungs = (await escalationsOf(h, c.caseId)).filter((r) => r.stage === 'SECTION_47' && r.dueAt.toISOString() === startBy.dueAt);
    expect(rungs.map((r) => r.rung)).toEqual([0]);
    await h.env.client.workflow.getHandle(c.workflowId).terminate('test finished');
  });

  it('is stopped by a later discussion that decides otherwise', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    const first = await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h)));
    expect(first.stage).toBe('SECTION_47');
    // The clock (and its task) to start the s47 the first discussion decided on is there before the revision.
    await settled(() => openTasksOf(h, c.caseId), (tasks) => tasks.some((t) => t.title.startsWith('Start the section 47')));
    const revised = await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h), { outcome: 'S17_ASSESSMENT', rationale: 'Medical opinion: the injury is accidental; assess needs instead.' }));
    // No s47 and no discussion pending, and the assessment not yet started: the episode is back at its referral,
    // with the assessment's clock (from the referral) still running.
    expect(revised.stage).toBe('REFERRAL');
    expect(revised.deadlines.map((d) => d.what)).toEqual(['ASSESSMENT']);
    await settled(() => openTasksOf(h, c.caseId), (tasks) => !tasks.some((t) => t.title.startsWith('Start the section 47')));
    await settled(() => h.sql<{ stage: string }[]>`select stage from cases where id = ${c.caseId}`, (rows) => rows[0]?.stage === 'REFERRAL');
    await h.env.client.workflow.getHandle(c.workflowId).terminate('test finished');
  });
});

describe('dates', () => {
  it('refuses anything dated before the referral', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'IMMEDIATE_PROTECTION' });
    const before = new Date((await nowOf(h)).getTime() - 3 * 86_400_000);
    expect(await refused(h, c, recordStrategyDiscussion, discussion(c, before)))
      .toEqual({ type: 'BadInput', message: expect.stringMatching(/^heldAt: \d{4}-\d{2}-\d{2} is before this child's referral \(\d{4}-\d{2}-\d{2}\); nothing in an episode is dated before its referral/) as string });
    expect((await refused(h, c, recordPoliceProtection, { actor: PRACTITIONER, caseId: c.caseId, startedAt: before.toISOString(), note: null })).message).toMatch(/^startedAt: .* before this child's referral/);
    const future = new Date((await nowOf(h)).getTime() + 86_400_000);
    expect((await refused(h, c, recordStrategyDiscussion, discussion(c, future))).message).toMatch(/^heldAt: is in the future/);
  });
});

describe('plans', () => {
  it('starts the CP plan on the ICPC day, ends the CIN plan then, and allows one CP plan', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    await completedAssessment(c);
    const cin = await take(h, c, createPlan, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CIN', startDate: null });
    expect((await refused(h, c, createPlan, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CIN', startDate: null })).message).toMatch(/child in need plan is already open/);

    await skipToWorkingMorning(h, BOROUGH);
    await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h)));
    await take(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null });
    await take(h, c, recordSection47Outcome, s47Outcome(c.caseId));
    await take(h, c, authoriseSection47, { actor: MANAGER, caseId: c.caseId, managerComment: 'Agree: conference needed.' });
    const icpcDay = londonDate(await nowOf(h));
    const icpc = await take(h, c, recordInitialConference, { actor: PRACTITIONER, caseId: c.caseId, heldOn: icpcDay, outcome: 'CP_PLAN', categoryOfAbuse: 'PHY', note: null });
    expect(icpc.level).toBe('CP');
    const plans = await settled(
      () => h.sql<{ id: string; kind: string; startDate: string; endDate: string | null }[]>`
        select id, kind, to_char(start_date, 'YYYY-MM-DD') as start_date, to_char(end_date, 'YYYY-MM-DD') as end_date from plans where episode_id = ${c.caseId} order by created_at`,
      (rows) => rows.length === 2 && rows[0]!.endDate !== null,
    );
    expect(plans).toEqual([
      { id: cin.recordId, kind: 'CIN', startDate: expect.any(String) as string, endDate: icpcDay },
      { id: expect.any(String) as string, kind: 'CP', startDate: icpcDay, endDate: null },
    ]);

    // A second enquiry while the CP plan is open cannot start a second CP plan.
    await take(h, c, recordStrategyDiscussion, discussion(c, await nowOf(h)));
    await take(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null });
    await take(h, c, recordSection47Outcome, s47Outcome(c.caseId));
    await take(h, c, authoriseSection47, { actor: MANAGER, caseId: c.caseId, managerComment: 'Agree: conference needed.' });
    expect((await refused(h, c, recordInitialConference, { actor: PRACTITIONER, caseId: c.caseId, heldOn: icpcDay, outcome: 'CP_PLAN', categoryOfAbuse: 'EMO', note: null })).message)
      .toMatch(/child protection plan is already open .*only one at a time/);
  });
});

describe('one episode per child', () => {
  it('joins a further referral of the child to the open episode, and ignores a repeated one', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    const at = await nowOf(h);
    const second = await storeContact(h, BOROUGH, c.child, at);
    await signalReferral(h, { borough: BOROUGH, childId: c.childId, contactId: second, child: c.child, referralAt: at, pathway: 'STRATEGY_DISCUSSION' });
    await signalReferral(h, { borough: BOROUGH, childId: c.childId, contactId: second, child: c.child, referralAt: at, pathway: 'STRATEGY_DISCUSSION' });
    await signalReferral(h, { borough: BOROUGH, childId: c.childId, contactId: c.contactId, child: c.child, referralAt: at, pathway: 'S17_ASSESSMENT' });
    expect(await caseOf(h, c.childId, second)).toBe(c.caseId);
    const referrals = await settled(() => h.sql<{ contactId: string; joined: boolean }[]>`select contact_id, joined from episode_referrals where child_id = ${c.childId} order by joined`, (r) => r.length === 2);
    expect(referrals).toEqual([{ contactId: c.contactId, joined: false }, { contactId: second, joined: true }]);
    // The further referral asked for a strategy discussion.
    await settled(() => eventsOf(h, c.caseId), (events) => events.filter((e) => e.kind === 'REFERRAL_JOINED').length === 1);
    await settled(() => h.sql<{ stage: string }[]>`select stage from cases where id = ${c.caseId}`, (rows) => rows[0]?.stage === 'STRATEGY_DISCUSSION');
    expect(await h.sql`select id from cases where kind = 'EPISODE' and child_id = ${c.childId}`).toHaveLength(1);
  });

  it('opens the next episode after closure, detecting a re-referral within 12 months; a repeat of the old referral opens nothing', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT' });
    await completedAssessment(c);
    await take(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC8', note: 'Assessed: no further action needed.' });
    await closed(c);
    await expect(take(h, c, startAssessment, { actor: PRACTITIONER, caseId: c.caseId }), 'nothing after closure').rejects.toThrow(AFTER_CLOSURE);

    // The old contact's referral delivered again (an activity retry): nothing new.
    await signalReferral(h, { borough: BOROUGH, childId: c.childId, contactId: c.contactId, child: c.child, referralAt: await nowOf(h), pathway: 'S17_ASSESSMENT' });
    expect(await resultWithoutSkipping(h, c.workflowId)).toEqual({ caseId: null, closedAt: null, reason: null });

    await h.env.sleep(40 * 86_400_000);
    const again = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT', child: c.child });
    expect(again.caseId).not.toBe(c.caseId);
    const [episode] = await h.sql<{ reReferral: boolean; previousEpisodeId: string }[]>`select re_referral, previous_episode_id from episodes where id = ${again.caseId}`;
    expect(episode).toEqual({ reReferral: true, previousEpisodeId: c.caseId });
    expect((await eventsOf(h, again.caseId)).map((e) => e.kind)).toContain('RE_REFERRAL');
    // Shown on the case (and so in queues and `cases`), not only on the episode.
    expect((await findCase(h.sql, [BOROUGH], again.caseId))?.reReferral).toBe(true);
    expect((await findCase(h.sql, [BOROUGH], c.caseId))?.reReferral).toBe(false);
    // A step meant for the closed episode does not reach the child's new one.
    expect((await refused(h, again, startAssessment, { actor: PRACTITIONER, caseId: c.caseId })).message).toMatch(/is not this child's open episode/);

    // More than 12 months after the previous referral: a new referral, not a re-referral.
    await completedAssessment(again);
    await take(h, again, closeCase, { actor: MANAGER, caseId: again.caseId, reason: 'RC8', note: 'Assessed: no further action needed.' });
    await closed(again);
    await h.env.sleep(400 * 86_400_000);
    const third = await refer(h, { borough: BOROUGH, pathway: 'S17_ASSESSMENT', child: c.child });
    const [later] = await h.sql<{ reReferral: boolean }[]>`select re_referral from episodes where id = ${third.caseId}`;
    expect(later).toEqual({ reReferral: false });
  });

  it('gives each child of a multi-child contact their own episode', async () => {
    const boroughs = h.boroughs;
    const receivedAt = await nowOf(h);
    const contactId = contactIdFor(BOROUGH, `siblings-${randomUUID()}`);
    const children = [aChild({ firstName: 'Older' }), aChild({ firstName: 'Younger', dateOfBirth: '2022-01-15' })];
    const contact: ReceivedContact = {
      contactId, reference: contactReference(BOROUGH, contactId, receivedAt), borough: BOROUGH, idempotencyKey: null, receivedAt: receivedAt.toISOString(), receivedBy: 'contact-officer',
      channel: 'PHONE', referrer: { type: 'POLICE', name: null, organisation: 'Metropolitan Police', contactDetails: null }, children,
      indicators: ['DOMESTIC_ABUSE'], summary: 'Police attended a domestic incident; two children in the home.', consent: 'NOT_SOUGHT', rulesetVersion: boroughs.get(BOROUGH)!.ruleset.version,
    };
    const handle = await h.env.client.workflow.start(contactWorkflow, { taskQueue: h.taskQueue, workflowId: contactWorkflowId(contactId), args: [{ contact }] });
    await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
    await handle.executeUpdate(recordScreeningDecision, { args: [{
      actor: PRACTITIONER, pathway: 'S17_ASSESSMENT', levelOfNeed: 3, rag: 'AMBER', rationale: 'Repeated domestic abuse incidents with children present.',
      overrideReason: 'Children witnessed the incident; an assessment is needed.', primaryNeed: 'N4',
    }] });
    const episodes = await settled(
      () => h.sql<{ childId: string; childPosition: number }[]>`select child_id, child_position from cases where kind = 'EPISODE' and contact_id = ${contactId} order by child_position`,
      (rows) => rows.length === 2,
    );
    expect(episodes).toEqual(children.map((child, position) => ({ childId: childIdFor(BOROUGH, child), childPosition: position })));
    for (const child of children) await h.env.client.workflow.getHandle(episodeWorkflowId(childIdFor(BOROUGH, child))).describe();
  });
});

describe('police protection and emergency protection orders', () => {
  it('runs the 72-hour clock and a strategy discussion; an EPO supersedes it, lasts at most 8 days and extends once by at most 7', async () => {
    const c = await refer(h, { borough: BOROUGH, pathway: 'IMMEDIATE_PROTECTION' });
    const startedAt = await nowOf(h);
    const pp = await take(h, c, recordPoliceProtection, { actor: PRACTITIONER, caseId: c.caseId, startedAt: startedAt.toISOString(), note: null });
    const ppEnds = new Date(startedAt.getTime() + 72 * 3_600_000).toISOString();
    expect(pp.deadlines).toEqual([
      { what: 'POLICE_PROTECTION', dueAt: ppEnds, dueDate: londonDate(new Date(ppEnds)) },
      { what: 'STRATEGY_DISCUSSION', dueAt: expect.any(String) as string, dueDate: expect.any(String) as string },
    ]);
    expect(pp.deadlines[1]!.dueAt <= ppEnds).toBe(true);
    expect((await refused(h, c, recordPoliceProtection, { actor: PRACTITIONER, caseId: c.caseId, startedAt: startedAt.toISOString(), note: null })).type).toBe('InvalidState');

    // Not ended in 72 hours: escalated (police protection and the discussion both), once per rung.
    await skipTo(h, ppEnds, 30 * 60_000);
    await settled(() => escalationsOf(h, c.caseId), (rows) => rows.some((r) => r.stage === 'POLICE_PROTECTION' && r.rung === 0));

    const grantedAt = await nowOf(h);
    expect((await refused(h, c, recordEmergencyProtectionOrder, { actor: PRACTITIONER, caseId: c.caseId, grantedAt: grantedAt.toISOString(), days: 9 })).message).toMatch(/^days: an emergency protection order lasts 1 to 8 days/);
    const epo = await take(h, c, recordEmergencyProtectionOrder, { actor: PRACTITIONER, caseId: c.caseId, grantedAt: grantedAt.toISOString(), days: 8 });
    const epoEnds = new Date(grantedAt.getTime() + 8 * 86_400_000).toISOString();
    expect(epo.deadlines[0]).toEqual({ what: 'EMERGENCY_PROTECTION_ORDER', dueAt: epoEnds, dueDate: londonDate(new Date(epoEnds)) });
    const orders = await settled(
      () => h.sql<{ kind: string; endedAt: Date | null }[]>`select kind, ended_at from protection_orders where episode_id = ${c.caseId} order by started_at`,
      (rows) => rows.length === 2 && rows[0]!.endedAt !== null,
    );
    expect(orders.map((o) => [o.kind, o.endedAt !== null])).toEqual([['POLICE_PROTECTION', true], ['EMERGENCY_PROTECTION_ORDER', false]]);
    const policeRungs = (await escalationsOf(h, c.caseId)).filter((r) => r.stage === 'POLICE_PROTECTION').length;

    expect((await refused(h, c, extendEmergencyProtectionOrder, { actor: PRACTITIONER, caseId: c.caseId, days: 8, reason: 'Awaiting the interim care order hearing.' })).message).toMatch(/^days: an extension is 1 to 7 days/);
    const extended = await take(h, c, extendEmergencyProtectionOrder, { actor: PRACTITIONER, caseId: c.caseId, days: 7, reason: 'Awaiting the interim care order hearing.' });
    expect(extended.deadlines[0]!.dueAt).toBe(new Date(grantedAt.getTime() + 15 * 86_400_000).toISOString());
    expect((await refused(h, c, extendEmergencyProtectionOrder, { actor: PRACTITIONER, caseId: c.caseId, days: 1, reason: 'Hearing adjourned again.' })).message).toMatch(/extended once only/);
    expect((await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Child placed with relatives.' })).message).toMatch(/emergency protection order is recorded as in force/);

    // Ended before it runs out: its clock stops, and police protection (superseded) escalated no further.
    await take(h, c, endProtection, { actor: PRACTITIONER, caseId: c.caseId, kind: 'EMERGENCY_PROTECTION_ORDER', endedAt: (await nowOf(h)).toISOString(), outcome: 'Interim care order granted.' });
    await h.env.sleep(16 * 86_400_000);
    await quiet(h, c);
    const rows = await escalationsOf(h, c.caseId);
    expect(rows.filter((r) => r.stage === 'EMERGENCY_PROTECTION_ORDER')).toEqual([]);
    expect(rows.filter((r) => r.stage === 'POLICE_PROTECTION')).toHaveLength(policeRungs);
  });
});

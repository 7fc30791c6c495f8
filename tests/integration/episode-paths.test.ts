import fs from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendarMonths, isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import {
  addPlanAction, authoriseSection47, closeCase, completeAssessment, createPlan, endEarlyHelp, recordInitialConference, recordReview, recordSection47Outcome, recordStrategyDiscussion,
  scheduleStrategyDiscussion, startAssessment, startSection47, stepDown, updatePlanAction, type RecordStrategyDiscussionInput,
} from '../../workflows/episode';
import {
  AFTER_CLOSURE, calendarOf, createHarness, escalationsOf, eventsOf, fullAttendance, londonDate, MANAGER, nowOf, openTasksOf, plusDays, PRACTITIONER, quiet, refer, refused, resultWithoutSkipping, settled, skipTo, take,
  weekendOnOrAfter, workingDaysFrom, type Harness,
} from '../support/episode-harness';
import { historyToFixture } from '../support/histories';

// Every path of a child's episode, in each borough, on Temporal's time-skipping server against real PostgreSQL:
// the inspection's three criticisms (strategy discussions without partners, s47s without analysis or authorisation,
// vague or undated plan actions) are refused with a reason; clocks come from each borough's settings and calendar.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.teardown();
});

const HISTORY_FIXTURE = path.join(projectRoot, 'tests', 'fixtures', 'histories', 'episode-child-protection-hf.json');

function discussion(caseId: string, heldAt: Date, overrides: Partial<RecordStrategyDiscussionInput> = {}): RecordStrategyDiscussionInput {
  return {
    actor: PRACTITIONER, caseId, heldAt: heldAt.toISOString(), attendees: [], outcome: 'SECTION_47', overrideReason: null,
    rationale: 'Unexplained bruising to a non-mobile baby: reasonable cause to suspect significant harm.',
    actions: [{ description: 'Police to check the household members on the police national computer', owner: 'DC Rivera', agency: 'POLICE', dueDate: londonDate(heldAt) }],
    ...overrides,
  };
}

const lastWorkingDayOnOrBefore = (borough: string, date: string) => {
  let day = DateTime.fromISO(date);
  while (!isWorkingDay(day.toISODate()!, calendarOf(h, borough))) day = day.minus({ days: 1 });
  return day.toISODate()!;
};

describe.each(['hf', 'rbkc', 'wcc'])('borough %s', (borough) => {
  const icpcAnchor = () => h.boroughs.get(borough)!.settings.clocks.icpcAnchor;

  it('child protection: strategy discussion, s47, conference, CP plan, core group, step down, close', async () => {
    const c = await refer(h, { borough, pathway: 'STRATEGY_DISCUSSION' });
    const referredAt = await nowOf(h);

    // A strategy discussion is due as soon as possible: by the close of the next working day.
    const [sdTask] = await settled(() => openTasksOf(h, c.caseId), (tasks) => tasks.some((t) => t.kind === 'STRATEGY_DISCUSSION'));
    expect(sdTask).toMatchObject({ kind: 'STRATEGY_DISCUSSION', dueDate: workingDaysFrom(h, borough, referredAt, 1) });

    // Scheduling it without health is refused, naming the agency.
    const required = h.boroughs.get(borough)!.settings.strategyDiscussion.requiredAgencies;
    const scheduledFor = new Date(referredAt.getTime() + 2 * 3_600_000).toISOString();
    const notInvited = await refused(h, c, scheduleStrategyDiscussion, { actor: PRACTITIONER, caseId: c.caseId, scheduledFor, invitedAgencies: required.filter((a) => a !== 'HEALTH'), purpose: 'Discuss bruising to the baby' });
    expect(notInvited).toEqual({ type: 'BadInput', message: expect.stringMatching(/^invitedAgencies: invite HEALTH as well/) as string });
    await take(h, c, scheduleStrategyDiscussion, { actor: PRACTITIONER, caseId: c.caseId, scheduledFor, invitedAgencies: required, purpose: 'Discuss bruising to the baby' });

    // The discussion is held without health. Refused; a practitioner cannot override; a manager can, with a reason.
    await h.env.sleep(2 * 3_600_000);
    const firstHeldAt = await nowOf(h);
    const withoutHealth = discussion(c.caseId, firstHeldAt, { attendees: fullAttendance(h, borough, ['HEALTH']) });
    const noHealth = await refused(h, c, recordStrategyDiscussion, withoutHealth);
    expect(noHealth.type).toBe('BadInput');
    expect(noHealth.message).toMatch(/^attendees: HEALTH did not take part\. .*overrideReason.*follow-up task/);
    expect(await refused(h, c, recordStrategyDiscussion, { ...withoutHealth, overrideReason: 'The health visitor was on leave and no cover could be found today' }))
      .toEqual({ type: 'Forbidden', message: expect.stringMatching(/needs the manager role: only a manager may record a strategy discussion without HEALTH/) as string });
    const undated = await refused(h, c, recordStrategyDiscussion, {
      ...withoutHealth, actor: MANAGER, overrideReason: 'The health visitor was on leave and no cover could be found today',
      actions: [{ description: 'Police to check the household members on the police national computer', owner: 'DC Rivera', agency: 'POLICE', dueDate: 'next review' }],
    });
    expect(undated.message).toMatch(/^actions\[0\]\.dueDate: "next review" is not a date/);
    const first = await take(h, c, recordStrategyDiscussion, { ...withoutHealth, actor: MANAGER, overrideReason: 'The health visitor was on leave and no cover could be found today' });
    expect(first.missingAgencies).toEqual(['HEALTH']);
    const [incomplete] = await settled(
      () => h.sql<{ complete: boolean; missingAgencies: string[]; overrideBy: string }[]>`select complete, missing_agencies, override_by from strategy_discussions where id = ${first.recordId}`,
      (rows) => rows[0]?.complete === false,
    );
    expect(incomplete).toEqual({ complete: false, missingAgencies: ['HEALTH'], overrideBy: MANAGER.userId });
    await settled(() => openTasksOf(h, c.caseId), (tasks) => tasks.some((t) => t.kind === 'STRATEGY_DISCUSSION_FOLLOW_UP' && t.detail.agency === 'HEALTH'));

    // Section 47: only from that decision; ICPC due 15 working days from the anchoring discussion.
    const s47 = await take(h, c, startSection47, { actor: PRACTITIONER, caseId: c.caseId, strategyDiscussionId: null });
    expect(s47.stage).toBe('SECTION_47');
    expect(s47.deadlines).toEqual([{ what: 'ICPC', dueAt: expect.any(String) as string, dueDate: workingDaysFrom(h, borough, firstHeldAt, 15) }]);

    // The second criticism: no authorisation without enquiries, analysis and recommendation, and only by a manager.
    expect((await refused(h, c, authoriseSection47, { actor: MANAGER, caseId: c.caseId, managerComment: 'Agree with the recommendation.' })).message)
      .toMatch(/no outcome recorded yet: record the enquiries made, the analysis and the recommendation/);
    const outcome = {
      actor: PRACTITIONER, caseId: c.caseId, recommendation: 'CONVENE_ICPC' as const, recommendationDetail: 'Convene an initial child protection conference.',
      enquiries: ['Home visit: saw the baby alone and with mother', 'Police checks on both parents', 'GP and health visitor records reviewed'],
      analysis: 'The injuries are not consistent with the explanation given; the baby is non-mobile; father has a history of violence. Risk of significant harm.',
    };
    expect((await refused(h, c, recordSection47Outcome, { ...outcome, analysis: 'Concerning.' })).message).toMatch(/^analysis: .*no analysis/);
    expect((await refused(h, c, recordSection47Outcome, { ...outcome, enquiries: [] })).message).toMatch(/^enquiries: list each enquiry made/);
    await take(h, c, recordSection47Outcome, outcome);
    expect((await refused(h, c, authoriseSection47, { actor: PRACTITIONER, caseId: c.caseId, managerComment: 'Agree with the recommendation.' })).message).toMatch(/authorised by a manager/);
    expect((await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Trying to close early.' })).message).toMatch(/section 47 enquiry is unresolved/);
    const authorised = await take(h, c, authoriseSection47, { actor: MANAGER, caseId: c.caseId, managerComment: 'Analysis is sound; agree an ICPC is needed.' });
    expect(authorised.stage).toBe('AWAITING_ICPC');

    // A later, complete discussion meets health's follow-up; in rbkc (ICPC from the last discussion) it moves the ICPC.
    await h.env.sleep(26 * 3_600_000);
    const secondHeldAt = await nowOf(h);
    const second = await take(h, c, recordStrategyDiscussion, discussion(c.caseId, secondHeldAt, { attendees: fullAttendance(h, borough), outcome: 'S17_ASSESSMENT', actions: [] }));
    expect(second.missingAgencies).toEqual([]);
    const icpcDue = workingDaysFrom(h, borough, icpcAnchor() === 'LAST_STRATEGY_DISCUSSION' ? secondHeldAt : firstHeldAt, 15);
    if (icpcAnchor() === 'LAST_STRATEGY_DISCUSSION') expect(second.deadlines).toContainEqual({ what: 'ICPC', dueAt: expect.any(String) as string, dueDate: icpcDue });
    await settled(() => openTasksOf(h, c.caseId), (tasks) => !tasks.some((t) => t.kind === 'STRATEGY_DISCUSSION_FOLLOW_UP'));
    await take(h, c, startAssessment, { actor: PRACTITIONER, caseId: c.caseId });

    // The conference: never on a weekend or bank holiday; the CP plan starts that day.
    await h.env.sleep(6 * 86_400_000);
    const s47Started = londonDate(firstHeldAt);
    const saturday = weekendOnOrAfter(s47Started);
    const icpcDay = lastWorkingDayOnOrBefore(borough, londonDate(await nowOf(h)));
    const conference = { actor: PRACTITIONER, caseId: c.caseId, heldOn: icpcDay, outcome: 'CP_PLAN' as const, categoryOfAbuse: 'PHY', note: null };
    expect((await refused(h, c, recordInitialConference, { ...conference, heldOn: saturday })).message).toMatch(new RegExp(`^heldOn: ${saturday} is a weekend or bank holiday`));
    expect((await refused(h, c, recordInitialConference, { ...conference, categoryOfAbuse: null })).message).toMatch(/^categoryOfAbuse: .*NEG/);
    const icpc = await take(h, c, recordInitialConference, conference);
    expect(icpc).toMatchObject({ stage: 'CP_PLAN', level: 'CP' });
    expect(icpc.deadlines).toEqual([
      { what: 'CORE_GROUP', dueAt: expect.any(String) as string, dueDate: workingDaysFrom(h, borough, `${icpcDay}T12:00:00Z`, 10) },
      { what: 'REVIEW', dueAt: expect.any(String) as string, dueDate: addCalendarMonths(icpcDay, 3) },
      { what: 'VISIT', dueAt: expect.any(String) as string, dueDate: workingDaysFrom(h, borough, `${icpcDay}T12:00:00Z`, h.boroughs.get(borough)!.settings.clocks.cpVisitWorkingDays) },
    ]);
    const [plan] = await settled(
      () => h.sql<{ kind: string; startDate: string; conferenceId: string }[]>`select kind, to_char(start_date, 'YYYY-MM-DD') as start_date, conference_id from plans where episode_id = ${c.caseId}`,
      (rows) => rows.length === 1,
    );
    expect(plan).toEqual({ kind: 'CP', startDate: icpcDay, conferenceId: icpc.recordId });
    const [held] = await h.sql<{ withinTimescale: boolean; dueDate: string }[]>`select within_timescale, to_char(due_date, 'YYYY-MM-DD') as due_date from conferences where id = ${icpc.recordId}`;
    expect(held).toEqual({ withinTimescale: true, dueDate: icpcDue });
    expect((await refused(h, c, createPlan, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CP', startDate: null })).message).toMatch(/starts only at an initial child protection conference/);

    // The third criticism: every action specific, owned, dated (a date, never "next review") and with an outcome.
    const today = londonDate(await nowOf(h));
    const action = {
      actor: PRACTITIONER, caseId: c.caseId, description: 'Health visitor to weigh the baby at home every Tuesday and send the weights to the social worker',
      responsibleAgency: 'HEALTH', responsiblePerson: 'Jo Bloggs, health visitor', dueDate: plusDays(today, 2), intendedOutcome: 'The baby gains weight steadily along the growth centile',
    };
    expect((await refused(h, c, addPlanAction, { ...action, dueDate: 'next review' })).message).toMatch(/^dueDate: "next review" is not a date: every action needs the date it must be done by/);
    expect((await refused(h, c, addPlanAction, { ...action, description: 'Monitor the family' })).message).toMatch(/^description: "monitor" is too vague/);
    expect((await refused(h, c, addPlanAction, { ...action, intendedOutcome: '' })).message).toMatch(/^intendedOutcome: say what the action is meant to change/);
    const soon = await take(h, c, addPlanAction, action);
    const later = await take(h, c, addPlanAction, { ...action, description: 'Police to complete the joint investigation interview with the family and share the outcome', responsibleAgency: 'POLICE', responsiblePerson: null, dueDate: plusDays(today, 30), intendedOutcome: 'The core group knows whether charges will follow' });

    // The first action goes overdue: it escalates once, and the core group lists it.
    await skipTo(h, `${plusDays(today, 3)}T18:00:00Z`);
    await settled(() => escalationsOf(h, c.caseId), (rows) => rows.some((r) => r.stage === 'PLAN_ACTION' && r.subject === soon.recordId));
    const coreGroup = await take(h, c, recordReview, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CORE_GROUP', heldOn: londonDate(await nowOf(h)), summary: 'First core group: plan agreed with the family.' });
    expect(coreGroup.overdueActions).toEqual([{ id: soon.recordId, description: action.description, responsibleAgency: 'HEALTH', dueDate: action.dueDate }]);
    await take(h, c, updatePlanAction, { actor: PRACTITIONER, caseId: c.caseId, actionId: soon.recordId!, description: null, responsibleAgency: null, responsiblePerson: null, dueDate: null, intendedOutcome: null, status: 'COMPLETED', note: null });

    // Step down (a manager's decision), then close: plans end, every task closes.
    expect((await refused(h, c, stepDown, { actor: PRACTITIONER, caseId: c.caseId, to: 'CIN', reason: 'Review conference agreed risk is reduced.' })).message).toMatch(/manager's decision/);
    const down = await take(h, c, stepDown, { actor: MANAGER, caseId: c.caseId, to: 'CIN', reason: 'Review conference agreed risk is reduced.' });
    expect(down).toMatchObject({ stage: 'ASSESSMENT', level: 'CIN' });
    expect((await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Family moved away.' })).message).toMatch(/assessment started .* is still open/);
    await take(h, c, completeAssessment, { actor: MANAGER, caseId: c.caseId, factors: ['18C', '3B'], summary: 'Physical abuse by father; domestic abuse.', overdueReason: null, childSeen: true });
    const closed = await take(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC7', note: 'Family moved to another borough; records transferred.' });
    expect(closed.stage).toBe('CLOSED');
    // The episode's workflow ends at closure; a later step finds no running episode to take it.
    expect(await resultWithoutSkipping(h, c.workflowId)).toMatchObject({ caseId: c.caseId, reason: 'RC7' });
    await expect(take(h, c, addPlanAction, action), 'nothing is recorded after closure').rejects.toThrow(AFTER_CLOSURE);

    const [episode] = await settled(
      () => h.sql<{ closureReason: string; level: string }[]>`select closure_reason, level from episodes where id = ${c.caseId} and closed_at is not null`,
      (rows) => rows.length === 1,
    );
    expect(episode).toEqual({ closureReason: 'RC7', level: 'CIN' });
    const plans = await h.sql<{ kind: string; endDate: string | null }[]>`select kind, to_char(end_date, 'YYYY-MM-DD') as end_date from plans where episode_id = ${c.caseId} order by created_at`;
    expect(plans.map((p) => p.kind)).toEqual(['CP', 'CIN']);
    expect(plans.every((p) => p.endDate !== null)).toBe(true);
    const [laterAction] = await h.sql<{ status: string }[]>`select status from plan_actions where id = ${later.recordId}`;
    expect(laterAction!.status).toBe('ENDED_WITH_PLAN');
    expect(await openTasksOf(h, c.caseId)).toEqual([]);
    const kinds = (await eventsOf(h, c.caseId)).map((e) => e.kind);
    for (const kind of ['EPISODE_OPENED', 'STRATEGY_DISCUSSION_HELD', 'SECTION_47_AUTHORISED', 'INITIAL_CONFERENCE_HELD', 'PLAN_STARTED', 'REVIEW_HELD', 'STEPPED_DOWN', 'EPISODE_CLOSED']) expect(kinds).toContain(kind);
    const [caseRow] = await h.sql<{ stage: string; closureReason: string }[]>`select stage, closure_reason from cases where id = ${c.caseId}`;
    expect(caseRow).toEqual({ stage: 'CLOSED', closureReason: 'RC7' });

    // The replay test replays this path's history (recorded once; delete the file to record it again).
    if (borough === 'hf') {
      const exists = await fs.access(HISTORY_FIXTURE).then(() => true, () => false);
      if (!exists) {
        await fs.mkdir(path.dirname(HISTORY_FIXTURE), { recursive: true });
        await fs.writeFile(HISTORY_FIXTURE, historyToFixture(await h.env.client.workflow.getHandle(c.workflowId).fetchHistory()));
      }
    }
  });

  it('child in need: an overdue assessment needs a reason, then a CIN plan, reviews, step down to early help, close', async () => {
    const c = await refer(h, { borough, pathway: 'S17_ASSESSMENT' });
    const referredAt = await nowOf(h);
    const started = await take(h, c, startAssessment, { actor: PRACTITIONER, caseId: c.caseId });
    const due = workingDaysFrom(h, borough, referredAt, 45);
    expect(started.deadlines).toEqual([{ what: 'ASSESSMENT', dueAt: expect.any(String) as string, dueDate: due }]);
    expect((await refused(h, c, startAssessment, { actor: PRACTITIONER, caseId: c.caseId })).message).toMatch(/already open/);

    // Past 45 working days: the team manager is told (rung 0), once.
    await skipTo(h, started.deadlines[0]!.dueAt, 3_600_000);
    const [first] = await settled(() => escalationsOf(h, c.caseId), (rows) => rows.length >= 1);
    expect(first).toMatchObject({ stage: 'ASSESSMENT', rung: 0, notify: 'TEAM_MANAGER' });

    // Completion now needs a reason, valid CIN factors and a manager.
    const completion = { actor: MANAGER, caseId: c.caseId, factors: ['3B', '4B'], summary: 'Domestic abuse and maternal mental health.', overdueReason: null, childSeen: false };
    expect((await refused(h, c, completeAssessment, completion)).message).toMatch(new RegExp(`^overdueReason: the assessment was due by ${due} and is overdue`));
    expect((await refused(h, c, completeAssessment, { ...completion, factors: ['18A'], overdueReason: 'Father refused to engage for three weeks.' })).message).toMatch(/18A is a legacy code .*18B .*18C/);
    expect((await refused(h, c, completeAssessment, { ...completion, factors: ['21', '3B'], overdueReason: 'Father refused to engage for three weeks.' })).message).toMatch(/cannot be combined.*8869/);
    expect((await refused(h, c, completeAssessment, { ...completion, actor: PRACTITIONER, overdueReason: 'Father refused to engage for three weeks.' })).message).toMatch(/manager's authorisation/);
    await take(h, c, completeAssessment, { ...completion, overdueReason: 'Father refused to engage for three weeks.' });
    const [assessment] = await settled(
      () => h.sql<{ status: string; overdueReason: string; authorisedBy: string }[]>`select status, overdue_reason, authorised_by from assessments where episode_id = ${c.caseId}`,
      (rows) => rows[0]?.status === 'COMPLETED',
    );
    expect(assessment).toEqual({ status: 'COMPLETED', overdueReason: 'Father refused to engage for three weeks.', authorisedBy: MANAGER.userId });
    expect((await h.sql<{ code: string }[]>`select code from assessment_factors f join assessments a on a.id = f.assessment_id where a.episode_id = ${c.caseId} order by code`).map((r) => r.code)).toEqual(['3B', '4B']);

    // Completed: the later rungs never fire.
    await h.env.sleep(14 * 86_400_000);
    await quiet(h, c);
    expect((await escalationsOf(h, c.caseId)).filter((r) => r.stage === 'ASSESSMENT')).toHaveLength(1);

    // A CIN plan, reviewed at the borough's interval; overdue actions are listed at the review.
    const today = londonDate(await nowOf(h));
    const plan = await take(h, c, createPlan, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CIN', startDate: null });
    const months = h.boroughs.get(borough)!.settings.clocks.cinReviewMonths;
    expect(plan.deadlines).toEqual([
      { what: 'REVIEW', dueAt: expect.any(String) as string, dueDate: addCalendarMonths(today, months) },
      { what: 'VISIT', dueAt: expect.any(String) as string, dueDate: workingDaysFrom(h, borough, `${today}T12:00:00Z`, h.boroughs.get(borough)!.settings.clocks.cinVisitWorkingDays) },
    ]);
    const action = await take(h, c, addPlanAction, {
      actor: PRACTITIONER, caseId: c.caseId, description: 'Adult mental health to offer mother an assessment appointment within two weeks',
      responsibleAgency: 'ADULT_MENTAL_HEALTH', responsiblePerson: null, dueDate: plusDays(today, 14), intendedOutcome: 'Mother has a treatment plan for her depression',
    });
    await skipTo(h, plan.deadlines[0]!.dueAt);
    await settled(() => escalationsOf(h, c.caseId), (rows) => rows.some((r) => r.stage === 'REVIEW'));
    const review = await take(h, c, recordReview, { actor: PRACTITIONER, caseId: c.caseId, kind: 'CIN_REVIEW', heldOn: londonDate(await nowOf(h)), summary: 'Some progress; mother not yet seen by mental health.' });
    expect(review.overdueActions.map((a) => a.id)).toEqual([action.recordId]);
    expect(review.deadlines).toEqual([{ what: 'REVIEW', dueAt: expect.any(String) as string, dueDate: addCalendarMonths(londonDate(await nowOf(h)), months) }]);

    // Step down to early help (the early help episode starts with it); once early help has ended, close as referred to
    // early help (RC9: after an assessment).
    const down = await take(h, c, stepDown, { actor: MANAGER, caseId: c.caseId, to: 'EARLY_HELP', reason: 'Family engaging; needs can be met by the family hub.', earlyHelp: { organisation: 'Family hub', startDate: null } });
    expect(down).toMatchObject({ stage: 'EARLY_HELP', level: 'EARLY_HELP' });
    expect((await refused(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC9', note: 'Stepped down to the family hub.' })).message).toMatch(/^Early help with Family hub .* is open: record how it ended \(endEarlyHelp/);
    await take(h, c, endEarlyHelp, { actor: PRACTITIONER, caseId: c.caseId, endedOn: londonDate(await nowOf(h)), outcome: 'NEEDS_MET', note: null });
    await take(h, c, closeCase, { actor: MANAGER, caseId: c.caseId, reason: 'RC9', note: 'Stepped down to the family hub.' });
    const [closed] = await settled(
      () => h.sql<{ closureReason: string; level: string; referralNfa: boolean }[]>`select closure_reason, level, referral_nfa from episodes where id = ${c.caseId} and closed_at is not null`,
      (rows) => rows.length === 1,
    );
    expect(closed).toEqual({ closureReason: 'RC9', level: 'EARLY_HELP', referralNfa: false });
    const [step] = await h.sql<{ fromLevel: string; toLevel: string }[]>`select from_level, to_level from step_changes where episode_id = ${c.caseId}`;
    expect(step).toEqual({ fromLevel: 'CIN', toLevel: 'EARLY_HELP' });
  });
});

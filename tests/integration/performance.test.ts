import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addWorkingDays, isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { eventually, startStack, type TestStack } from '../support/stack';
import { agencyResponds, attendees, decideMash, decideScreening, episodeOf, episodeStep, receiveContact, requestAgency, screenable } from '../support/walk';

// Performance information (issue 10), end to end: casework is walked through GraphQL in a borough of its own (a copy
// of hf's settings under a fresh code, so no other test file's cases are counted), then every measure the report
// gives is checked against a count made here from what the test did (statutory visits with recordVisit, early help
// with stepDown, endEarlyHelp and stepUp: nothing is written to the database by hand). Temporal runs on the
// time-skipping server so the casework happens on a working morning whatever day the tests run.

let env: TestWorkflowEnvironment;
let stack: TestStack;
let offsetMs = 0;
const BOROUGH = `pf${randomUUID().replace(/[^a-z]/g, '').slice(0, 6).padEnd(6, 'x')}`;
let manager: string;
let auditor: string;
let administrator: string;

async function skipTo(at: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (at.getTime() > now) await env.sleep(at.getTime() - now);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}
const nowLondon = async () => DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' });
const calendar = () => stack.boroughs.get(BOROUGH)!.calendar;

beforeAll(async () => {
  const configDir = path.join(inject('scratchDir'), `performance-config-${randomUUID()}`);
  await fs.mkdir(configDir, { recursive: true });
  await fs.cp(path.join(projectRoot, 'borough-config', 'bank-holidays'), path.join(configDir, 'bank-holidays'), { recursive: true });
  await fs.cp(path.join(projectRoot, 'borough-config', 'hf'), path.join(configDir, BOROUGH), { recursive: true });
  const settingsFile = path.join(configDir, BOROUGH, 'borough.json');
  await fs.writeFile(settingsFile, JSON.stringify({ ...(JSON.parse(await fs.readFile(settingsFile, 'utf8')) as object), code: BOROUGH, name: 'Performance test borough' }));
  const rulesFile = path.join(configDir, BOROUGH, 'thresholds.json');
  await fs.writeFile(rulesFile, JSON.stringify({ ...(JSON.parse(await fs.readFile(rulesFile, 'utf8')) as object), borough: BOROUGH }));

  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  stack = await startStack({ temporalAddress: env.address, boroughConfigDir: configDir, now: () => new Date(Date.now() + offsetMs) });
  manager = await stack.token({ user: 'perf-manager', roles: ['manager'], boroughs: [BOROUGH] }, '4h');
  auditor = await stack.token({ user: 'perf-auditor', roles: ['auditor'], boroughs: [BOROUGH] }, '4h');
  administrator = await stack.token({ user: 'perf-admin', roles: ['administrator'], boroughs: [BOROUGH] }, '4h');
  // To 10:00 on the next working day, so decisions made now are in office hours.
  const now = await nowLondon();
  let day = now.hour < 10 ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!isWorkingDay(day.toISODate()!, calendar())) day = day.plus({ days: 1 });
  await skipTo(day.set({ hour: 10 }).toJSDate());
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

interface Figure { numerator: number; denominator: number | null; rate: number | null }
interface Measure extends Figure {
  medianHours: number | null;
  id: string; title: string; rule: string; kind: string; englandRate: number | null; englandSource: string | null;
  breakdown: ({ by: string; key: string; medianHours: number | null } & Figure)[];
  series: ({ month: string } & Figure)[];
  cases: { caseId: string; reference: string; countedOn: string; met: boolean | null }[];
}
const REPORT = `query ($borough: String!, $from: Date!, $to: Date!, $team: String) {
  performance(borough: $borough, from: $from, to: $to, team: $team) {
    borough from to team
    measures { id title rule kind numerator denominator rate englandRate englandSource
      breakdown { by key numerator denominator rate medianHours } medianHours series { month numerator denominator rate } cases(limit: 500) { caseId reference countedOn met } }
  }
}`;

async function report(token: string, vars: { from: string; to: string; team?: string }) {
  const result = await stack.graphql<{ performance: { measures: Measure[] } }>(REPORT, { borough: BOROUGH, ...vars }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return new Map(result.data!.performance.measures.map((m) => [m.id, m]));
}

const figure = (numerator: number, denominator: number | null): Figure => ({ numerator, denominator, rate: denominator ? numerator / denominator : null });
const pick = (m: Measure | undefined): Figure => ({ numerator: m!.numerator, denominator: m!.denominator, rate: m!.rate });
const breakdown = (m: Measure | undefined, by: string) => Object.fromEntries(m!.breakdown.filter((b) => b.by === by).map((b) => [b.key, [b.numerator, b.denominator]]));

const child = (lastName: string) => ({ firstName: 'Alex', lastName, dateOfBirth: DateTime.now().minus({ years: 7 }).toISODate() });

interface Recommended { id: string; children: ReturnType<typeof child>[]; recommended: { pathway: string; levelOfNeed: number; rag: string } }

async function contact(receivedAt?: Date, children = [child(`Perf-${randomUUID().slice(0, 8)}`)], indicators = ['NEGLECT']): Promise<Recommended> {
  const id = await receiveContact(stack, manager, { borough: BOROUGH, consent: 'GIVEN', children, indicators, ...(receivedAt ? { receivedAt: receivedAt.toISOString() } : {}) });
  await screenable(stack, manager, id);
  const read = await stack.graphql<{ contact: { recommendation: Recommended['recommended'] } }>('query ($id: ID!) { contact(id: $id) { recommendation { pathway levelOfNeed rag } } }', { id }, manager);
  return { id, recommended: read.data!.contact.recommendation, children };
}

/** Records the screening decision; answers whether it overrode the recommendation (pathway, level of need or RAG differ). */
async function decide(c: Recommended, pathway: string, rag = 'AMBER', levelOfNeed = pathway === 'NO_FURTHER_ACTION' ? 1 : 4) {
  const answer = await decideScreening(stack, manager, c.id, { pathway, rag, levelOfNeed });
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return pathway !== c.recommended.pathway || rag !== c.recommended.rag || levelOfNeed !== c.recommended.levelOfNeed;
}

async function settled(caseId: string, stage: string) {
  await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, manager), (r) => r.data?.episode?.stage === stage);
}

/** An episode step whose input carries its caseId (recordVisit, endEarlyHelp), as a caseworker or manager takes it. */
async function inputStep(name: string, inputType: string, input: Record<string, unknown>) {
  const result = await stack.graphql(`mutation ($input: ${inputType}!) { ${name}(input: $input) { caseId recordId } }`, { input }, manager);
  expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
}
const visit = (caseId: string, visitedOn: string, childSeen: boolean, seenAlone: boolean) =>
  inputStep('recordVisit', 'RecordVisitInput', { caseId, visitedOn, visitor: 'Sam Social Worker', childSeen, seenAlone, note: childSeen ? 'Saw the child at home.' : 'No answer at the door.' });
/** The date a plan's visit falls due: the borough's working days from noon (London) on the day it started or the child was last seen. */
const visitDue = (from: string, days: number) => addWorkingDays(DateTime.fromISO(`${from}T12:00`, { zone: 'Europe/London' }).toJSDate(), days, calendar()).dueDate;

async function allocate(caseId: string, worker: string, team: string) {
  const result = await stack.graphql('mutation ($id: ID!, $worker: String, $team: String) { allocateWorker(caseId: $id, worker: $worker, team: $team, reason: "Locality allocation") { worker } }', { id: caseId, worker, team }, manager);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
}

describe('performance measures over casework walked through the API', () => {
  it('gives every measure as counted by hand, per team, month by month, with the cases behind each figure', async () => {
    const today = (await nowLondon()).toISODate()!;
    const settings = stack.boroughs.get(BOROUGH)!.settings;
    const [teamA, teamB] = settings.teams.filter((t) => t.kind === 'LOCALITY').map((t) => t.id).concat(settings.teams.map((t) => t.id));
    const required = [...new Set(['CHILDRENS_SOCIAL_CARE', ...settings.strategyDiscussion.requiredAgencies])];
    // A working day a week or more ago, 10:00 London: that contact's screening clock ran out long ago.
    let lateDay = (await nowLondon()).startOf('day').minus({ days: 7 });
    while (!isWorkingDay(lateDay.toISODate()!, calendar())) lateDay = lateDay.minus({ days: 1 });
    const lateAt = lateDay.set({ hour: 10 }).toJSDate();

    let overrides = 0;
    // c1: screened on time to an assessment, assessed in time and closed; the same child comes back (c5): a re-referral.
    const c1 = await contact();
    overrides += Number(await decide(c1, 'S17_ASSESSMENT'));
    const e1 = await episodeOf(stack, c1.id);
    await settled(e1, 'REFERRAL');
    await episodeStep(stack, manager, 'startAssessment', null, e1, null);
    await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', e1, { childSeen: true, factors: ['3B'], summary: 'Neglect of basic care; the parents engage well.' });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', e1, { reason: 'RC8', note: 'Assessed: no further action.' });

    // c2: received a week ago and screened late (its screening escalations climbed the ladder), then child protection.
    const c2 = await contact(lateAt);
    const screeningRungs = settings.escalation.SCREENING.rungs.length;
    await eventually(() => stack.graphql<{ case: { escalations: unknown[] } }>('query ($id: ID!) { case(id: $id) { escalations { rung } } }', { id: c2.id }, manager), (r) => (r.data?.case.escalations.length ?? 0) >= screeningRungs);
    overrides += Number(await decide(c2, 'STRATEGY_DISCUSSION', 'RED'));
    const e2 = await episodeOf(stack, c2.id);
    await settled(e2, 'STRATEGY_DISCUSSION');
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', e2, {
      heldAt: new Date(Date.now() + offsetMs - 60_000).toISOString(), attendees: attendees(required), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [],
    });
    await episodeStep(stack, manager, 'startSection47', 'StartSection47Input', e2, {});
    await episodeStep(stack, manager, 'recordSection47Outcome', 'Section47OutcomeInput', e2, {
      enquiries: ['Saw the child alone at school'], recommendation: 'CONVENE_ICPC', recommendationDetail: 'Likely significant harm: convene a conference.',
      analysis: 'The injuries and the account given do not match; the child is at continuing risk.',
    });
    await episodeStep(stack, manager, 'authoriseSection47', 'AuthoriseSection47Input', e2, { managerComment: 'Agreed: convene the initial conference.' });
    await episodeStep(stack, manager, 'recordInitialConference', 'InitialConferenceInput', e2, { heldOn: today, outcome: 'CP_PLAN', categoryOfAbuse: 'PHY', note: 'Plan agreed by all agencies.' });
    await episodeStep(stack, manager, 'addPlanAction', 'PlanActionInput', e2, {
      description: 'Health visitor to weigh the child at home every Tuesday', responsibleAgency: 'HEALTH', responsiblePerson: 'HV Patel',
      dueDate: DateTime.fromISO(today).plus({ days: 7 }).toISODate(), intendedOutcome: 'Steady weight gain',
    });
    await episodeStep(stack, manager, 'recordReview', 'ReviewInput', e2, { kind: 'CORE_GROUP', heldOn: today, summary: 'First core group: the plan is under way.' });
    // Statutory visits on the CP plan: seen alone, then seen with a parent (both by the plan's first visit date).
    await visit(e2, today, true, true);
    await visit(e2, today, true, false);
    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', e2, { to: 'CIN', reason: 'Review conference: risk reduced, support continues.' });
    // On the CIN plan: the child was not seen, so the visit does not meet the plan's visit deadline.
    await visit(e2, today, false, false);
    await episodeStep(stack, manager, 'recordReview', 'ReviewInput', e2, { kind: 'CIN_REVIEW', heldOn: today, summary: 'CIN review: the plan is working.' });
    // Early help twice: the family disengages from the first episode, the child is stepped up to a CIN plan again, and
    // the second episode ends with the family's needs met.
    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', e2, { to: 'EARLY_HELP', reason: 'Needs met; early help will continue the support.', earlyHelp: { organisation: 'North family hub' } });
    await inputStep('endEarlyHelp', 'EndEarlyHelpInput', { caseId: e2, endedOn: today, outcome: 'DISENGAGED', note: 'The family stopped answering the hub.' });
    await episodeStep(stack, manager, 'stepUp', 'StepUpInput', e2, { to: 'CIN', reason: 'Family disengaged from early help; worries returned.' });
    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', e2, { to: 'EARLY_HELP', reason: 'The family engage again; early help continues.', earlyHelp: { organisation: 'North family hub' } });
    await inputStep('endEarlyHelp', 'EndEarlyHelpInput', { caseId: e2, endedOn: today, outcome: 'NEEDS_MET', note: 'Goals of the family plan reached.' });

    // c3: a school attendance worry, decided exactly as the rules recommend (not an override), with no referral.
    const c3 = await contact(undefined, undefined, ['SCHOOL_ATTENDANCE']);
    expect(['NO_FURTHER_ACTION', 'INFORMATION_AND_ADVICE', 'UNIVERSAL_SERVICES', 'EARLY_HELP']).toContain(c3.recommended.pathway);
    expect(await decide(c3, c3.recommended.pathway, c3.recommended.rag, c3.recommended.levelOfNeed)).toBe(false);

    // c4: a RED MASH enquiry: police answer in time, health is still out when the MASH decides (withdrawn, not judged).
    const c4 = await contact();
    overrides += Number(await decide(c4, 'MASH_ENQUIRY', 'RED'));
    await eventually(() => stack.graphql<{ contact: { status: string } }>('query ($id: ID!) { contact(id: $id) { status } }', { id: c4.id }, manager), (r) => r.data?.contact.status === 'MASH_ENQUIRY');
    for (const step of [await requestAgency(stack, manager, c4.id, 'POLICE'), await requestAgency(stack, manager, c4.id, 'HEALTH'), await agencyResponds(stack, manager, c4.id, 'POLICE')]) {
      expect(step.errors, JSON.stringify(step.errors)).toBeUndefined();
    }
    const mash = await decideMash(stack, manager, c4.id, 'NO_FURTHER_ACTION', 'Health did not answer in time; police checks are enough.');
    expect(mash.errors, JSON.stringify(mash.errors)).toBeUndefined();

    // c5: c1's child again, within 12 months: a re-referral, left open at the start of an assessment.
    const c5 = await contact(undefined, c1.children);
    overrides += Number(await decide(c5, 'S17_ASSESSMENT'));
    const e5 = await episodeOf(stack, c5.id);
    await settled(e5, 'REFERRAL');
    await episodeStep(stack, manager, 'startAssessment', null, e5, null);

    // c6: a strategy discussion without education (incomplete, overridden), no further action: an NFA referral.
    const c6 = await contact();
    overrides += Number(await decide(c6, 'STRATEGY_DISCUSSION', 'RED'));
    const e6 = await episodeOf(stack, c6.id);
    await settled(e6, 'STRATEGY_DISCUSSION');
    const partial = required.filter((a) => a !== 'EDUCATION');
    expect(partial.length).toBeLessThan(required.length);
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', e6, {
      heldAt: new Date(Date.now() + offsetMs - 60_000).toISOString(), attendees: attendees(partial), outcome: 'NO_FURTHER_ACTION',
      rationale: 'The injury was accidental, as the GP confirmed.', actions: [], overrideReason: 'School closed for the holiday; the head will be asked.',
    });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', e6, { reason: 'RC7', note: 'No further action after the strategy discussion.' });

    // Allocation: e2 to team B, e5 to team A (the only open allocated cases at the end).
    await allocate(e2, 'worker-b', teamB!);
    await allocate(e5, 'worker-a', teamA!);

    // The visits as the case shows them: each against the deadline its plan ran then, from the borough's calendar.
    const visits = (await stack.graphql<{ episode: { visits: { visitedOn: string; planKind: string | null; dueDate: string | null; childSeen: boolean; seenAlone: boolean }[] } }>(
      'query ($id: ID!) { episode(caseId: $id) { visits { visitedOn planKind dueDate childSeen seenAlone } } }', { id: e2 }, manager)).data!.episode.visits;
    const cpDue = visitDue(today, settings.clocks.cpVisitWorkingDays);
    const cinDue = visitDue(today, settings.clocks.cinVisitWorkingDays);
    expect(cpDue > today && cinDue > cpDue).toBe(true);
    expect(visits.map((v) => [v.planKind, v.dueDate, v.childSeen, v.seenAlone]).sort()).toEqual([['CIN', cinDue, false, false], ['CP', cpDue, true, false], ['CP', cpDue, true, true]].sort());

    // The escalations the casework raised, as the case view shows them.
    const contacts = [c1, c2, c3, c4, c5, c6].map((c) => c.id);
    const episodes = [e1, e2, e5, e6];
    const escalations = (await Promise.all([...contacts, ...episodes].map(async (id) =>
      (await stack.graphql<{ case: { escalations: { stage: string; rung: number }[] } }>('query ($id: ID!) { case(id: $id) { escalations { stage rung } } }', { id }, manager)).data!.case.escalations))).flat();
    expect(escalations.filter((x) => x.stage === 'SCREENING').length).toBeGreaterThanOrEqual(screeningRungs);
    const countBy = (keys: string[]) => keys.reduce<Record<string, [number, null]>>((acc, k) => ({ ...acc, [k]: [(acc[k]?.[0] ?? 0) + 1, null] }), {});

    const from = DateTime.fromISO(today).minus({ days: 40 }).toISODate()!;
    const m = await report(manager, { from, to: today });

    expect(pick(m.get('CONTACTS'))).toEqual(figure(6, null));
    expect(breakdown(m.get('CONTACTS'), 'channel')).toEqual({ PHONE: [6, null] });
    expect(new Set(m.get('CONTACTS')!.cases.map((c) => c.caseId))).toEqual(new Set(contacts));
    expect(pick(m.get('SCREENING_WITHIN_ONE_WORKING_DAY'))).toEqual(figure(5, 6));
    expect(m.get('SCREENING_WITHIN_ONE_WORKING_DAY')!.cases.filter((c) => c.met === false).map((c) => c.caseId)).toEqual([c2.id]);
    expect(m.get('SCREENING_WITHIN_ONE_WORKING_DAY')!.cases.find((c) => c.caseId === c2.id)!.countedOn).toBe(lateDay.toISODate());
    expect(pick(m.get('CONTACT_TO_REFERRAL'))).toEqual(figure(4, 6));
    expect(pick(m.get('RE_REFERRALS_WITHIN_12_MONTHS'))).toEqual(figure(1, 4));
    expect(m.get('RE_REFERRALS_WITHIN_12_MONTHS')!.cases.filter((c) => c.met).map((c) => c.caseId)).toEqual([e5]);
    expect(m.get('RE_REFERRALS_WITHIN_12_MONTHS')!.englandRate).toBe(0.224);
    expect(pick(m.get('REFERRALS_NFA'))).toEqual(figure(1, 4));
    expect(m.get('REFERRALS_NFA')!.cases.filter((c) => c.met).map((c) => c.caseId)).toEqual([e6]);
    expect(pick(m.get('MASH_TIMELINESS'))).toEqual(figure(1, 1));
    expect(breakdown(m.get('MASH_TIMELINESS'), 'rag')).toEqual({ RED: [1, 1] });
    expect(pick(m.get('AGENCY_RESPONSES_ON_TIME'))).toEqual(figure(1, 1));
    expect(breakdown(m.get('AGENCY_RESPONSES_ON_TIME'), 'agency')).toEqual({ HEALTH: [0, 0], POLICE: [1, 1] });
    // Response time: police answered this long after being asked (as the contact's timeline shows); health never did.
    const timeline = (await stack.graphql<{ case: { timeline: { kind: string; at: string; detail: { agency?: string } }[] } }>(
      'query ($id: ID!) { case(id: $id) { timeline { kind at detail } } }', { id: c4.id }, manager)).data!.case.timeline;
    const at = (kind: string, agency: string) => Date.parse(timeline.find((e) => e.kind === kind && e.detail.agency === agency)!.at);
    const policeHours = (at('AGENCY_INFORMATION_RECEIVED', 'POLICE') - at('AGENCY_INFORMATION_REQUESTED', 'POLICE')) / 3_600_000;
    const agencies = m.get('AGENCY_RESPONSES_ON_TIME')!.breakdown;
    expect(agencies.find((b) => b.key === 'POLICE')!.medianHours).toBeCloseTo(policeHours, 6);
    expect(agencies.find((b) => b.key === 'HEALTH')!.medianHours).toBeNull();
    expect(m.get('AGENCY_RESPONSES_ON_TIME')!.medianHours).toBeCloseTo(policeHours, 6);
    expect(m.get('CONTACTS')!.medianHours).toBeNull();
    expect(pick(m.get('STRATEGY_DISCUSSIONS_COMPLETE'))).toEqual(figure(1, 2));
    expect(m.get('STRATEGY_DISCUSSIONS_COMPLETE')!.cases.map((c) => [c.caseId, c.met]).sort()).toEqual([[e2, true], [e6, false]].sort());
    expect(pick(m.get('SECTION_47S_FULLY_RECORDED'))).toEqual(figure(1, 1));
    expect(pick(m.get('ASSESSMENTS_WITHIN_45_WORKING_DAYS'))).toEqual(figure(1, 1));
    expect(m.get('ASSESSMENTS_WITHIN_45_WORKING_DAYS')!.cases.map((c) => c.caseId)).toEqual([e1]);
    expect(m.get('ASSESSMENTS_WITHIN_45_WORKING_DAYS')!.englandRate).toBe(0.86);
    expect(pick(m.get('ICPCS_WITHIN_15_WORKING_DAYS'))).toEqual(figure(1, 1));
    expect(m.get('ICPCS_WITHIN_15_WORKING_DAYS')!.englandRate).toBe(0.78);
    expect(pick(m.get('FIRST_CORE_GROUPS_WITHIN_10_WORKING_DAYS'))).toEqual(figure(1, 1));
    expect(pick(m.get('REVIEWS_ON_TIME'))).toEqual(figure(1, 1));
    expect(breakdown(m.get('REVIEWS_ON_TIME'), 'kind')).toEqual({ CIN_REVIEW: [1, 1] });
    // The CP plan's action names a person; neither CIN plan (the step down's, the step up's) has an action yet.
    expect(pick(m.get('PLANS_WITH_OWNED_DATED_ACTIONS'))).toEqual(figure(1, 3));
    expect(breakdown(m.get('PLANS_WITH_OWNED_DATED_ACTIONS'), 'kind')).toEqual({ CIN: [0, 2], CP: [1, 1] });
    // Two visits saw the child by the CP plan's visit date; the CIN plan's did not see the child. One saw the child alone.
    expect(pick(m.get('VISITS_ON_TIME'))).toEqual(figure(2, 3));
    expect(m.get('VISITS_ON_TIME')!.cases.map((c) => [c.caseId, c.countedOn, c.met]).sort()).toEqual([[e2, today, false], [e2, today, true], [e2, today, true]]);
    expect(pick(m.get('CHILDREN_SEEN_ALONE'))).toEqual(figure(1, 3));
    expect(pick(m.get('ESCALATIONS'))).toEqual(figure(escalations.length, null));
    expect(breakdown(m.get('ESCALATIONS'), 'stage')).toEqual(countBy(escalations.map((x) => x.stage)));
    expect(breakdown(m.get('ESCALATIONS'), 'rung')).toEqual(countBy(escalations.map((x) => String(x.rung))));
    expect(pick(m.get('CASELOADS_WITHIN_LIMIT'))).toEqual(figure(2, 2));
    expect(breakdown(m.get('CASELOADS_WITHIN_LIMIT'), 'worker')).toEqual({ 'worker-a': [1, 1], 'worker-b': [1, 1] });
    expect(pick(m.get('EARLY_HELP_STEP_DOWNS'))).toEqual(figure(2, null));
    expect(breakdown(m.get('EARLY_HELP_STEP_DOWNS'), 'from')).toEqual({ CIN: [2, null] });
    expect(pick(m.get('EARLY_HELP_OUTCOMES'))).toEqual(figure(1, 2));
    expect(breakdown(m.get('EARLY_HELP_OUTCOMES'), 'outcome')).toEqual({ DISENGAGED: [0, 1], NEEDS_MET: [1, 1] });
    expect(m.get('EARLY_HELP_OUTCOMES')!.cases.map((c) => [c.caseId, c.countedOn, c.met]).sort()).toEqual([[e2, today, false], [e2, today, true]]);
    expect(pick(m.get('RECOMMENDATION_OVERRIDES'))).toEqual(figure(overrides, 6));
    // Every measure is listed, each with its rule.
    expect(m.size).toBe(21);
    for (const measure of m.values()) expect(measure.rule.length).toBeGreaterThan(40);

    // The series: the months of the period and as many before, this month holding what happened now.
    const months = Math.round(DateTime.fromISO(today).startOf('month').diff(DateTime.fromISO(from).startOf('month'), 'months').months) + 1;
    const series = m.get('CONTACTS')!.series;
    expect(series.map((p) => p.month)).toEqual(Array.from({ length: 2 * months }, (_, i) => DateTime.fromISO(from).startOf('month').minus({ months }).plus({ months: i }).toFormat('yyyy-MM')));
    const byMonth = (id: string) => Object.fromEntries(m.get(id)!.series.filter((p) => p.numerator > 0 || (p.denominator ?? 0) > 0).map((p) => [p.month, [p.numerator, p.denominator]]));
    const thisMonth = today.slice(0, 7);
    const lateMonth = lateDay.toFormat('yyyy-MM');
    expect(byMonth('CONTACTS')).toEqual(lateMonth === thisMonth ? { [thisMonth]: [6, null] } : { [lateMonth]: [1, null], [thisMonth]: [5, null] });
    expect(byMonth('ICPCS_WITHIN_15_WORKING_DAYS')).toEqual({ [thisMonth]: [1, 1] });
    expect(m.get('CASELOADS_WITHIN_LIMIT')!.series.at(-1)).toMatchObject({ month: thisMonth, numerator: 2, denominator: 2 });
    expect(m.get('CASELOADS_WITHIN_LIMIT')!.series[0]).toMatchObject({ numerator: 0, denominator: 0 });

    // A period before the casework counts none of it.
    const before = await report(manager, { from: DateTime.fromISO(from).minus({ months: 3 }).toISODate()!, to: DateTime.fromISO(lateDay.toISODate()!).minus({ days: 1 }).toISODate()! });
    expect(pick(before.get('CONTACTS'))).toEqual(figure(0, null));
    expect(pick(before.get('ICPCS_WITHIN_15_WORKING_DAYS'))).toEqual(figure(0, 0));

    // Per team: only team B's case (e2) counts; contacts are not allocated to a team.
    const b = await report(auditor, { from, to: today, team: teamB! });
    expect(pick(b.get('CONTACTS'))).toEqual(figure(0, null));
    expect(pick(b.get('ICPCS_WITHIN_15_WORKING_DAYS'))).toEqual(figure(1, 1));
    expect(b.get('ICPCS_WITHIN_15_WORKING_DAYS')!.cases.map((c) => c.caseId)).toEqual([e2]);
    expect(pick(b.get('STRATEGY_DISCUSSIONS_COMPLETE'))).toEqual(figure(1, 1));
    expect(pick(b.get('RE_REFERRALS_WITHIN_12_MONTHS'))).toEqual(figure(0, 1));
    expect(pick(b.get('CASELOADS_WITHIN_LIMIT'))).toEqual(figure(1, 1));
    const a = await report(auditor, { from, to: today, team: teamA! });
    expect(pick(a.get('RE_REFERRALS_WITHIN_12_MONTHS'))).toEqual(figure(1, 1));
    expect(pick(a.get('ICPCS_WITHIN_15_WORKING_DAYS'))).toEqual(figure(0, 0));
  }, 300_000);
});

describe('deadlines missed', () => {
  it('counts an initial conference and an assessment held after their deadlines as late, in the month they were held', async () => {
    const settings = stack.boroughs.get(BOROUGH)!.settings;
    const required = [...new Set(['CHILDRENS_SOCIAL_CARE', ...settings.strategyDiscussion.requiredAgencies])];
    const cp = await contact();
    await decide(cp, 'STRATEGY_DISCUSSION', 'RED');
    const late = await episodeOf(stack, cp.id);
    await settled(late, 'STRATEGY_DISCUSSION');
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', late, {
      heldAt: new Date(Date.now() + offsetMs - 60_000).toISOString(), attendees: attendees(required), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [],
    });
    const s47 = await episodeStep(stack, manager, 'startSection47', 'StartSection47Input', late, {});
    const icpcDue = s47.deadlines.find((d) => d.what === 'ICPC')!.dueDate;
    await episodeStep(stack, manager, 'recordSection47Outcome', 'Section47OutcomeInput', late, {
      enquiries: ['Saw the child alone at school'], recommendation: 'CONVENE_ICPC', recommendationDetail: 'Likely significant harm: convene a conference.',
      analysis: 'The injuries and the account given do not match; the child is at continuing risk.',
    });
    await episodeStep(stack, manager, 'authoriseSection47', 'AuthoriseSection47Input', late, { managerComment: 'Agreed: convene the initial conference.' });
    const s17 = await contact();
    await decide(s17, 'S17_ASSESSMENT');
    const slow = await episodeOf(stack, s17.id);
    await settled(slow, 'REFERRAL');
    await episodeStep(stack, manager, 'startAssessment', null, slow, null);
    const assessmentDue = (await stack.graphql<{ episode: { assessmentDueDate: string } }>('query ($id: ID!) { episode(caseId: $id) { assessmentDueDate } }', { id: slow }, manager)).data!.episode.assessmentDueDate;
    expect(assessmentDue).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Past both deadlines, to a working morning.
    let day = DateTime.fromISO([icpcDue, assessmentDue].sort().at(-1)!, { zone: 'Europe/London' }).plus({ days: 3 });
    while (!isWorkingDay(day.toISODate()!, calendar())) day = day.plus({ days: 1 });
    await skipTo(day.set({ hour: 10 }).toJSDate());
    const heldOn = (await nowLondon()).toISODate()!;
    expect(heldOn > icpcDue && heldOn > assessmentDue).toBe(true);
    await episodeStep(stack, manager, 'recordInitialConference', 'InitialConferenceInput', late, { heldOn, outcome: 'NO_CP_PLAN', note: 'No plan needed after all.' });
    await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', slow, { childSeen: true, factors: ['3B'], summary: 'Neglect of basic care; the parents engage well.', overdueReason: 'The family was away for six weeks.' });

    const m = await report(manager, { from: heldOn, to: heldOn });
    expect(pick(m.get('ICPCS_WITHIN_15_WORKING_DAYS'))).toEqual(figure(0, 1));
    expect(m.get('ICPCS_WITHIN_15_WORKING_DAYS')!.cases).toEqual([expect.objectContaining({ caseId: late, countedOn: heldOn, met: false })]);
    expect(pick(m.get('ASSESSMENTS_WITHIN_45_WORKING_DAYS'))).toEqual(figure(0, 1));
    expect(m.get('ASSESSMENTS_WITHIN_45_WORKING_DAYS')!.cases).toEqual([expect.objectContaining({ caseId: slow, countedOn: heldOn, met: false })]);
    expect(m.get('ICPCS_WITHIN_15_WORKING_DAYS')!.series.at(-1)).toMatchObject({ month: heldOn.slice(0, 7), numerator: 0, denominator: 1 });
  }, 300_000);
});

describe('who may read performance figures, and bad periods', () => {
  const FIGURES = 'query ($borough: String!, $from: Date!, $to: Date!, $team: String) { performance(borough: $borough, from: $from, to: $to, team: $team) { measures { id numerator } } }';
  const CASES = 'query ($borough: String!, $from: Date!, $to: Date!) { performance(borough: $borough, from: $from, to: $to) { measure(id: CONTACTS) { numerator cases { caseId } } } }';
  const period = { borough: BOROUGH, from: '2026-01-01', to: '2026-03-31' };

  it('lets managers, auditors and administrators read figures, and only managers and auditors the cases behind them', async () => {
    for (const token of [manager, auditor, administrator]) expect((await stack.graphql(FIGURES, period, token)).errors).toBeUndefined();
    for (const token of [manager, auditor]) expect((await stack.graphql(CASES, period, token)).errors).toBeUndefined();
    const paging = 'query ($borough: String!, $from: Date!, $to: Date!, $limit: Int, $offset: Int) { performance(borough: $borough, from: $from, to: $to) { measure(id: CONTACTS) { cases(limit: $limit, offset: $offset) { caseId } } } }';
    const bad = await stack.graphql(paging, { ...period, limit: 0, offset: -1 }, manager);
    expect(bad.errors?.[0]?.extensions?.problems?.map((p) => p.field)).toEqual(['limit', 'offset']);
    const admin = await stack.graphql(CASES, period, administrator);
    expect(admin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('writes each case listed behind a figure on that case\'s audit trail, as a read by whoever listed it', async () => {
    const contactId = await receiveContact(stack, manager, { borough: BOROUGH });
    await screenable(stack, manager, contactId);
    const received = await stack.graphql<{ contact: { receivedAt: string } }>('query ($id: ID!) { contact(id: $id) { receivedAt } }', { id: contactId }, manager);
    const day = DateTime.fromISO(received.data!.contact.receivedAt, { zone: 'Europe/London' }).toISODate()!;
    const TRAIL = 'query ($id: ID!) { auditTrail(caseId: $id) { userId operation kind purpose } }';
    type Trail = { auditTrail: { userId: string; operation: string; kind: string; purpose: string | null }[] };
    const listings = async () => (await stack.graphql<Trail>(TRAIL, { id: contactId }, auditor)).data!.auditTrail.filter((row) => row.operation.startsWith('Measure.cases'));
    expect(await listings()).toEqual([]);
    // Figures alone name no case: nothing on the trail.
    expect((await stack.graphql(FIGURES, { borough: BOROUGH, from: day, to: day }, manager)).errors).toBeUndefined();
    expect(await listings()).toEqual([]);
    const listed = await stack.graphql<{ performance: { measure: { cases: { caseId: string }[] } } }>(CASES, { borough: BOROUGH, from: day, to: day }, manager);
    expect(listed.data!.performance.measure.cases.map((c) => c.caseId)).toContain(contactId);
    expect(await listings()).toEqual([{ userId: 'perf-manager', operation: 'Measure.cases(CONTACTS)', kind: 'READ', purpose: null }]);
  });

  it('refuses other roles, other boroughs and callers without a token', async () => {
    for (const roles of [['practitioner'], ['mash_worker'], ['out_of_hours'], ['data_officer']] as const) {
      const token = await stack.token({ user: `perf-${roles[0]}`, roles: [...roles], boroughs: [BOROUGH] });
      expect((await stack.graphql(FIGURES, period, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const otherBorough = await stack.token({ user: 'perf-hf-manager', roles: ['manager'], boroughs: ['hf'] });
    expect((await stack.graphql(FIGURES, period, otherBorough)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stack.graphql(FIGURES, period, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('says what to fix for a period that ends before it starts, one too long, or a team the borough does not have', async () => {
    const problemsOf = async (vars: Record<string, unknown>) => {
      const result = await stack.graphql(FIGURES, { ...period, ...vars }, manager);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      return result.errors![0]!.extensions!.problems!.map((p) => p.field);
    };
    expect(await problemsOf({ from: '2026-03-01', to: '2026-02-28' })).toEqual(['to']);
    expect(await problemsOf({ from: '2024-01-01', to: '2026-01-01' })).toEqual(['to']);
    expect(await problemsOf({ team: 'no-such-team' })).toEqual(['team']);
    expect(await problemsOf({ from: '2026-03-01', to: '2026-02-28', team: 'no-such-team' })).toEqual(['to', 'team']);
    expect((await stack.graphql(FIGURES, { ...period, from: '2024-01-01', to: '2025-12-31' }, manager)).errors).toBeUndefined();
  });
});

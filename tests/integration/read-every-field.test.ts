import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { GraphQLObjectType } from 'graphql';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { schema } from '../../api/schema';
import { isWorkingDay } from '../../rules/calendar';
import { selectionOf } from '../support/selection';
import { eventually, startStack, type TestStack } from '../support/stack';
import {
  agencyResponds, attendees, decideMash, decideScreening, episodeOf, episodeStep, receiveContact, recordConsent, requestAgency, screenable,
} from '../support/walk';

// Every field of `contact`, `case` and `episode` is read, in every state a case passes through, over GraphQL from
// PostgreSQL and Temporal as a caseworker would: a type that cannot hold a value the system stores (an input enum
// on an output, a non-null field that can be null) fails here. The selection sets are made from the schema itself,
// so a field added to these types (or to a type under them) is read without anyone listing it. Each read must
// have no error, and show what was recorded. Temporal runs on the time-skipping server, so a contact can be made
// overdue and a conference held on a working day whatever day the tests run.

const CONTACT = selectionOf(schema, 'Contact');
const CASE = selectionOf(schema, 'Case');
const EPISODE = selectionOf(schema, 'Episode');

let env: TestWorkflowEnvironment;
let stack: TestStack;
let manager: string;
/** The API's clock follows the time-skipping server's (Temporal's), so "today" is the same for both. */
let offsetMs = 0;
const BOROUGH = 'hf';

async function skipTo(at: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (at.getTime() > now) await env.sleep(at.getTime() - now);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}

/** To 10:00 London on the next working day (or today, if before 10:00 on one). */
async function toWorkingMorning(): Promise<void> {
  const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' });
  const calendar = stack.boroughs.get(BOROUGH)!.calendar;
  let day = now.hour < 10 ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!isWorkingDay(day.toISODate()!, calendar)) day = day.plus({ days: 1 });
  await skipTo(day.set({ hour: 10 }).toJSDate());
}

const today = async () => DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' }).toISODate()!;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  stack = await startStack({ temporalAddress: env.address, now: () => new Date(Date.now() + offsetMs) });
  manager = await stack.token({ user: 'tm-hf-reader', roles: ['manager'], boroughs: [BOROUGH] }, '4h');
  await toWorkingMorning();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

interface Shown { contact?: Record<string, unknown>; episode?: Record<string, unknown>; case: Record<string, unknown> }

/** Reads every field of the contact and its case: no error, and the values recorded. */
async function contactShows(id: string, expected: { status: string; consent: string; stage?: string }): Promise<Shown> {
  const read = await stack.graphql<Shown>(`query ($id: ID!) { contact(id: $id) ${CONTACT.text} case(id: $id) ${CASE.text} }`, { id }, manager);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  expect(read.data!.contact).toMatchObject({ id, borough: BOROUGH, status: expected.status, consent: expected.consent });
  expect(read.data!.case).toMatchObject({ id, kind: 'CONTACT', contactId: id, ...(expected.stage ? { stage: expected.stage } : {}) });
  return read.data!;
}

/** Waits for a newly referred episode to settle at `stage` (its opening clock is set moments after it is stored). */
async function opened(caseId: string, stage: string): Promise<void> {
  await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, manager), (r) => r.data?.episode?.stage === stage);
}

/** Reads every field of the episode and its case: no error, and the values recorded. */
async function episodeShows(caseId: string, expected: Record<string, unknown>): Promise<Shown> {
  const read = await stack.graphql<Shown>(`query ($id: ID!) { episode(caseId: $id) ${EPISODE.text} case(id: $id) ${CASE.text} }`, { id: caseId }, manager);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  expect(read.data!.episode).toMatchObject({ id: caseId, borough: BOROUGH, ...expected });
  expect(read.data!.case).toMatchObject({ id: caseId, kind: 'EPISODE', ...(typeof expected.stage === 'string' ? { stage: expected.stage } : {}) });
  return read.data!;
}

describe('the selection sets come from the schema', () => {
  it('read every field of the three types and of the types under them', () => {
    for (const field of ['Contact.consent', 'Contact.recommendation', 'Recommendation.rules', 'RuleTrace.conditions', 'ConditionTrace.factValue', 'ScreeningClock.dueAt', 'Case.timeline', 'CaseEvent.detail', 'Case.escalations', 'Task.overdue']) {
      expect(CONTACT.fields.has(field) || CASE.fields.has(field), field).toBe(true);
    }
    for (const field of ['Episode.section47s', 'Section47Enquiry.icpcDueDate', 'Episode.plans', 'Plan.actions', 'PlanAction.dueDate', 'Plan.reviews', 'Episode.protectionOrders', 'StrategyDiscussion.attendees', 'Episode.conferences', 'Episode.visits', 'Visit.withinTimescale', 'Plan.nextVisitDueDate']) {
      expect(EPISODE.fields.has(field), field).toBe(true);
    }
    // Every field the schema gives these types is selected (none skipped but a type already on the path).
    for (const [selection, type] of [[CONTACT, 'Contact'], [CASE, 'Case'], [EPISODE, 'Episode']] as const) {
      const named = schema.getType(type) as GraphQLObjectType;
      for (const name of Object.keys(named.getFields())) expect(selection.fields.has(`${type}.${name}`), `${type}.${name}`).toBe(true);
    }
  });
});

describe('a contact can be read in every state it passes through', () => {
  it('received, overdue, in a MASH enquiry through every consent and request state, decided and referred', async () => {
    const id = await receiveContact(stack, manager, { consent: 'NOT_SOUGHT', indicators: ['NEGLECT', 'DOMESTIC_ABUSE'] });
    await screenable(stack, manager, id);
    const received = await contactShows(id, { status: 'AWAITING_SCREENING', consent: 'NOT_SOUGHT', stage: 'AWAITING_SCREENING' });
    expect(received.contact).toMatchObject({ indicators: ['NEGLECT', 'DOMESTIC_ABUSE'], summary: 'Child often arrives hungry and unwashed at nursery.', referrer: { type: 'HEALTH_VISITOR' } });
    expect((received.contact!.recommendation as { pathway: string }).pathway).toEqual(expect.any(String));

    // Past its screening deadline, unscreened: overdue (and escalated).
    const dueAt = (received.contact!.screening as { dueAt: string }).dueAt;
    await skipTo(new Date(Date.parse(dueAt) + 60_000));
    await eventually(() => stack.graphql<{ contact: { status: string } }>('query ($id: ID!) { contact(id: $id) { status } }', { id }, manager), (r) => r.data?.contact.status === 'SCREENING_OVERDUE');
    const overdue = await contactShows(id, { status: 'SCREENING_OVERDUE', consent: 'NOT_SOUGHT' });
    expect(overdue.case.overdue).toBe(true);
    await toWorkingMorning();

    const decided = await decideScreening(stack, manager, id, { pathway: 'MASH_ENQUIRY', rag: 'RED', levelOfNeed: 4, primaryNeed: null });
    expect(decided.errors).toBeUndefined();
    await contactShows(id, { status: 'MASH_ENQUIRY', consent: 'NOT_SOUGHT', stage: 'MASH_ENQUIRY' });
    for (const consent of ['SOUGHT', 'GIVEN'] as const) {
      expect((await recordConsent(stack, manager, id, consent)).errors).toBeUndefined();
      await contactShows(id, { status: 'MASH_ENQUIRY', consent });
    }
    expect((await requestAgency(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    expect((await requestAgency(stack, manager, id, 'POLICE')).errors).toBeUndefined();
    expect((await requestAgency(stack, manager, id, 'EDUCATION')).errors).toBeUndefined();
    expect((await agencyResponds(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    await contactShows(id, { status: 'MASH_ENQUIRY', consent: 'GIVEN' });
    // Refused on a RED enquiry: the checks may go on; then a manager dispenses with it.
    expect((await recordConsent(stack, manager, id, 'REFUSED')).errors).toBeUndefined();
    await contactShows(id, { status: 'MASH_ENQUIRY', consent: 'REFUSED' });
    expect((await recordConsent(stack, manager, id, 'DISPENSED_WITH', 'RISK_OF_SIGNIFICANT_HARM')).errors).toBeUndefined();
    await contactShows(id, { status: 'MASH_ENQUIRY', consent: 'DISPENSED_WITH' });
    const requests = await stack.sql<{ agency: string; status: string }[]>`select agency, status from agency_requests where contact_id = ${id} order by agency`;
    expect(requests).toEqual([{ agency: 'EDUCATION', status: 'REQUESTED' }, { agency: 'HEALTH', status: 'RESPONDED' }, { agency: 'POLICE', status: 'REQUESTED' }]);

    // Decided on partial information: the outstanding requests are withdrawn, and the child is referred.
    expect((await decideMash(stack, manager, id, 'STRATEGY_DISCUSSION', 'The risk is clear without the school and police replies.')).errors).toBeUndefined();
    const referred = await contactShows(id, { status: 'REFERRED', consent: 'DISPENSED_WITH', stage: 'REFERRED' });
    expect(referred.case).toMatchObject({ closureReason: 'STRATEGY_DISCUSSION', closedAt: expect.any(String) as string });
    expect(await stack.sql<{ agency: string; status: string }[]>`select agency, status from agency_requests where contact_id = ${id} and status = 'WITHDRAWN' order by agency`)
      .toEqual([{ agency: 'EDUCATION', status: 'WITHDRAWN' }, { agency: 'POLICE', status: 'WITHDRAWN' }]);
  });

  it('a MASH enquiry decided to close', async () => {
    const id = await receiveContact(stack, manager, { consent: 'GIVEN' });
    await screenable(stack, manager, id);
    expect((await decideScreening(stack, manager, id, { pathway: 'MASH_ENQUIRY', rag: 'GREEN', levelOfNeed: 2, primaryNeed: null })).errors).toBeUndefined();
    expect((await decideMash(stack, manager, id, 'UNIVERSAL_SERVICES')).errors).toBeUndefined();
    const closed = await contactShows(id, { status: 'CLOSED', consent: 'GIVEN', stage: 'CLOSED' });
    expect(closed.case.closureReason).toBe('UNIVERSAL_SERVICES');
  });

  it.each(['NO_FURTHER_ACTION', 'INFORMATION_AND_ADVICE', 'UNIVERSAL_SERVICES', 'EARLY_HELP', 'S17_ASSESSMENT', 'STRATEGY_DISCUSSION', 'IMMEDIATE_PROTECTION'])('screened to %s', async (pathway) => {
    const id = await receiveContact(stack, manager, { consent: 'GIVEN' });
    await screenable(stack, manager, id);
    const referral = ['S17_ASSESSMENT', 'STRATEGY_DISCUSSION', 'IMMEDIATE_PROTECTION'].includes(pathway);
    expect((await decideScreening(stack, manager, id, { pathway, rag: referral ? 'RED' : 'GREEN', levelOfNeed: referral ? 4 : 1, primaryNeed: referral ? 'N1' : null })).errors).toBeUndefined();
    const shown = await contactShows(id, { status: referral ? 'REFERRED' : 'CLOSED', consent: 'GIVEN', stage: referral ? 'REFERRED' : 'CLOSED' });
    expect(shown.case.closureReason).toBe(pathway);
    if (referral) {
      const caseId = await episodeOf(stack, id);
      const stage = pathway === 'S17_ASSESSMENT' ? 'REFERRAL' : 'STRATEGY_DISCUSSION';
      await opened(caseId, stage);
      await episodeShows(caseId, { pathway, referralNfa: false, closedAt: null, stage, referrals: [{ contactId: id, pathway, joined: false }] });
    }
  });
});

describe('an episode can be read at every stage it passes through', () => {
  const required = () => [...new Set(['CHILDRENS_SOCIAL_CARE', ...stack.boroughs.get(BOROUGH)!.settings.strategyDiscussion.requiredAgencies])];
  const referredChild = async (pathway: string) => {
    const id = await receiveContact(stack, manager, { consent: 'GIVEN', children: [{ firstName: 'Sam', lastName: `Read-${randomUUID().slice(0, 8)}`, dateOfBirth: DateTime.now().minus({ years: 6 }).toISODate() }] });
    await screenable(stack, manager, id);
    expect((await decideScreening(stack, manager, id, { pathway, rag: 'RED', levelOfNeed: 4 })).errors).toBeUndefined();
    return episodeOf(stack, id);
  };

  it('child protection: strategy discussion, police protection, s47, conference, CP plan, core group, step down to CIN and early help, closure', async () => {
    await toWorkingMorning();
    const caseId = await referredChild('STRATEGY_DISCUSSION');
    await opened(caseId, 'STRATEGY_DISCUSSION');
    await episodeShows(caseId, { stage: 'STRATEGY_DISCUSSION', level: 'NONE' });

    const startedAt = new Date(Date.now() + offsetMs - 3_600_000).toISOString();
    await episodeStep(stack, manager, 'recordPoliceProtection', 'PoliceProtectionInput', caseId, { startedAt, note: 'Police removed the child to a place of safety.' });
    await episodeShows(caseId, { stage: 'STRATEGY_DISCUSSION', protectionOrders: [{ kind: 'POLICE_PROTECTION', endedAt: null }] });
    await episodeStep(stack, manager, 'endProtection', 'EndProtectionInput', caseId, { kind: 'POLICE_PROTECTION', endedAt: new Date(Date.now() + offsetMs - 60_000).toISOString(), outcome: 'Returned to the mother under a safety plan.' });

    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
      heldAt: new Date(Date.now() + offsetMs - 30_000).toISOString(), attendees: attendees(required()), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.',
      actions: [{ description: 'Police to check the household on the police national computer', owner: 'DC Rivera', agency: 'POLICE', dueDate: DateTime.fromISO(await today()).plus({ days: 2 }).toISODate() }],
    });
    await episodeShows(caseId, { stage: 'SECTION_47', strategyDiscussions: [{ status: 'HELD', outcome: 'SECTION_47', complete: true, actions: [{ owner: 'DC Rivera' }] }], protectionOrders: [{ kind: 'POLICE_PROTECTION', endOutcome: 'Returned to the mother under a safety plan.' }] });

    const s47 = await episodeStep(stack, manager, 'startSection47', 'StartSection47Input', caseId, {});
    const icpcDue = s47.deadlines.find((d) => d.what === 'ICPC')!.dueDate;
    await episodeShows(caseId, { stage: 'SECTION_47', section47s: [{ status: 'OPEN', icpcDueDate: icpcDue }] });
    await episodeStep(stack, manager, 'recordSection47Outcome', 'Section47OutcomeInput', caseId, {
      enquiries: ['Saw the child alone at school', 'Spoke to the GP and the health visitor'], recommendation: 'CONVENE_ICPC', recommendationDetail: 'Likely significant harm: convene a conference.',
      analysis: 'The injuries and the account given do not match, and the household has a history of violence; the child is at continuing risk.',
    });
    await episodeShows(caseId, { stage: 'SECTION_47', section47s: [{ status: 'AWAITING_AUTHORISATION', recommendation: 'CONVENE_ICPC' }] });
    await episodeStep(stack, manager, 'authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agreed: convene the initial conference.' });
    await episodeShows(caseId, { stage: 'AWAITING_ICPC', section47s: [{ status: 'COMPLETED', authorisedBy: 'tm-hf-reader' }] });

    const heldOn = await today();
    await episodeStep(stack, manager, 'recordInitialConference', 'InitialConferenceInput', caseId, { heldOn, outcome: 'CP_PLAN', categoryOfAbuse: 'PHY', note: 'Plan agreed by all agencies.' });
    await episodeShows(caseId, { stage: 'CP_PLAN', level: 'CP', conferences: [{ heldOn, outcome: 'CP_PLAN', categoryOfAbuse: 'PHY', dueDate: icpcDue }], plans: [{ kind: 'CP', startDate: heldOn, endDate: null }] });

    const actionDue = DateTime.fromISO(heldOn).plus({ days: 7 }).toISODate()!;
    await episodeStep(stack, manager, 'addPlanAction', 'PlanActionInput', caseId, {
      description: 'Health visitor to weigh the child at home every Tuesday', responsibleAgency: 'HEALTH', responsiblePerson: 'HV Patel', dueDate: actionDue, intendedOutcome: 'Steady weight gain',
    });
    await episodeStep(stack, manager, 'recordReview', 'ReviewInput', caseId, { kind: 'CORE_GROUP', heldOn, summary: 'First core group: the plan is under way.' });
    await episodeShows(caseId, { stage: 'CP_PLAN', plans: [{ kind: 'CP', actions: [{ dueDate: actionDue, status: 'OPEN', responsiblePerson: 'HV Patel' }], reviews: [{ kind: 'CORE_GROUP', heldOn }] }] });
    const visit = await stack.graphql<{ recordVisit: { deadlines: { what: string; dueDate: string }[] } }>('mutation ($input: RecordVisitInput!) { recordVisit(input: $input) { deadlines { what dueDate } } }', {
      input: { caseId, visitedOn: heldOn, visitor: 'Ana Duarte, social worker', childSeen: true, seenAlone: false, note: 'Seen at home with mother; home conditions improved.' },
    }, manager);
    expect(visit.errors, JSON.stringify(visit.errors)).toBeUndefined();
    const nextVisit = visit.data!.recordVisit.deadlines[0]!.dueDate;
    await episodeShows(caseId, {
      stage: 'CP_PLAN', plans: [{ kind: 'CP', nextVisitDueDate: nextVisit }],
      visits: [{ visitedOn: heldOn, childSeen: true, seenAlone: false, planKind: 'CP', dueDate: expect.any(String) as string, withinTimescale: true, recordedBy: 'tm-hf-reader' }],
    });

    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', caseId, { to: 'CIN', reason: 'Review conference: risk reduced, support continues.' });
    await episodeShows(caseId, { stage: 'CIN_PLAN', level: 'CIN' });
    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', caseId, { to: 'EARLY_HELP', reason: 'Needs met; early help will continue the support.', earlyHelp: { organisation: 'Family hub' } });
    const day = await today();
    await episodeShows(caseId, { stage: 'EARLY_HELP', level: 'EARLY_HELP', earlyHelp: [{ open: true, organisation: 'Family hub', startedOn: day, assessmentCompletedOn: null, endedOn: null, outcome: null }] });
    // The early help steps carry the case id in their input.
    const earlyHelpStep = async (name: string, inputType: string, input: Record<string, unknown>) => {
      const result = await stack.graphql(`mutation ($input: ${inputType}!) { ${name}(input: $input) { caseId } }`, { input: { caseId, ...input } }, manager);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    };
    await earlyHelpStep('recordEarlyHelpAssessment', 'RecordEarlyHelpAssessmentInput', { completedOn: day });
    await episodeShows(caseId, { stage: 'EARLY_HELP', earlyHelp: [{ open: true, assessmentCompletedOn: day, endedOn: null }] });
    await earlyHelpStep('endEarlyHelp', 'EndEarlyHelpInput', { endedOn: day, outcome: 'NEEDS_MET' });
    await episodeShows(caseId, { stage: 'EARLY_HELP', earlyHelp: [{ open: false, assessmentCompletedOn: day, endedOn: day, outcome: 'NEEDS_MET', outcomeNote: null }] });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', caseId, { reason: 'RC4', note: 'Transferred to early help services.' });
    await episodeShows(caseId, { stage: 'CLOSED', closureReason: 'RC4', closedAt: expect.any(String) as string });
  });

  it('an assessment: referral, assessment open, completed, closed', async () => {
    const caseId = await referredChild('S17_ASSESSMENT');
    await episodeShows(caseId, { stage: 'REFERRAL', assessmentDueDate: expect.any(String) as string });
    await episodeStep(stack, manager, 'startAssessment', null, caseId, null);
    await episodeShows(caseId, { stage: 'ASSESSMENT', assessments: [{ status: 'OPEN' }] });
    await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['3B', '4B'], summary: 'Neglect of basic care; the parents engage well.', childSeen: true });
    await episodeShows(caseId, { stage: 'ASSESSMENT_COMPLETED', assessments: [{ status: 'COMPLETED', factors: ['3B', '4B'], authorisedBy: 'tm-hf-reader' }] });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', caseId, { reason: 'RC8', note: 'Assessed: no further action.' });
    await episodeShows(caseId, { stage: 'CLOSED', closureReason: 'RC8' });
  });

  it('a strategy discussion that concludes no further action', async () => {
    const caseId = await referredChild('STRATEGY_DISCUSSION');
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
      heldAt: new Date(Date.now() + offsetMs - 30_000).toISOString(), attendees: attendees(required()), outcome: 'NO_FURTHER_ACTION', rationale: 'The injury was accidental, as the GP confirmed.', actions: [],
    });
    await episodeShows(caseId, { stage: 'NO_FURTHER_ACTION', referralNfa: false });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', caseId, { reason: 'RC7', note: 'No further action after the strategy discussion.' });
    await episodeShows(caseId, { stage: 'CLOSED', referralNfa: true, closureReason: 'RC7' });
  });
});

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type TestStack } from '../support/stack';

// The episode's GraphQL operations over HTTP against a whole Front Door (worker, API, real PostgreSQL and Temporal):
// a contact is screened as a referral and opens the child's episode; each step is authorised against the case's
// borough and role, and a refused step comes back as a coded error a caseworker can act on.

let stack: TestStack;
const tokens: Record<'practitioner' | 'manager' | 'otherBorough' | 'outOfHours' | 'mash', string> = { practitioner: '', manager: '', otherBorough: '', outOfHours: '', mash: '' };

beforeAll(async () => {
  stack = await startStack();
  tokens.practitioner = await stack.token({ user: 'sw-hf', roles: ['practitioner'], boroughs: ['hf'] });
  tokens.manager = await stack.token({ user: 'tm-hf', roles: ['manager'], boroughs: ['hf'] });
  tokens.otherBorough = await stack.token({ user: 'sw-rbkc', roles: ['practitioner', 'manager'], boroughs: ['rbkc'] });
  tokens.outOfHours = await stack.token({ user: 'edt-hf', roles: ['out_of_hours'], boroughs: ['hf'] });
  tokens.mash = await stack.token({ user: 'mash-hf', roles: ['mash_worker'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

const STEP = 'caseId stage level recordId deadlines { what dueAt dueDate } missingAgencies overdueActions { id dueDate }';
type Step = { caseId: string; stage: string; level: string; recordId: string | null; deadlines: { what: string; dueAt: string; dueDate: string }[]; missingAgencies: string[] };
const mutation = (name: string, inputType: string | null) => inputType
  ? `mutation ($caseId: ID!, $input: ${inputType}!) { ${name}(caseId: $caseId, input: $input) { ${STEP} } }`
  : `mutation ($caseId: ID!) { ${name}(caseId: $caseId) { ${STEP} } }`;

async function step(name: string, inputType: string | null, caseId: string, input: Record<string, unknown> | null, token: string | null) {
  return stack.graphql<Record<string, Step>>(mutation(name, inputType), { caseId, ...(input ? { input } : {}) }, token);
}

/** Receives a contact about a new child and screens it as a referral on `pathway`; resolves with the episode's case id. */
async function referredChild(pathway: 'STRATEGY_DISCUSSION' | 'S17_ASSESSMENT'): Promise<string> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(
    'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
    { input: {
      borough: 'hf', channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
      children: [{ firstName: 'Robin', lastName: `Example-${randomUUID().slice(0, 6)}`, dateOfBirth: DateTime.now().minus({ months: 4 }).toISODate() }],
      indicators: ['PHYSICAL_INJURY'], summary: 'Bruising to the face of a four-month-old seen at a home visit.',
    } },
    tokens.practitioner,
  );
  expect(received.errors).toBeUndefined();
  const { contactId } = received.data!.receiveContact;
  const decision = await eventually(
    () => stack.graphql<{ recordScreeningDecision: { status: string } }>(
      'mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }',
      { id: contactId, input: { pathway, levelOfNeed: 4, rag: 'RED', rationale: 'Injury to a non-mobile baby.', overrideReason: 'Decided on the facts for this test.', primaryNeed: 'N1' } },
      tokens.practitioner,
    ),
    // Moments after receipt the contact may not be stored, or not yet recommended on.
    (r) => r.errors === undefined || (r.errors[0]!.extensions?.code !== 'NOT_FOUND' && !/not yet recommended/.test(r.errors[0]!.message)),
  );
  expect(decision.errors).toBeUndefined();
  const [row] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${contactId}`, (rows) => rows.length === 1);
  return row!.id;
}

const attendees = (except: string[] = []) => ['CHILDRENS_SOCIAL_CARE', 'POLICE', 'HEALTH', 'EDUCATION']
  .filter((agency) => !except.includes(agency))
  .map((agency) => ({ agency, name: `${agency.toLowerCase()} lead`, role: 'Safeguarding lead', manager: agency === 'CHILDRENS_SOCIAL_CARE' }));

describe('episode mutations', () => {
  let caseId: string;
  beforeAll(async () => {
    caseId = await referredChild('STRATEGY_DISCUSSION');
  });

  it('authorise the caller against the case\'s borough and role', async () => {
    const discussion = { heldAt: new Date().toISOString(), attendees: attendees(), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [] };
    const anonymous = await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, discussion, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const elsewhere = await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, discussion, tokens.otherBorough);
    expect(elsewhere.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringMatching(/^No episode .* in your boroughs \(rbkc\)/) as string });
    const notManager = await step('authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agree with the recommendation.' }, tokens.practitioner);
    expect(notManager.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/needs one of the roles manager/) as string });
    const read = await stack.graphql(`{ episode(caseId: "${caseId}") { id } }`, {}, tokens.otherBorough);
    expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuse a strategy discussion without health, with the reason, and record the steps that follow', async () => {
    const scheduled = await step('scheduleStrategyDiscussion', 'ScheduleStrategyDiscussionInput', caseId, {
      scheduledFor: new Date(Date.now() + 3_600_000).toISOString(), invitedAgencies: attendees().map((a) => a.agency), purpose: 'Bruising to a four-month-old baby',
    }, tokens.practitioner);
    expect(scheduled.errors).toBeUndefined();
    expect(scheduled.data!.scheduleStrategyDiscussion).toMatchObject({ caseId, stage: 'STRATEGY_DISCUSSION', deadlines: [{ what: 'STRATEGY_DISCUSSION' }] });

    const discussion = { heldAt: new Date().toISOString(), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [
      { description: 'Police to check the household members on the police national computer', owner: 'DC Rivera', agency: 'POLICE', dueDate: DateTime.now().setZone('Europe/London').plus({ days: 1 }).toISODate() },
    ] };
    const withoutHealth = await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, { ...discussion, attendees: attendees(['HEALTH']) }, tokens.practitioner);
    expect(withoutHealth.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/^attendees: HEALTH did not take part\. .*a manager may record it as incomplete with an overrideReason/) as string,
    });
    expect(withoutHealth.errors?.[0]?.extensions?.problems).toEqual([{ field: 'input.attendees', message: expect.stringMatching(/^HEALTH did not take part\./) as string }]);
    const held = await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, { ...discussion, attendees: attendees() }, tokens.practitioner);
    expect(held.errors).toBeUndefined();
    expect(held.data!.recordStrategyDiscussion!.missingAgencies).toEqual([]);

    const planless = await step('addPlanAction', 'PlanActionInput', caseId, {
      description: 'Health visitor to weigh the baby at home every Tuesday', responsibleAgency: 'HEALTH', dueDate: DateTime.now().setZone('Europe/London').plus({ days: 7 }).toISODate(), intendedOutcome: 'Steady weight gain',
    }, tokens.practitioner);
    expect(planless.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_STATE' }, message: expect.stringMatching(/no open plan/) as string });

    const s47 = await step('startSection47', 'StartSection47Input', caseId, {}, tokens.practitioner);
    expect(s47.errors).toBeUndefined();
    expect(s47.data!.startSection47).toMatchObject({ stage: 'SECTION_47', deadlines: [{ what: 'ICPC', dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as string }] });

    const episode = await eventually(
      () => stack.graphql<{ episode: { reference: string; stage: string; reReferral: boolean; referralSource: string; primaryNeed: string; strategyDiscussions: { status: string; complete: boolean; attendees: { agency: string }[]; actions: { owner: string }[] }[]; section47s: { status: string; icpcDueDate: string }[] } }>(
        `query ($id: ID!) { episode(caseId: $id) { reference stage reReferral referralSource primaryNeed
          strategyDiscussions { status complete attendees { agency } actions { owner } } section47s { status icpcDueDate } } }`,
        { id: caseId }, tokens.practitioner,
      ),
      (r) => r.data?.episode?.section47s.length === 1 && r.data.episode.section47s[0]!.icpcDueDate !== null,
    );
    expect(episode.data!.episode).toMatchObject({
      reference: expect.stringMatching(/^HF-\d{6}-\w{4}-\w{4}\/1$/) as string, stage: 'SECTION_47', reReferral: false, referralSource: '3B', primaryNeed: 'N1',
      strategyDiscussions: [{ status: 'HELD', complete: true, attendees: expect.arrayContaining([{ agency: 'HEALTH' }]) as unknown[], actions: [{ owner: 'DC Rivera' }] }],
      section47s: [{ status: 'OPEN', icpcDueDate: s47.data!.startSection47!.deadlines[0]!.dueDate }],
    });
  });
});

describe('police protection at night', () => {
  it('is recorded by the out-of-hours team, with its 72-hour clock and a strategy discussion; the MASH cannot', async () => {
    const caseId = await referredChild('STRATEGY_DISCUSSION');
    const startedAt = new Date(Date.now() - 3_600_000).toISOString();
    const mash = await step('recordPoliceProtection', 'PoliceProtectionInput', caseId, { startedAt }, tokens.mash);
    expect(mash.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const recorded = await step('recordPoliceProtection', 'PoliceProtectionInput', caseId, { startedAt, note: 'Police removed the baby to hospital at 02:10.' }, tokens.outOfHours);
    expect(recorded.errors).toBeUndefined();
    const deadlines = recorded.data!.recordPoliceProtection!.deadlines;
    const expiry = deadlines.find((d) => d.what === 'POLICE_PROTECTION');
    expect(expiry?.dueAt).toBe(new Date(Date.parse(startedAt) + 72 * 3_600_000).toISOString());
    expect(deadlines.map((d) => d.what)).toContain('STRATEGY_DISCUSSION');
    const audit = await eventually(() => stack.sql<{ userId: string }[]>`select user_id from audit_log where operation = 'Mutation.recordPoliceProtection' and outcome = 'OK' and case_id = ${caseId}`, (rows) => rows.length === 1);
    expect(audit[0]!.userId).toBe('edt-hf');
  });
});

describe('a closed episode', () => {
  it('refuses every further step, saying when and why it closed', async () => {
    const caseId = await referredChild('S17_ASSESSMENT');
    expect((await step('startAssessment', null, caseId, null, tokens.practitioner)).errors).toBeUndefined();
    const complete = await step('completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['18A'], summary: 'Accidental injury; no concerns.', childSeen: true }, tokens.manager);
    expect(complete.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/18A is a legacy code .* 18B .* 18C/) as string });
    expect((await step('completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['21'], summary: 'Accidental injury; no concerns.', childSeen: true }, tokens.manager)).errors).toBeUndefined();
    expect((await step('closeCase', 'CloseCaseInput', caseId, { reason: 'RC8', note: 'Assessed: no further action.' }, tokens.manager)).errors).toBeUndefined();
    await eventually(() => stack.sql`select id from episodes where id = ${caseId} and closed_at is not null`, (rows) => rows.length === 1);
    const after = await step('startAssessment', null, caseId, null, tokens.practitioner);
    expect(after.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_STATE' }, message: expect.stringMatching(/^This episode closed on \d{4}-\d{2}-\d{2} \(RC8\); nothing can be recorded after closure/) as string });
  });
});

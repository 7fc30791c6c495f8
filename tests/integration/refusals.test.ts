import { randomUUID } from 'node:crypto';
import { getNamedType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../api/schema/index';
import { eventually, startStack, type GraphQLResult, type TestStack } from '../support/stack';

// The refusal rule, end to end (README "Errors"): a missing role is FORBIDDEN naming the role, an id outside your
// boroughs NOT_FOUND, content BAD_USER_INPUT with every problem at once, each at a path in the caller's own request,
// and a step not possible at this stage INVALID_STATE. Every refused step here is checked against the schema: each
// problem's field must be a path through that operation's own arguments.

let stack: TestStack;
const as: Record<'practitioner' | 'manager' | 'mash' | 'administrator' | 'auditor' | 'otherAuditor', string> = {
  practitioner: '', manager: '', mash: '', administrator: '', auditor: '', otherAuditor: '',
};

beforeAll(async () => {
  stack = await startStack();
  as.practitioner = await stack.token({ user: `sw-${randomUUID().slice(0, 6)}`, roles: ['practitioner'], boroughs: ['hf'] });
  as.manager = await stack.token({ user: `tm-${randomUUID().slice(0, 6)}`, roles: ['manager'], boroughs: ['hf'] });
  as.mash = await stack.token({ user: `mash-${randomUUID().slice(0, 6)}`, roles: ['mash_worker'], boroughs: ['hf'] });
  as.administrator = await stack.token({ user: `admin-${randomUUID().slice(0, 6)}`, roles: ['administrator'], boroughs: ['hf'] });
  as.auditor = await stack.token({ user: `aud-${randomUUID().slice(0, 6)}`, roles: ['auditor'], boroughs: ['hf'] });
  as.otherAuditor = await stack.token({ user: `aud-${randomUUID().slice(0, 6)}`, roles: ['auditor'], boroughs: ['rbkc'] });
});
afterAll(async () => {
  await stack?.stop();
});

// ---- the schema walk: is a problem's field a path in the operation's own arguments? ----

/** The input type at `path` through `mutation`'s arguments, or null when the path does not exist there. */
function argumentAt(mutation: string, path: string): GraphQLInputType | null {
  const field = schema.getMutationType()!.getFields()[mutation];
  if (!field || !/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*$/.test(path)) return null;
  const segments = [...path.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g)];
  const [first, ...rest] = segments;
  let type: GraphQLInputType | undefined = field.args.find((arg) => arg.name === first![1])?.type;
  for (const segment of rest) {
    if (!type) return null;
    const bare: GraphQLInputType = isNonNullType(type) ? type.ofType : type;
    if (segment[2] !== undefined) {
      type = isListType(bare) ? (bare.ofType) : undefined;
    } else {
      const named = isListType(bare) ? null : getNamedType(bare);
      type = named && isInputObjectType(named) ? named.getFields()[segment[1]!]?.type : undefined;
    }
  }
  return type ?? null;
}

const covered = new Set<string>();

/** A step refused for its content: every problem (fields as given, in any order), each a real path in its arguments. */
function expectProblems(result: GraphQLResult<unknown>, mutation: string, fields: string[]): void {
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  const problems = result.errors![0]!.extensions!.problems!;
  expect(problems.map((p) => p.field).sort()).toEqual([...fields].sort());
  for (const p of problems) {
    expect(argumentAt(mutation, p.field), `${mutation}: ${p.field} is not a path in its arguments`).not.toBeNull();
    expect(p.message.length).toBeGreaterThan(0);
  }
  covered.add(mutation);
}

function expectRefused(result: GraphQLResult<unknown>, code: string, message?: RegExp): void {
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe(code);
  if (message) expect(result.errors![0]!.message).toMatch(message);
}

it('the schema walk knows a real path from a made-up one', () => {
  expect(argumentAt('recordConsent', 'note')).not.toBeNull();
  expect(argumentAt('recordConsent', 'input.note')).toBeNull();
  expect(argumentAt('recordStrategyDiscussion', 'input.actions[0].owner')).not.toBeNull();
  expect(argumentAt('recordStrategyDiscussion', 'input.actions.owner')).toBeNull();
  expect(argumentAt('recordStrategyDiscussion', 'input.attendees[0].nickname')).toBeNull();
  expect(argumentAt('scheduleStrategyDiscussion', 'input')).not.toBeNull();
});

// ---- moving cases along ----

const RECEIVE = 'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }';
const DECIDE = 'mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }';

async function receive(consent = 'GIVEN'): Promise<string> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input: {
    borough: 'hf', channel: 'PHONE', consent, referrer: { type: 'SCHOOL', organisation: 'Park Primary' },
    children: [{ firstName: 'Rae', lastName: `Refusal-${randomUUID().slice(0, 6)}`, dateOfBirth: '2017-03-03' }],
    indicators: ['NEGLECT'], summary: 'Child often hungry and unkempt at school.',
  } }, as.practitioner);
  expect(received.errors).toBeUndefined();
  const contactId = received.data!.receiveContact.contactId;
  await eventually(() => stack.graphql<{ contact: { status: string } }>('query ($id: ID!) { contact(id: $id) { status } }', { id: contactId }, as.practitioner), (r) => r.data?.contact?.status === 'AWAITING_SCREENING');
  return contactId;
}

async function decide(contactId: string, input: Record<string, unknown>): Promise<void> {
  const result = await stack.graphql(DECIDE, { id: contactId, input: { levelOfNeed: 3, rag: 'AMBER', rationale: 'Decided on the facts for this test.', overrideReason: 'Decided for this test.', ...input } }, as.practitioner);
  expect(result.errors).toBeUndefined();
}

/** A child referred on `pathway`: the episode's case id. */
async function referredChild(pathway: 'STRATEGY_DISCUSSION' | 'S17_ASSESSMENT'): Promise<string> {
  const contactId = await receive();
  await decide(contactId, { pathway, levelOfNeed: 4, rag: 'RED', primaryNeed: 'N1' });
  const [row] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${contactId}`, (rows) => rows.length === 1);
  return row!.id;
}

const STEP = 'caseId stage recordId';
function step(name: string, inputType: string | null, caseId: string, input: Record<string, unknown> | null, token: string) {
  const query = inputType
    ? `mutation ($caseId: ID!, $input: ${inputType}!) { ${name}(caseId: $caseId, input: $input) { ${STEP} } }`
    : `mutation ($caseId: ID!) { ${name}(caseId: $caseId) { ${STEP} } }`;
  return stack.graphql<Record<string, { caseId: string; stage: string; recordId: string | null }>>(query, { caseId, ...(input ? { input } : {}) }, token);
}
/** A step that must be accepted (retried while the episode is still taking the previous one in). */
async function accepted(name: string, inputType: string | null, caseId: string, input: Record<string, unknown> | null, token: string) {
  const result = await eventually(() => step(name, inputType, caseId, input, token), (r) => r.errors === undefined || !/try again in a moment|moments ago/.test(r.errors[0]!.message));
  expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
  return result.data![name]!;
}

const today = () => DateTime.now().setZone('Europe/London').toISODate()!;
const inAWeek = () => DateTime.now().setZone('Europe/London').plus({ days: 7 }).toISODate()!;
const attendees = () => ['CHILDRENS_SOCIAL_CARE', 'POLICE', 'HEALTH', 'EDUCATION']
  .map((agency) => ({ agency, name: `${agency.toLowerCase()} lead`, role: 'Safeguarding lead', manager: agency === 'CHILDRENS_SOCIAL_CARE' }));

// ---- issue 9 item 6: the audit trail ----

describe('auditTrail', () => {
  it('refuses an administrator and a practitioner by role (FORBIDDEN naming auditor), another borough\'s auditor by tenancy, and shows the auditor', async () => {
    const episodeId = await referredChild('S17_ASSESSMENT');
    const TRAIL = 'query ($id: ID!) { auditTrail(caseId: $id) { operation outcome } }';
    for (const token of [as.administrator, as.practitioner]) {
      expectRefused(await stack.graphql(TRAIL, { id: episodeId }, token), 'FORBIDDEN', /needs one of the roles auditor/);
    }
    expectRefused(await stack.graphql(TRAIL, { id: episodeId }, as.otherAuditor), 'NOT_FOUND', /in your boroughs \(rbkc\)/);
    const trail = await stack.graphql<{ auditTrail: { operation: string; outcome: string }[] }>(TRAIL, { id: episodeId }, as.auditor);
    expect(trail.errors).toBeUndefined();
    expect(trail.data!.auditTrail.length).toBeGreaterThan(0);
  });
});

// ---- one rule for a missing role ----

describe('a role the caller lacks', () => {
  it('is FORBIDDEN naming the role, for the MASH on a child\'s episode alike through case, episode and its timeline', async () => {
    const episodeId = await referredChild('S17_ASSESSMENT');
    expectRefused(await stack.graphql('query ($id: ID!) { case(id: $id) { id } }', { id: episodeId }, as.mash), 'FORBIDDEN', /needs one of the roles practitioner, manager/);
    expectRefused(await stack.graphql('query ($id: ID!) { episode(caseId: $id) { id } }', { id: episodeId }, as.mash), 'FORBIDDEN', /needs one of the roles practitioner, manager/);
    const timeline = stack.subscribe('subscription ($id: ID!) { caseEvents(caseId: $id) { kind } }', as.mash, { id: episodeId });
    await expect(timeline.ready().then(() => timeline.next())).rejects.toThrow(/FORBIDDEN/);
    timeline.close();
    // An unknown id is still NOT_FOUND for a caller with the role.
    expectRefused(await stack.graphql('query ($id: ID!) { case(id: $id) { id } }', { id: randomUUID() }, as.mash), 'NOT_FOUND');
  });

  it('is FORBIDDEN when a workflow step needs a manager: dispensing with consent, an incomplete strategy discussion', async () => {
    const contactId = await receive('NOT_SOUGHT');
    const dispense = await stack.graphql('mutation ($id: ID!) { recordConsent(contactId: $id, status: DISPENSED_WITH, reason: RISK_OF_SIGNIFICANT_HARM, note: "Asking would put the child at risk.") { consent } }', { id: contactId }, as.practitioner);
    expectRefused(dispense, 'FORBIDDEN', /manager role/);

    const caseId = await referredChild('STRATEGY_DISCUSSION');
    const incomplete = await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
      heldAt: new Date().toISOString(), attendees: attendees().filter((a) => a.agency !== 'HEALTH'), outcome: 'SECTION_47',
      rationale: 'Reasonable cause to suspect significant harm.', actions: [], overrideReason: 'Health could not attend tonight.',
    }, as.practitioner);
    expectRefused(incomplete, 'FORBIDDEN', /manager/);
  });
});

// ---- every problem at once, at paths in the caller's own request ----

describe('a front-door step with several problems', () => {
  it('reports them all, each at its argument (top-level arguments named as such, never under a made-up input)', async () => {
    const contactId = await receive();
    expectProblems(await stack.graphql(DECIDE, { id: contactId, input: { pathway: 'S17_ASSESSMENT', levelOfNeed: 4, rag: 'RED', rationale: 'no', primaryNeed: 'N99' } }, as.practitioner),
      'recordScreeningDecision', ['input.rationale', 'input.overrideReason', 'input.primaryNeed']);
    expectProblems(await stack.graphql('mutation ($id: ID!) { recordConsent(contactId: $id, status: GIVEN, reason: UNREASONABLE_DELAY, note: "") { consent } }', { id: contactId }, as.practitioner),
      'recordConsent', ['note', 'reason']);
    const out = await stack.token({ user: `edt-${randomUUID().slice(0, 6)}`, roles: ['out_of_hours'], boroughs: ['hf'] });
    expectProblems(await stack.graphql('mutation ($id: ID!) { escalateContact(contactId: $id, reason: "now") { urgent } }', { id: contactId }, out), 'escalateContact', ['reason']);

    // A MASH enquiry: request, response and decision.
    await decide(contactId, { pathway: 'MASH_ENQUIRY', levelOfNeed: 3, rag: 'AMBER' });
    const REQUEST = 'mutation ($id: ID!, $purpose: String!) { requestAgencyInformation(contactId: $id, agency: HEALTH, purpose: $purpose) { status } }';
    expectProblems(await stack.graphql(REQUEST, { id: contactId, purpose: '?' }, as.practitioner), 'requestAgencyInformation', ['purpose']);
    expect((await stack.graphql(REQUEST, { id: contactId, purpose: 'Health visiting history for the child.' }, as.practitioner)).errors).toBeUndefined();
    expectProblems(await stack.graphql('mutation ($id: ID!) { recordAgencyResponse(contactId: $id, agency: HEALTH, summary: "", sharedBy: "") { status } }', { id: contactId }, as.practitioner),
      'recordAgencyResponse', ['summary', 'sharedBy']);
    expectProblems(await stack.graphql('mutation ($id: ID!) { recordMashDecision(contactId: $id, pathway: MASH_ENQUIRY, rationale: "hm", primaryNeed: "N42") { status } }', { id: contactId }, as.manager),
      'recordMashDecision', ['pathway', 'rationale', 'partialInformationReason', 'primaryNeed']);
  });
});

describe('an episode step with several problems', () => {
  it('reports them all, each at its path under input, through the whole of a child protection episode', async () => {
    const caseId = await referredChild('STRATEGY_DISCUSSION');
    const future = new Date(Date.now() + 86_400_000).toISOString();

    expectProblems(await step('scheduleStrategyDiscussion', 'ScheduleStrategyDiscussionInput', caseId, { scheduledFor: new Date(Date.now() - 86_400_000).toISOString(), invitedAgencies: ['POLICE'], purpose: 'meet' }, as.practitioner),
      'scheduleStrategyDiscussion', ['input.scheduledFor', 'input.invitedAgencies', 'input.purpose']);
    const badAttendees = attendees().map((a, i) => (i === 1 ? { ...a, name: 'x', role: '' } : a));
    expectProblems(await step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
      heldAt: future, attendees: badAttendees, outcome: 'SECTION_47', rationale: 'yes',
      actions: [{ description: 'Police to check the household on the police national computer', owner: '', agency: 'POLICE', dueDate: inAWeek() }],
    }, as.practitioner), 'recordStrategyDiscussion', ['input.heldAt', 'input.attendees[1].name', 'input.attendees[1].role', 'input.rationale', 'input.actions[0].owner']);
    await accepted('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, { heldAt: new Date().toISOString(), attendees: attendees(), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.', actions: [] }, as.practitioner);

    // Protection: police protection, an EPO, its extension and its end.
    expectProblems(await step('recordPoliceProtection', 'PoliceProtectionInput', caseId, { startedAt: future }, as.practitioner), 'recordPoliceProtection', ['input.startedAt']);
    expectProblems(await step('recordEmergencyProtectionOrder', 'EmergencyProtectionOrderInput', caseId, { grantedAt: future, days: 9 }, as.practitioner),
      'recordEmergencyProtectionOrder', ['input.grantedAt', 'input.days']);
    await accepted('recordEmergencyProtectionOrder', 'EmergencyProtectionOrderInput', caseId, { grantedAt: new Date().toISOString(), days: 8 }, as.practitioner);
    expectProblems(await step('extendEmergencyProtectionOrder', 'ExtendEmergencyProtectionOrderInput', caseId, { days: 9, reason: 'more' }, as.practitioner),
      'extendEmergencyProtectionOrder', ['input.days', 'input.reason']);
    expectProblems(await step('endProtection', 'EndProtectionInput', caseId, { kind: 'EMERGENCY_PROTECTION_ORDER', endedAt: future, outcome: '' }, as.practitioner),
      'endProtection', ['input.endedAt', 'input.outcome']);
    await accepted('endProtection', 'EndProtectionInput', caseId, { kind: 'EMERGENCY_PROTECTION_ORDER', endedAt: new Date().toISOString(), outcome: 'Child placed with grandmother.' }, as.practitioner);

    // The section 47 enquiry, its authorisation and the conference.
    await accepted('startSection47', 'StartSection47Input', caseId, {}, as.practitioner);
    expectProblems(await step('recordSection47Outcome', 'Section47OutcomeInput', caseId, { enquiries: ['Home visit: saw the child alone.', 'phone'], analysis: 'Bruises.', recommendation: 'CONVENE_ICPC', recommendationDetail: 'ICPC' }, as.practitioner),
      'recordSection47Outcome', ['input.enquiries[1]', 'input.analysis', 'input.recommendationDetail']);
    await accepted('recordSection47Outcome', 'Section47OutcomeInput', caseId, {
      enquiries: ['Home visit: saw the child alone and with mother.', 'Police checks on the household members.'],
      analysis: 'Injuries consistent with the account given by the school; the risk of significant harm is substantiated.',
      recommendation: 'CONVENE_ICPC', recommendationDetail: 'Convene an initial child protection conference.',
    }, as.practitioner);
    expectProblems(await step('authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'ok' }, as.manager), 'authoriseSection47', ['input.managerComment']);
    await accepted('authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agree: convene the conference.' }, as.manager);
    expectProblems(await step('recordInitialConference', 'InitialConferenceInput', caseId, { heldOn: inAWeek(), outcome: 'CP_PLAN' }, as.practitioner),
      'recordInitialConference', ['input.heldOn', 'input.categoryOfAbuse']);

    // Stepping up and the assessment.
    expectProblems(await step('stepUp', 'StepUpInput', caseId, { to: 'CP', reason: 'up' }, as.practitioner), 'stepUp', ['input.reason']);
    await accepted('startAssessment', null, caseId, null, as.practitioner);
    expectProblems(await step('completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['ZZ'], summary: 'done', childSeen: true }, as.manager),
      'completeAssessment', ['input.factors', 'input.summary']);
  });

  it('reports them all on a child in need plan: the plan, its actions, reviews, stepping down and closing', async () => {
    const caseId = await referredChild('S17_ASSESSMENT');
    await accepted('startAssessment', null, caseId, null, as.practitioner);
    await accepted('completeAssessment', 'CompleteAssessmentInput', caseId, { factors: ['16A'], summary: 'Neglect of the child\'s basic needs.', childSeen: true }, as.manager);
    expectProblems(await step('createPlan', 'CreatePlanInput', caseId, { kind: 'CIN', startDate: '2000-01-01' }, as.practitioner), 'createPlan', ['input.startDate']);
    await accepted('createPlan', 'CreatePlanInput', caseId, { kind: 'CIN' }, as.practitioner);
    expectProblems(await step('addPlanAction', 'PlanActionInput', caseId, { description: 'monitor', responsibleAgency: 'HEALTH', dueDate: '2000-01-01', intendedOutcome: '' }, as.practitioner),
      'addPlanAction', ['input.description', 'input.dueDate', 'input.intendedOutcome']);
    const action = await accepted('addPlanAction', 'PlanActionInput', caseId, {
      description: 'Health visitor to weigh the baby at home every Tuesday', responsibleAgency: 'HEALTH', dueDate: inAWeek(), intendedOutcome: 'Steady weight gain',
    }, as.practitioner);
    expectProblems(await step('updatePlanAction', 'UpdatePlanActionInput', caseId, { actionId: action.recordId, description: 'monitor', dueDate: DateTime.now().plus({ days: 14 }).toISODate() }, as.practitioner),
      'updatePlanAction', ['input.description', 'input.note']);
    expectProblems(await step('recordReview', 'ReviewInput', caseId, { kind: 'CIN_REVIEW', heldOn: today(), summary: 'ok' }, as.practitioner), 'recordReview', ['input.summary']);
    // recordVisit names its episode inside its input.
    expectProblems(await stack.graphql('mutation ($input: RecordVisitInput!) { recordVisit(input: $input) { caseId } }', {
      input: { caseId, visitedOn: inAWeek(), visitor: '', childSeen: false, seenAlone: true, note: 'ok' },
    }, as.practitioner), 'recordVisit', ['input.visitedOn', 'input.visitor', 'input.seenAlone', 'input.note']);
    expectProblems(await step('stepDown', 'StepDownInput', caseId, { to: 'EARLY_HELP', reason: 'ok' }, as.manager), 'stepDown', ['input.reason', 'input.earlyHelp']);
    expectProblems(await step('stepDown', 'StepDownInput', caseId, { to: 'EARLY_HELP', reason: 'Needs can be met by the family hub.', earlyHelp: { organisation: ' ', startDate: inAWeek() } }, as.manager),
      'stepDown', ['input.earlyHelp.organisation', 'input.earlyHelp.startDate']);
    await accepted('stepDown', 'StepDownInput', caseId, { to: 'EARLY_HELP', reason: 'Needs can be met by the family hub.', earlyHelp: { organisation: 'Family hub' } }, as.manager);
    // The early help steps carry the case id in their input (issue 10's contract).
    const early = (name: string, inputType: string, input: Record<string, unknown>) =>
      stack.graphql(`mutation ($input: ${inputType}!) { ${name}(input: $input) { ${STEP} } }`, { input: { caseId, ...input } }, as.practitioner);
    expectProblems(await early('recordEarlyHelpAssessment', 'RecordEarlyHelpAssessmentInput', { completedOn: inAWeek() }), 'recordEarlyHelpAssessment', ['input.completedOn']);
    expectProblems(await early('endEarlyHelp', 'EndEarlyHelpInput', { endedOn: inAWeek(), outcome: 'OTHER' }), 'endEarlyHelp', ['input.endedOn', 'input.note']);
    expect((await early('endEarlyHelp', 'EndEarlyHelpInput', { endedOn: today(), outcome: 'NEEDS_MET' })).errors).toBeUndefined();
    expectProblems(await step('closeCase', 'CloseCaseInput', caseId, { reason: 'RC99', note: 'bye' }, as.manager), 'closeCase', ['input.reason', 'input.note']);
  });
});

describe('every step a workflow takes with content', () => {
  it('has been refused above with its problems at real paths', () => {
    // Mutations that send a step to a contact's or episode's workflow, less those whose arguments are only ids.
    const steps = Object.values(schema.getMutationType()!.getFields()).filter((field) => ['ContactStep', 'EpisodeStepPayload'].includes(getNamedType(field.type).name));
    const onlyIds = (type: GraphQLInputType): boolean => {
      const named = getNamedType(type);
      return isInputObjectType(named) ? Object.values(named.getFields()).every((f) => onlyIds(f.type)) : named.name === 'ID';
    };
    const withContent = steps.filter((field) => !field.args.every((arg) => onlyIds(arg.type))).map((field) => field.name).sort();
    expect(withContent.length).toBeGreaterThan(20);
    expect(withContent.filter((name) => !covered.has(name))).toEqual([]);
  });
});

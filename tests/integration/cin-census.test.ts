import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addWorkingDays, isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { validateCinCensus, type CinValidation } from '../../server/infra/cin-validator';
import { all, childrenOf, parseXml, text, type XmlElement } from '../support/census-xml';
import { eventually, startStack, type TestStack } from '../support/stack';
import { attendees, decideScreening, episodeOf, episodeStep, receiveContact, screenable } from '../support/walk';

// The CIN census return, made through GraphQL from casework walked through GraphQL in each borough, checked twice:
// by reading the XML a data officer would submit, and by the DfE community validator (csc-validator-be-cin, rules
// cin2025_26, installed into the tools cache by the test setup) with both its child-level and its header/return-level
// issues. Temporal runs on the time-skipping server so every step can be taken on a working day whatever day it is.

let env: TestWorkflowEnvironment;
let stack: TestStack;
let manager: string;
let dataOfficer: string;
let offsetMs = 0;
const BOROUGHS = ['hf', 'rbkc', 'wcc'] as const;
type Borough = (typeof BOROUGHS)[number];
const LEA = { hf: '205', rbkc: '207', wcc: '213' } as const;
/**
 * Each borough's return is checked whole, so its casework runs in a borough of its own: a copy of the borough's
 * settings (same LEA code, calendar and rules) under a fresh code, holding only what the test below walks through it.
 */
const OWN: Record<Borough, string> = Object.fromEntries(BOROUGHS.map((b) => [b, `${b}-${randomUUID().replace(/[^a-z]/g, '').slice(0, 6).padEnd(6, 'x')}`])) as Record<Borough, string>;

const nowIs = () => new Date(Date.now() + offsetMs);
const today = () => DateTime.fromMillis(Date.now() + offsetMs, { zone: 'Europe/London' }).toISODate()!;
/** The collection year the test's "today" falls in (it ends on 31 March of that year). */
const collectionYear = () => {
  const day = DateTime.fromMillis(Date.now() + offsetMs, { zone: 'Europe/London' });
  return day.month >= 4 ? day.year + 1 : day.year;
};

async function skipTo(at: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (at.getTime() > now) await env.sleep(at.getTime() - now);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}

/** To 10:00 London on the next working day in every borough's calendar. */
async function toWorkingMorning(): Promise<void> {
  const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' });
  let day = now.hour < 10 ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!BOROUGHS.every((b) => isWorkingDay(day.toISODate()!, stack.boroughs.get(b)!.calendar))) day = day.plus({ days: 1 });
  await skipTo(day.set({ hour: 10 }).toJSDate());
}

beforeAll(async () => {
  const configDir = path.join(inject('scratchDir'), `census-config-${randomUUID()}`);
  await fs.cp(path.join(projectRoot, 'borough-config'), configDir, { recursive: true });
  for (const borough of BOROUGHS) {
    const own = path.join(configDir, OWN[borough]);
    await fs.cp(path.join(configDir, borough), own, { recursive: true });
    const settingsFile = path.join(own, 'borough.json');
    const settings = JSON.parse(await fs.readFile(settingsFile, 'utf8')) as { name: string };
    await fs.writeFile(settingsFile, JSON.stringify({ ...settings, code: OWN[borough], name: `${settings.name} (census test)` }));
    const rulesFile = path.join(own, 'thresholds.json');
    await fs.writeFile(rulesFile, JSON.stringify({ ...(JSON.parse(await fs.readFile(rulesFile, 'utf8')) as object), borough: OWN[borough] }));
  }
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  stack = await startStack({ temporalAddress: env.address, boroughConfigDir: configDir, now: nowIs });
  const all_ = [...BOROUGHS, ...Object.values(OWN)];
  manager = await stack.token({ user: 'tm-census', roles: ['manager'], boroughs: all_ }, '4h');
  dataOfficer = await stack.token({ user: 'do-census', roles: ['data_officer'], boroughs: all_ }, '4h');
  await toWorkingMorning();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

// ---- walking casework through the API ----------------------------------------------------------------------------

/** A child's census characteristics as `receiveContact` and `recordChildCharacteristics` take them. */
interface Characteristics { sex?: 'M' | 'F' | 'U' | null; ethnicity?: string | null; disabilities?: string[] | null; upn?: string | null; upnUnknown?: string | null }
interface ChildInput extends Characteristics { firstName: string; lastName: string; dateOfBirth?: string; expectedDateOfBirth?: string }
const newChild = (years = 7, characteristics: Characteristics = {}): ChildInput =>
  ({ firstName: 'Alex', lastName: `Census-${randomUUID().slice(0, 8)}`, dateOfBirth: DateTime.now().minus({ years, days: 40 }).toISODate(), ...characteristics });
const COMPLETE: Characteristics = { sex: 'F', ethnicity: 'WBRI', disabilities: ['NONE'], upnUnknown: 'UN2' };

// Real UPNs, built by hand (census rule 1510: characters 2–13 weighted 2–13, summed, modulo 23, as a letter of
// ABCDEFGHJKLMNPQRTUVWXYZ), each borough's starting with its LEA code. E.g. 205100025001: 2·2 + 5·4 + 1·5 + 2·9 +
// 5·10 + 1·13 = 110 = 4·23 + 18 → V; 207300119001: 2·2 + 7·4 + 3·5 + 1·8 + 1·9 + 9·10 + 1·13 = 167 = 7·23 + 6 → G.
const UPNS = {
  hf: ['V205100025001', 'J205100025002', 'Y205100025003'],
  rbkc: ['G207300119001', 'W207300119002', 'K207300119003'],
  wcc: ['M213400224001', 'B213400224002', 'Q213400224003'],
} as const;

/** Records (or changes) the characteristics of an episode's child through `recordChildCharacteristics`; resolves with the child's census id. */
async function recordCharacteristics(caseId: string, values: Characteristics, reason = 'Confirmed with the school and the family.'): Promise<string> {
  const result = await stack.graphql<{ recordChildCharacteristics: { censusId: string } }>(
    'mutation ($input: RecordChildCharacteristicsInput!) { recordChildCharacteristics(input: $input) { censusId } }', { input: { caseId, ...values, reason } }, dataOfficer);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.recordChildCharacteristics.censusId;
}

/** Receives a contact about `child` and screens it to `pathway`; resolves with the contact and, when referred, the episode. */
async function contact(borough: string, child: ChildInput, pathway: string): Promise<{ contactId: string; caseId: string | null }> {
  const contactId = await receiveContact(stack, manager, { borough, consent: 'GIVEN', children: [child as ChildInput & { dateOfBirth: string }] });
  await screenable(stack, manager, contactId);
  const referral = ['S17_ASSESSMENT', 'STRATEGY_DISCUSSION'].includes(pathway);
  const decided = await decideScreening(stack, manager, contactId, { pathway, rag: referral ? 'RED' : 'GREEN', levelOfNeed: referral ? 4 : 2, primaryNeed: referral ? 'N1' : null });
  expect(decided.errors, JSON.stringify(decided.errors)).toBeUndefined();
  if (!referral) return { contactId, caseId: null };
  const caseId = await episodeOf(stack, contactId);
  const stage = pathway === 'S17_ASSESSMENT' ? 'REFERRAL' : 'STRATEGY_DISCUSSION';
  await eventually(() => stack.graphql<{ episode: { stage: string } | null }>('query ($id: ID!) { episode(caseId: $id) { stage } }', { id: caseId }, manager), (r) => r.data?.episode?.stage === stage);
  return { contactId, caseId };
}

const step = (name: string, inputType: string | null, caseId: string, input: Record<string, unknown> | null = null) => episodeStep(stack, manager, name, inputType, caseId, input);
const required = (borough: string) => [...new Set(['CHILDRENS_SOCIAL_CARE', ...stack.boroughs.get(borough)!.settings.strategyDiscussion.requiredAgencies])];

async function strategyDiscussion(borough: string, caseId: string, outcome: string) {
  return step('recordStrategyDiscussion', 'RecordStrategyDiscussionInput', caseId, {
    heldAt: new Date(nowIs().getTime() - 30_000).toISOString(), attendees: attendees(required(borough)), outcome, rationale: `Decided ${outcome.toLowerCase()} on what the agencies shared.`, actions: [],
  });
}
async function assess(caseId: string, factors = ['16A', '3B']) {
  await step('startAssessment', null, caseId);
  await step('completeAssessment', 'CompleteAssessmentInput', caseId, { factors, childSeen: true, summary: 'Neglect of basic care; domestic abuse between the parents.' });
}
async function section47(caseId: string, recommendation: 'CONVENE_ICPC' | 'CHILD_IN_NEED') {
  await step('startSection47', 'StartSection47Input', caseId, {});
  await step('recordSection47Outcome', 'Section47OutcomeInput', caseId, {
    enquiries: ['Saw the child alone at school', 'Spoke to the GP and the health visitor'], recommendation, recommendationDetail: `Recommend ${recommendation.toLowerCase()} after the enquiry.`,
    analysis: 'The injuries and the account given do not match, and the household has a history of violence; the child is at continuing risk.',
  });
  await step('authoriseSection47', 'AuthoriseSection47Input', caseId, { managerComment: 'Agreed with the recommendation and the analysis.' });
}
const close = (caseId: string, reason: string) => step('closeCase', 'CloseCaseInput', caseId, { reason, note: `Closed with ${reason} after the work was done.` });

// ---- making and checking the return ----------------------------------------------------------------------------

interface Census { xml: string; children: number; gaps: { censusId: string; field: string; rule: string; message: string }[] }

async function census(borough: string, year = collectionYear(), token = dataOfficer, purpose = 'DfE CIN census submission') {
  return stack.graphql<{ cinCensus: Census }>(
    'query ($borough: String!, $year: Int!, $purpose: String!) { cinCensus(borough: $borough, year: $year, purpose: $purpose) { xml children gaps { censusId field rule message } } }',
    { borough, year, purpose }, token,
  );
}
async function made(borough: string, year = collectionYear()): Promise<Census> {
  const result = await census(borough, year);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.cinCensus;
}
async function validated(xml: string): Promise<CinValidation> {
  const { python, problem } = inject('cinValidator');
  if (!python) throw new Error(`The CIN census validator is not installed: ${problem}`);
  const file = path.join(inject('scratchDir'), `census-${randomUUID()}.xml`);
  await fs.writeFile(file, xml);
  return validateCinCensus(python, file);
}
/** The census id of an episode's child, as the API shows it. */
async function censusIdOf(caseId: string): Promise<string> {
  const result = await stack.graphql<{ episode: { child: { censusId: string | null } } | null }>('query ($id: ID!) { episode(caseId: $id) { child { censusId } } }', { id: caseId }, manager);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.episode!.child.censusId!;
}
const details = (child: XmlElement) => all(child, 'CINdetails');
/** Every child-level issue in the file, one line each. */
const childIssues = (v: CinValidation) =>
  [...new Set(v.childIssues.map((i) => `${i.child_id} ${i.rule_code} ${i.tables_affected}.${i.columns_affected}: ${i.rule_description}`))];
/** Header and return-level issues, but 2887Q (fewer than 8 children recorded NONE: a return this small always trips it). */
const returnIssues = (v: CinValidation) => v.returnIssues.filter((i) => i.rule_code !== '2887Q');

describe.each(BOROUGHS)('borough %s', (home) => {
  it('a return made from every path of casework passes the validator with no issue', async () => {
    const borough = OWN[home];
    await toWorkingMorning();
    const day1 = today();
    const cases: Record<string, string> = {};

    // Day 1. At the front door only: closed with no further action, or passed to early help. Neither is a CIN referral.
    const nfaContact = await contact(borough, newChild(), 'NO_FURTHER_ACTION');
    const earlyHelpContact = await contact(borough, newChild(), 'EARLY_HELP');

    // Characteristics are given on the contact (a UPN, or why it is unknown), or recorded later on the case.
    // A referral concluded with no further action after a strategy discussion.
    const nfa = (await contact(borough, newChild(9, { ...COMPLETE, upnUnknown: null, upn: UPNS[home][0] }), 'STRATEGY_DISCUSSION')).caseId!;
    await strategyDiscussion(borough, nfa, 'NO_FURTHER_ACTION');
    await close(nfa, 'RC7');
    cases.nfa = nfa;

    // s17 assessment, CIN plan (closed the next day).
    const reReferred = newChild(5, COMPLETE);
    const cin = (await contact(borough, reReferred, 'S17_ASSESSMENT')).caseId!;
    await assess(cin);
    await step('createPlan', 'CreatePlanInput', cin, { kind: 'CIN', startDate: day1 });
    cases.cin = cin;

    // Strategy discussion and s47 today; the conference tomorrow, then a CP plan with a review, step down, closure.
    const cp = (await contact(borough, newChild(11), 'STRATEGY_DISCUSSION')).caseId!;
    await strategyDiscussion(borough, cp, 'SECTION_47');
    await section47(cp, 'CONVENE_ICPC');
    cases.cp = cp;

    // An s47 whose enquiry found no need for a conference, then an assessment.
    const noIcpc = (await contact(borough, newChild(4, COMPLETE), 'STRATEGY_DISCUSSION')).caseId!;
    await strategyDiscussion(borough, noIcpc, 'SECTION_47');
    await section47(noIcpc, 'CHILD_IN_NEED');
    await assess(noIcpc, ['3B']);
    cases.noIcpc = noIcpc;

    // An unborn child: assessed before birth and referred to early help. Expected in March of the year's end where the
    // contact allows it (at most 10 months ahead): the census queries (8530Q) a birth expected before then.
    const latest = DateTime.fromISO(day1).plus({ months: 10, days: -2 }).toISODate()!;
    const expectedBirth = [`${collectionYear()}-03-20`, latest].sort()[0]!;
    const unborn = (await contact(borough, { firstName: 'Baby', lastName: `Census-${randomUUID().slice(0, 8)}`, expectedDateOfBirth: expectedBirth, ethnicity: 'NOBT', disabilities: ['NONE'] }, 'S17_ASSESSMENT')).caseId!;
    await assess(unborn, ['3B']);
    await close(unborn, 'RC9');
    cases.unborn = unborn;

    // Day 2: the conference; the CIN plan and the s47 without conference close.
    await toWorkingMorning();
    const day2 = today();
    await step('recordInitialConference', 'InitialConferenceInput', cp, { heldOn: day2, outcome: 'CP_PLAN', categoryOfAbuse: 'NEG', note: 'Plan agreed by all agencies.' });
    await close(cin, 'RC7');
    await close(noIcpc, 'RC7');

    // Day 3: the review conference steps the plan down; the first child is referred again (a second episode, open).
    await toWorkingMorning();
    const day3 = today();
    await step('recordReview', 'ReviewInput', cp, { kind: 'REVIEW_CONFERENCE', heldOn: day3, summary: 'Review conference: risk reduced, plan to continue under CIN.' });
    await step('stepDown', 'StepDownInput', cp, { to: 'CIN', reason: 'Review conference agreed the risk is reduced.' });
    await assess(cp, ['16A']);
    const again = (await contact(borough, reReferred, 'S17_ASSESSMENT')).caseId!;
    await assess(again, ['4B']);
    await step('createPlan', 'CreatePlanInput', again, { kind: 'CIN', startDate: day3 });
    cases.again = again;

    // Day 4: the CP case closes.
    await toWorkingMorning();
    const day4 = today();
    await close(cp, 'RC7');

    // The CP child's characteristics were not given on the contact: recorded on the closed case by the data officer.
    await recordCharacteristics(cp, { sex: 'M', ethnicity: 'BAFR', disabilities: ['LD', 'COMM'], upn: UPNS[home][1] });

    const made_ = await made(borough);
    const message = parseXml(made_.xml);
    const ids = Object.fromEntries(await Promise.all(Object.entries(cases).map(async ([name, caseId]) => [name, await censusIdOf(caseId)] as const)));
    const ours = new Set(Object.values(ids));
    // A census id is at most 20 letters and digits (rules 1570/1580), even for a borough whose code has a hyphen.
    const prefix = borough.replaceAll('-', '').toUpperCase();
    for (const id of ours) expect(id).toMatch(new RegExp(`^${prefix}[0-9]{8,}$`));
    for (const id of ours) expect(id.length).toBeLessThanOrEqual(20);

    // The header.
    const header = all(message, 'Header')[0]!;
    const collection = all(header, 'CollectionDetails')[0]!;
    const source = all(header, 'Source')[0]!;
    expect(message.name).toBe('Message');
    expect(made_.xml).not.toMatch(/xmlns/);
    expect({ collection: text(collection, 'Collection'), year: text(collection, 'Year'), reference: text(collection, 'ReferenceDate') }).toEqual({ collection: 'CIN', year: String(collectionYear()), reference: `${collectionYear()}-03-31` });
    expect({ level: text(source, 'SourceLevel'), lea: text(source, 'LEA'), software: text(source, 'SoftwareCode') }).toEqual({ level: 'L', lea: LEA[home], software: 'Front Door' });

    // Census ids: at most 20 letters and digits (rules 1570/1580), never the internal uuid.
    for (const id of ours) expect(id).toMatch(/^[A-Za-z0-9]{1,20}$/);

    // Who is in it: every referred child, once; no child only seen at the front door.
    const children = childrenOf(message);
    // Only this test's casework is in the borough, so the return is exactly its referred children.
    expect([...children.keys()].sort()).toEqual([...ours].sort());
    expect(made_.children).toBe(children.size);
    const frontDoorOnly = await stack.sql<{ n: number }[]>`select count(*)::int as n from episode_referrals where contact_id in ${stack.sql([nfaContact.contactId, earlyHelpContact.contactId])}`;
    expect(frontDoorOnly[0]!.n).toBe(0);
    expect(made_.gaps).toEqual([]);

    // One CINdetails per episode: the re-referred child has two, the first closed, the second open.
    const twice = details(children.get(ids.cin!)!);
    expect(twice.map((d) => [text(d, 'CINclosureDate'), text(d, 'ReasonForClosure')])).toEqual([[day2, 'RC7'], [null, null]]);
    expect(all(twice[0]!, 'CINPlanDates').map((p) => [text(p, 'CINPlanStartDate'), text(p, 'CINPlanEndDate')])).toEqual([[day1, day2]]);
    expect(all(twice[1]!, 'Assessments').map((a) => [text(a, 'AssessmentActualStartDate'), text(a, 'AssessmentAuthorisationDate')])).toEqual([[day3, day3]]);
    expect(all(twice[1]!, 'CINPlanDates').map((p) => [text(p, 'CINPlanStartDate'), text(p, 'CINPlanEndDate')])).toEqual([[day3, null]]);
    expect(text(twice[1]!, 'CINreferralDate')).toBe(day3);

    // The NFA referral: flagged, no assessment.
    const [nfaDetails] = details(children.get(ids.nfa!)!);
    expect([text(nfaDetails!, 'ReferralNFA'), all(nfaDetails!, 'Assessments').length, text(nfaDetails!, 'ReasonForClosure')]).toEqual(['1', 0, 'RC7']);

    // The CP path: s47 with its ICPC target (15 working days from the strategy discussion), the plan, its review.
    const [cpDetails] = details(children.get(ids.cp!)!);
    const [s47] = all(cpDetails!, 'Section47');
    const target = addWorkingDays(new Date(`${day1}T12:00:00Z`), 15, stack.boroughs.get(borough)!.calendar).dueDate;
    expect([text(s47!, 'S47ActualStartDate'), text(s47!, 'InitialCPCtarget'), text(s47!, 'DateOfInitialCPC'), text(s47!, 'ICPCnotRequired')]).toEqual([day1, target, day2, '0']);
    // The conference is recorded once, on its s47 (census rule 2884).
    expect(text(cpDetails!, 'DateOfInitialCPC')).toBeNull();
    expect([text(cpDetails!, 'CINclosureDate'), text(cpDetails!, 'ReasonForClosure')]).toEqual([day4, 'RC7']);
    const [plan] = all(cpDetails!, 'ChildProtectionPlans');
    expect([text(plan!, 'CPPstartDate'), text(plan!, 'CPPendDate'), text(plan!, 'InitialCategoryOfAbuse'), text(plan!, 'LatestCategoryOfAbuse'), text(plan!, 'NumberOfPreviousCPP')]).toEqual([day2, day3, 'NEG', 'NEG', '0']);
    expect(all(plan!, 'Reviews').map((r) => text(r, 'CPPreviewDate'))).toEqual([day3]);
    expect(all(all(children.get(ids.cp!)!, 'ChildCharacteristics')[0]!, 'Disabilities')[0]!.children.map((d) => d.text)).toEqual(['LD', 'COMM']);
    const identifiers = (name: string) => all(children.get(ids[name]!)!, 'ChildIdentifiers')[0]!;
    expect([text(identifiers('cp'), 'Sex'), text(all(children.get(ids.cp!)!, 'ChildCharacteristics')[0]!, 'Ethnicity')]).toEqual(['M', 'BAFR']);
    // The UPN given on the contact, the one recorded on the case, and a reason it is unknown.
    expect([text(identifiers('nfa'), 'UPN'), text(identifiers('nfa'), 'UPNunknown')]).toEqual([UPNS[home][0], null]);
    expect([text(identifiers('cp'), 'UPN'), text(identifiers('cp'), 'UPNunknown')]).toEqual([UPNS[home][1], null]);
    expect([text(identifiers('noIcpc'), 'UPN'), text(identifiers('noIcpc'), 'UPNunknown')]).toEqual([null, 'UN2']);

    // The s47 that needed no conference.
    const [noIcpcS47] = all(details(children.get(ids.noIcpc!)!)[0]!, 'Section47');
    expect([text(noIcpcS47!, 'DateOfInitialCPC'), text(noIcpcS47!, 'ICPCnotRequired')]).toEqual([null, '1']);

    // The unborn child: expected birth date, sex U, not of school age.
    const unbornIds = all(children.get(ids.unborn!)!, 'ChildIdentifiers')[0]!;
    expect([text(unbornIds, 'PersonBirthDate'), text(unbornIds, 'ExpectedPersonBirthDate') !== null, text(unbornIds, 'Sex'), text(unbornIds, 'UPNunknown')]).toEqual([null, true, 'U', 'UN1']);

    // The validator, on the whole file: no child-level issue, and no header or return-level issue (2887Q, fewer than
    // 8 children with no disability, aside: this return has fewer).
    const validation = await validated(made_.xml);
    const birthQueried = expectedBirth < `${collectionYear()}-03-01` ? [`${ids.unborn!} 8530Q ChildIdentifiers.ExpectedPersonBirthDate`] : [];
    expect(childIssues(validation).filter((i) => !birthQueried.some((q) => i.startsWith(q)))).toEqual([]);
    const noDisability = [...children.values()].filter((c) => all(all(c, 'ChildCharacteristics')[0]!, 'Disabilities')[0]!.children.some((d) => d.text === 'NONE')).length;
    expect(noDisability).toBeLessThan(8);
    expect(returnIssues(validation)).toEqual([]);
    expect(validation.ruleErrors).toEqual([]);
  });
});

describe('what the record cannot give the census is reported, and the file is still written', () => {
  it('a child without ethnicity or sex: each is a gap, and the validator confirms both rules', async () => {
    await toWorkingMorning();
    const caseId = (await contact('hf', newChild(6), 'S17_ASSESSMENT')).caseId!;
    await assess(caseId);
    await step('createPlan', 'CreatePlanInput', caseId, { kind: 'CIN', startDate: today() });
    const id = await recordCharacteristics(caseId, { disabilities: ['NONE'], upnUnknown: 'UN2' });
    expect(id).toBe(await censusIdOf(caseId));

    const census_ = await made('hf');
    expect(census_.gaps.filter((g) => g.censusId === id).map((g) => [g.field, g.rule])).toEqual([['Sex', '4180'], ['Ethnicity', '4220']]);
    const child = childrenOf(parseXml(census_.xml)).get(id)!;
    expect(text(all(child, 'ChildIdentifiers')[0]!, 'Sex')).toBeNull();
    expect(text(all(child, 'ChildCharacteristics')[0]!, 'Ethnicity')).toBeNull();
    expect(details(child)).toHaveLength(1);
    const rules = (await validated(census_.xml)).childIssues.filter((i) => i.child_id === id).map((i) => i.rule_code);
    expect([...new Set(rules)].sort()).toEqual(['4180', '4220']);

    // The command writes the same file to stdout and the gaps to stderr, and is audited.
    const purpose = `Census by command ${randomUUID().slice(0, 8)}`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile('npx', ['tsx', 'scripts/census.ts', '--borough', 'hf', '--year', String(collectionYear()), '--purpose', purpose], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: inject('databaseUrl') }, maxBuffer: 64 * 1024 * 1024 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out, stderr: err })));
    });
    expect(childrenOf(parseXml(stdout)).has(id)).toBe(true);
    expect(stderr).toContain(`gap: child ${id}, Ethnicity (rule 4220)`);
    expect(stderr).toMatch(/^CIN census \d{4} for hf \(LEA 205\): \d+ children, \d+ gaps?$/m);
    expect(await stack.sql<{ operation: string; borough: string }[]>`select operation, borough from audit_log where purpose = ${purpose}`).toEqual([{ operation: 'command.census', borough: 'hf' }]);

    // Recorded, the gaps go and the validator is content.
    await recordCharacteristics(caseId, { sex: 'F', ethnicity: 'WBRI', upn: UPNS.hf[2] }, 'Sex and ethnicity confirmed with the family, UPN with the school.');
    const fixed = await made('hf');
    expect(fixed.gaps.filter((g) => g.censusId === id)).toEqual([]);
    expect((await validated(fixed.xml)).childIssues.filter((i) => i.child_id === id)).toEqual([]);
  });

  it('closed "after assessment" (RC8) though an s47 was made: a gap for the reason, which the validator also flags (2990)', async () => {
    await toWorkingMorning();
    const caseId = (await contact('hf', newChild(8), 'STRATEGY_DISCUSSION')).caseId!;
    await strategyDiscussion('hf', caseId, 'SECTION_47');
    await section47(caseId, 'CHILD_IN_NEED');
    await assess(caseId, ['3B']);
    await toWorkingMorning();
    await close(caseId, 'RC8');
    const id = await recordCharacteristics(caseId, COMPLETE);
    const census_ = await made('hf');
    expect(census_.gaps.filter((g) => g.censusId === id).map((g) => [g.field, g.rule])).toEqual([['ReasonForClosure', '2990']]);
    expect(text(details(childrenOf(parseXml(census_.xml)).get(id)!)[0]!, 'ReasonForClosure')).toBe('RC8');
    expect([...new Set((await validated(census_.xml)).childIssues.filter((i) => i.child_id === id).map((i) => i.rule_code))]).toEqual(['2990']);
  });
});

describe('who may make the return', () => {
  it('data officers and auditors of the borough, with a purpose that the audit trail records', async () => {
    const auditor = await stack.token({ user: `aud-${randomUUID().slice(0, 6)}`, roles: ['auditor'], boroughs: ['rbkc'] });
    const purpose = `Census check ${randomUUID().slice(0, 8)}`;
    const asAuditor = await census('rbkc', collectionYear(), auditor, purpose);
    expect(asAuditor.errors).toBeUndefined();
    expect(asAuditor.data!.cinCensus.xml).toMatch(/^<\?xml/);
    const [audited] = await stack.sql<{ operation: string; kind: string; borough: string; outcome: string; purpose: string }[]>`
      select operation, kind, borough, outcome, purpose from audit_log where purpose = ${purpose}`;
    expect(audited).toEqual({ operation: 'Query.cinCensus', kind: 'READ', borough: 'rbkc', outcome: 'OK', purpose });

    const refused = async (token: string | null, borough: string, purpose_ = 'DfE CIN census submission', year = collectionYear()) => {
      const result = await stack.graphql<unknown>('query ($b: String!, $y: Int!, $p: String!) { cinCensus(borough: $b, year: $y, purpose: $p) { children } }', { b: borough, y: year, p: purpose_ }, token);
      expect(result.data ?? null).toBeNull();
      return result.errors![0]!;
    };
    const caseworker = await stack.token({ user: 'sw-census', roles: ['practitioner', 'manager'], boroughs: ['rbkc'] });
    expect((await refused(caseworker, 'rbkc')).extensions?.code).toBe('FORBIDDEN');
    expect((await refused(auditor, 'hf')).extensions?.code).toBe('FORBIDDEN');
    expect((await refused(null, 'rbkc')).extensions?.code).toBe('UNAUTHENTICATED');
    const blank = await refused(dataOfficer, 'rbkc', '   ');
    expect(blank.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'purpose', message: expect.stringMatching(/say why the return is made/) as string }] });
    const badYear = await refused(dataOfficer, 'rbkc', 'DfE CIN census submission', 1999);
    expect(badYear.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'year', message: expect.stringMatching(/not a collection year/) as string }] });
    const [refusal] = await stack.sql<{ outcome: string }[]>`select outcome from audit_log where operation = 'Query.cinCensus' and user_id = 'sw-census'`;
    expect(refusal).toEqual({ outcome: 'FORBIDDEN' });
  });
});

describe('only the activity that falls in the year', () => {
  it('after the year ends, the next return keeps an open episode with its open plan and leaves out what ended before', async () => {
    await toWorkingMorning();
    const year = collectionYear();
    const caseId = (await contact('wcc', newChild(10), 'S17_ASSESSMENT')).caseId!;
    const day = today();
    await assess(caseId, ['4B']);
    await step('createPlan', 'CreatePlanInput', caseId, { kind: 'CIN', startDate: day });
    const id = await recordCharacteristics(caseId, { ...COMPLETE, upnUnknown: null, upn: UPNS.wcc[2] });
    // The year before this one has none of it.
    expect(childrenOf(parseXml((await made('wcc', year - 1)).xml)).has(id)).toBe(false);

    // Into the next collection year (1 April), then the CIN plan ends and the episode closes.
    await skipTo(DateTime.fromISO(`${year}-04-01T10:00:00`, { zone: 'Europe/London' }).toJSDate());
    await toWorkingMorning();
    const later = today();
    await close(caseId, 'RC7');

    const [thisYear] = details(childrenOf(parseXml((await made('wcc', year)).xml)).get(id)!);
    expect([text(thisYear!, 'CINclosureDate'), all(thisYear!, 'Assessments').length]).toEqual([null, 1]);
    expect(all(thisYear!, 'CINPlanDates').map((p) => [text(p, 'CINPlanStartDate'), text(p, 'CINPlanEndDate')])).toEqual([[day, null]]);

    const next = await made('wcc', year + 1);
    const [nextYear] = details(childrenOf(parseXml(next.xml)).get(id)!);
    expect([text(nextYear!, 'CINreferralDate'), text(nextYear!, 'CINclosureDate'), text(nextYear!, 'ReasonForClosure'), all(nextYear!, 'Assessments').length]).toEqual([day, later, 'RC7', 0]);
    expect(all(nextYear!, 'CINPlanDates').map((p) => [text(p, 'CINPlanStartDate'), text(p, 'CINPlanEndDate')])).toEqual([[day, later]]);
    expect((await validated(next.xml)).childIssues.filter((i) => i.child_id === id)).toEqual([]);
  }, 600_000);
});

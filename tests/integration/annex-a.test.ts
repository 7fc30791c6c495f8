import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { eventually, startStack, type TestStack } from '../support/stack';
import { attendees, decideScreening, EPISODE_STEP, episodeOf, episodeStep, screenable } from '../support/walk';

// Ofsted Annex A (issue 10) end to end: casework made over GraphQL in the shape of every list (contacts, a referral
// assessed onto a CIN plan then stepped down to early help and closed, an NFA referral, a child protection path with
// police protection, s47, ICPC, CP plan, review conference and allocation), then `annexA` read back with exceljs as a
// data officer would open it: every sheet, every header in the template's order, every code one of the template's,
// dates as dates, and each list's rows and values against the casework this test made (rows are picked by this test's
// own census ids: other tests share the database). Temporal runs on the time-skipping server so the conference
// falls on a working day whatever day the test runs. Everything the lists show is recorded through the GraphQL steps
// a caseworker uses (characteristics on the contact or with recordChildCharacteristics, completeAssessment with
// childSeen, recordVisit, stepDown with earlyHelp, recordEarlyHelpAssessment, endEarlyHelp); nothing is put into
// PostgreSQL by hand, and each child's census id is read from `Child.censusId`.

const SpecSchema = z.object({
  lists: z.record(z.string(), z.array(z.object({ column: z.string(), type: z.enum(['string', 'date', 'integer']), canbeblank: z.boolean(), codes: z.array(z.string()).optional() }))),
});
const SPEC = SpecSchema.parse(JSON.parse(fs.readFileSync(path.join(projectRoot, 'tests', 'fixtures', 'returns', 'annex-a-lists-1-7.json'), 'utf8')));
const LISTS = ['List 1', 'List 2', 'List 3', 'List 4', 'List 5', 'List 6', 'List 7'];
const BOROUGH = 'hf';
const PURPOSE = 'ILACS inspection starting Monday: Annex A for the inspectors';

let env: TestWorkflowEnvironment;
let stack: TestStack;
let manager: string;
let dataOfficer: string;
let offsetMs = 0;

async function skipTo(at: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (at.getTime() > now) await env.sleep(at.getTime() - now);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}

/** To 10:00 London on the next working day, so a conference can be held "today". */
async function toWorkingMorning(): Promise<void> {
  const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Europe/London' });
  const calendar = stack.boroughs.get(BOROUGH)!.calendar;
  let day = now.hour < 10 ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!isWorkingDay(day.toISODate()!, calendar)) day = day.plus({ days: 1 });
  await skipTo(day.set({ hour: 10 }).toJSDate());
}
const nowIso = (minusMs = 0) => new Date(Date.now() + offsetMs - minusMs).toISOString();

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  stack = await startStack({ temporalAddress: env.address, now: () => new Date(Date.now() + offsetMs) });
  manager = await stack.token({ user: `tm-annex-${randomUUID().slice(0, 6)}`, roles: ['manager'], boroughs: [BOROUGH] }, '4h');
  dataOfficer = await stack.token({ user: `do-annex-${randomUUID().slice(0, 6)}`, roles: ['data_officer'], boroughs: [BOROUGH] }, '4h');
  await toWorkingMorning();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

type Value = string | number | Date | null;
interface Sheet { name: string; headers: string[]; rows: Record<string, Value>[] }

const ANNEX_A = 'query ($borough: String!, $asAt: Date!, $purpose: String!) { annexA(borough: $borough, asAt: $asAt, purpose: $purpose) { base64 filename counts { list rows } } }';
type AnnexAAnswer = { annexA: { base64: string; filename: string; counts: { list: string; rows: number }[] } };

/** Asks for Annex A and opens the workbook: each sheet's headers and rows (header → value; blank cells are null). */
async function annexA(asAt: string, as = dataOfficer): Promise<{ sheets: Sheet[]; filename: string; counts: { list: string; rows: number }[] }> {
  const answer = await stack.graphql<AnnexAAnswer>(ANNEX_A, { borough: BOROUGH, asAt, purpose: PURPOSE }, as);
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(answer.data!.annexA.base64, 'base64') as unknown as ArrayBuffer);
  const sheets = workbook.worksheets.map((worksheet) => {
    const width = worksheet.getRow(1).cellCount;
    const cells = (row: ExcelJS.Row) => Array.from({ length: width }, (_, i) => row.getCell(i + 1).value as Value ?? null);
    const headers = cells(worksheet.getRow(1)).map(String);
    const rows: Record<string, Value>[] = [];
    worksheet.eachRow((row, number) => {
      if (number > 1) rows.push(Object.fromEntries(cells(row).map((value, i) => [headers[i]!, value])));
    });
    return { name: worksheet.name, headers, rows };
  });
  return { sheets, filename: answer.data!.annexA.filename, counts: answer.data!.annexA.counts };
}

const day = (value: Value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);
const rowsOf = (sheets: Sheet[], list: string, censusId: string) => sheets.find((s) => s.name === list)!.rows.filter((r) => r['Child Unique ID'] === censusId);

type Characteristics = Partial<{ sex: 'M' | 'F' | 'U'; ethnicity: string; disabilities: string[] }>;

/** A contact from a health visitor about one child (with whatever characteristics the referrer gives); resolves with its id. */
async function receive(child: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(
    'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
    { input: {
      borough: BOROUGH, channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
      children: [{ lastName: `Annex-${randomUUID().slice(0, 8)}`, ...child }], indicators: ['NEGLECT'], summary: 'Child often arrives hungry and unwashed at nursery.', ...extra,
    } },
    manager,
  );
  expect(received.errors, JSON.stringify(received.errors)).toBeUndefined();
  return received.data!.receiveContact.contactId;
}

/** The census id of the contact's child, as `Child.censusId` reads once the contact is stored. */
async function censusIdOf(contactId: string): Promise<string> {
  const read = await eventually(
    () => stack.graphql<{ contact: { children: { censusId: string | null }[] } | null }>('query ($id: ID!) { contact(id: $id) { children { censusId } } }', { id: contactId }, manager),
    (r) => r.data?.contact?.children[0]?.censusId != null,
  );
  const censusId = read.data!.contact!.children[0]!.censusId!;
  expect(censusId).toMatch(/^HF\d{8}$/);
  return censusId;
}

async function referred(first: string, dateOfBirth: string, pathway: string, primaryNeed: string, characteristics: Characteristics = {}) {
  const contactId = await receive({ firstName: first, dateOfBirth, ...characteristics }, { consent: 'GIVEN' });
  await screenable(stack, manager, contactId);
  expect((await decideScreening(stack, manager, contactId, { pathway, rag: 'RED', levelOfNeed: 4, primaryNeed })).errors).toBeUndefined();
  return { contactId, caseId: await episodeOf(stack, contactId) };
}

/** A step that names its episode inside its input (recordVisit, recordEarlyHelpAssessment, endEarlyHelp). */
async function stepWithin(name: string, inputType: string, input: Record<string, unknown>) {
  const result = await stack.graphql<Record<string, { caseId: string; recordId: string | null }>>(`mutation ($input: ${inputType}!) { ${name}(input: $input) { ${EPISODE_STEP} } }`, { input }, manager);
  expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
  return result.data![name]!;
}

describe('Ofsted Annex A', () => {
  it('has every list, header and code of the template, and each list shows the casework it was made from', async () => {
    const asAt = DateTime.fromMillis(Date.now() + offsetMs, { zone: 'Europe/London' }).toISODate()!;
    const at = DateTime.fromISO(asAt);
    const required = [...new Set(['CHILDRENS_SOCIAL_CARE', ...stack.boroughs.get(BOROUGH)!.settings.strategyDiscussion.requiredAgencies])];

    // A contact eight months ago (outside the six months), and one about an unborn child.
    // The referrer gives the old contact's child's characteristics; the unborn child has none.
    const oldContact = await receive({ firstName: 'Olly', dateOfBirth: at.minus({ years: 4 }).toISODate()!, sex: 'M', ethnicity: 'WBRI', disabilities: ['NONE'] }, { receivedAt: nowIso(240 * 86_400_000) });
    const unbornContact = await receive({ firstName: 'Baby', expectedDateOfBirth: at.plus({ months: 2 }).toISODate() }, { referrer: { type: 'HEALTH_VISITOR', organisation: 'Midwifery' }, summary: 'Mother-to-be has no home and no antenatal care.' });

    // Ada (characteristics given on the contact): referred for assessment (child seen), a CIN plan, a visit, stepped
    // down to early help (assessed and ended with its needs met), closed (RC9).
    const adaBorn = at.minus({ years: 6, days: 10 }).toISODate()!;
    const ada = await referred('Ada', adaBorn, 'S17_ASSESSMENT', 'N4', { sex: 'F', ethnicity: 'WBRI', disabilities: ['NONE'] });
    await episodeStep(stack, manager, 'startAssessment', null, ada.caseId, null);
    await episodeStep(stack, manager, 'completeAssessment', 'CompleteAssessmentInput', ada.caseId, { factors: ['3B', '4B'], summary: 'Domestic abuse; the parents engage well with support.', childSeen: true });
    await episodeStep(stack, manager, 'createPlan', 'CreatePlanInput', ada.caseId, { kind: 'CIN' });
    await stepWithin('recordVisit', 'RecordVisitInput', { caseId: ada.caseId, visitedOn: asAt, visitor: 'Sam Okafor, social worker', childSeen: true, seenAlone: false, note: 'Home visit: Ada was playing with her mother.' });
    await episodeStep(stack, manager, 'stepDown', 'StepDownInput', ada.caseId, { to: 'EARLY_HELP', reason: 'Family engaging; the family hub can meet the needs now.', earlyHelp: { organisation: 'Family hub north' } });
    await stepWithin('recordEarlyHelpAssessment', 'RecordEarlyHelpAssessmentInput', { caseId: ada.caseId, completedOn: asAt });
    await stepWithin('endEarlyHelp', 'EndEarlyHelpInput', { caseId: ada.caseId, endedOn: asAt, outcome: 'NEEDS_MET' });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', ada.caseId, { reason: 'RC9', note: 'Stepped down to the family hub.' });

    // Ben: a strategy discussion that concluded no further action: an NFA referral.
    const benBorn = at.minus({ years: 2 }).toISODate()!;
    const ben = await referred('Ben', benBorn, 'STRATEGY_DISCUSSION', 'N1');
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', ben.caseId, {
      heldAt: nowIso(30_000), attendees: attendees(required), outcome: 'NO_FURTHER_ACTION', rationale: 'The injury was accidental, as the GP confirmed.', actions: [],
    });
    await episodeStep(stack, manager, 'closeCase', 'CloseCaseInput', ben.caseId, { reason: 'RC7', note: 'No further action after the strategy discussion.' });

    // Cal: police protection, s47, ICPC, CP plan (neglect), a review conference, a visit seen alone, allocated; his
    // characteristics recorded on the episode afterwards.
    const calBorn = at.minus({ years: 11 }).plus({ days: 5 }).toISODate()!;
    const cal = await referred('Cal', calBorn, 'STRATEGY_DISCUSSION', 'N1');
    await episodeStep(stack, manager, 'recordPoliceProtection', 'PoliceProtectionInput', cal.caseId, { startedAt: nowIso(3_600_000), note: 'Police removed the child to a place of safety.' });
    await episodeStep(stack, manager, 'endProtection', 'EndProtectionInput', cal.caseId, { kind: 'POLICE_PROTECTION', endedAt: nowIso(60_000), outcome: 'Returned to the mother under a safety plan.' });
    await episodeStep(stack, manager, 'recordStrategyDiscussion', 'RecordStrategyDiscussionInput', cal.caseId, {
      heldAt: nowIso(30_000), attendees: attendees(required), outcome: 'SECTION_47', rationale: 'Reasonable cause to suspect significant harm.',
      actions: [{ description: 'Police to check the household on the police national computer', owner: 'DC Rivera', agency: 'POLICE', dueDate: at.plus({ days: 2 }).toISODate() }],
    });
    await episodeStep(stack, manager, 'startSection47', 'StartSection47Input', cal.caseId, {});
    await episodeStep(stack, manager, 'recordSection47Outcome', 'Section47OutcomeInput', cal.caseId, {
      enquiries: ['Saw the child alone at school', 'Spoke to the GP and the health visitor'], recommendation: 'CONVENE_ICPC', recommendationDetail: 'Likely significant harm: convene a conference.',
      analysis: 'The home conditions and the account given do not match, and the child has been left alone for days; the child is at continuing risk.',
    });
    await episodeStep(stack, manager, 'authoriseSection47', 'AuthoriseSection47Input', cal.caseId, { managerComment: 'Agreed: convene the initial conference.' });
    await episodeStep(stack, manager, 'recordInitialConference', 'InitialConferenceInput', cal.caseId, { heldOn: asAt, outcome: 'CP_PLAN', categoryOfAbuse: 'NEG', note: 'Plan agreed by all agencies.' });
    await episodeStep(stack, manager, 'recordReview', 'ReviewInput', cal.caseId, { kind: 'REVIEW_CONFERENCE', heldOn: asAt, summary: 'Review conference: the plan continues.' });
    await stepWithin('recordVisit', 'RecordVisitInput', { caseId: cal.caseId, visitedOn: asAt, visitor: 'Sam Okafor, social worker', childSeen: true, seenAlone: true, note: 'Saw Cal alone in his room; he spoke about school.' });
    const worker = `sw-annex-${randomUUID().slice(0, 6)}`;
    const allocation = await stack.graphql('mutation ($caseId: ID!, $worker: String, $team: String) { allocateWorker(caseId: $caseId, worker: $worker, team: $team) { worker } }', { caseId: cal.caseId, worker, team: 'locality-north' }, manager);
    expect(allocation.errors).toBeUndefined();

    const calChild = await stack.graphql<{ recordChildCharacteristics: { censusId: string | null } }>(
      'mutation ($input: RecordChildCharacteristicsInput!) { recordChildCharacteristics(input: $input) { censusId } }',
      { input: { caseId: cal.caseId, sex: 'M', ethnicity: 'BAFR', disabilities: ['LD'], reason: 'Confirmed with Cal\'s mother at the review conference.' } },
      manager,
    );
    expect(calChild.errors, JSON.stringify(calChild.errors)).toBeUndefined();
    const ids = {
      ada: await censusIdOf(ada.contactId),
      ben: await censusIdOf(ben.contactId),
      cal: await censusIdOf(cal.contactId),
      old: await censusIdOf(oldContact),
      unborn: await censusIdOf(unbornContact),
    };
    expect(calChild.data!.recordChildCharacteristics.censusId).toBe(ids.cal);
    expect(new Set(Object.values(ids)).size, 'each child its own census id').toBe(5);
    const [adaCase] = await stack.sql<{ team: string | null; worker: string | null }[]>`select team, worker from cases where id = ${ada.caseId}`;
    const teamName = (id: string | null) => (id ? stack.boroughs.get(BOROUGH)!.settings.teams.find((t) => t.id === id)!.name : 'Unallocated');

    const { sheets, filename, counts } = await annexA(asAt);
    expect(filename).toBe(`annex-a-${BOROUGH}-${asAt}.xlsx`);

    // Each case listed shows the export in its audit trail, with the purpose, as a casework read would.
    const auditor = await stack.token({ user: 'auditor-annex', roles: ['auditor'], boroughs: [BOROUGH] });
    for (const caseId of [cal.caseId, ada.caseId, ada.contactId]) {
      const trail = await stack.graphql<{ auditTrail: { operation: string; purpose: string | null }[] }>('query ($id: ID!) { auditTrail(caseId: $id) { operation purpose } }', { id: caseId }, auditor);
      expect(trail.errors).toBeUndefined();
      expect(trail.data!.auditTrail.filter((entry) => entry.operation === 'Query.annexA')).toEqual([{ operation: 'Query.annexA', purpose: PURPOSE }]);
    }
    const [oldTrail] = await stack.sql<{ n: number }[]>`select count(*)::int as n from audit_log where case_id = ${oldContact} and operation = 'Query.annexA'`;
    expect(oldTrail!.n, 'a case not in the lists is not recorded as exported').toBe(0);

    // The template: every sheet, every header in order, every code one of the template's, dates as dates, integers.
    expect(sheets.map((s) => s.name)).toEqual(LISTS);
    expect(counts).toEqual(sheets.map((s) => ({ list: s.name, rows: s.rows.length })));
    for (const sheet of sheets) {
      const columns = SPEC.lists[sheet.name]!;
      expect(sheet.headers, sheet.name).toEqual(columns.map((c) => c.column));
      for (const row of sheet.rows) {
        for (const column of columns) {
          const value = row[column.column] ?? null;
          const where = `${sheet.name} "${column.column}" for ${String(row['Child Unique ID'])}`;
          if (value === null) {
            expect(column.canbeblank, `${where} is blank`).toBe(true);
            continue;
          }
          if (column.type === 'date') expect(value, where).toBeInstanceOf(Date);
          if (column.type === 'integer') expect(Number.isInteger(value), where).toBe(true);
          if (column.codes) expect(column.codes, where).toContain(value);
        }
      }
    }

    // List 1: one row per child per contact in the six months; the contact eight months ago is left out.
    const contactRow = (born: string | null, age: number) => ({ 'Date of Birth': born, 'Age of Child (Years)': age, 'Date of Contact': asAt, 'Contact Source': 'h) 3B: Health services' });
    const shown = (rows: Record<string, Value>[]) => rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, day(v)])));
    expect(shown(rowsOf(sheets, 'List 1', ids.ada))).toEqual([{ 'Child Unique ID': ids.ada, Gender: 'b) Female', Ethnicity: 'a) WBRI', ...contactRow(adaBorn, 6) }]);
    expect(shown(rowsOf(sheets, 'List 1', ids.ben))).toEqual([{ 'Child Unique ID': ids.ben, Gender: 'c) Not stated/recorded', Ethnicity: 's) NOBT', ...contactRow(benBorn, 2) }]);
    expect(shown(rowsOf(sheets, 'List 1', ids.cal))).toEqual([{ 'Child Unique ID': ids.cal, Gender: 'a) Male', Ethnicity: 'o) BAFR', ...contactRow(calBorn, 10) }]);
    expect(shown(rowsOf(sheets, 'List 1', ids.unborn))).toEqual([{ 'Child Unique ID': ids.unborn, Gender: 'c) Not stated/recorded', Ethnicity: 's) NOBT', ...contactRow(null, -1) }]);
    for (const list of LISTS) expect(rowsOf(sheets, list, ids.old), `${list}: the contact eight months ago`).toEqual([]);

    // List 2: Ada's early help, started by the step down and assessed today.
    expect(shown(rowsOf(sheets, 'List 2', ids.ada))).toEqual([{
      'Child Unique ID': ids.ada, Gender: 'b) Female', Ethnicity: 'a) WBRI', 'Date of Birth': adaBorn, 'Age of Child (Years)': 6,
      'Assessment start date': asAt, 'Assessment completion date': asAt, 'Organisation completing assessment': 'Family hub north',
    }]);
    for (const child of [ids.ben, ids.cal, ids.unborn]) expect(rowsOf(sheets, 'List 2', child)).toEqual([]);

    // List 3: the three referrals, Ben's NFA, each the child's only referral in 12 months; Cal's allocation.
    const referral = (nfa: string, team: string, allocated: string) => ({ 'Date of referral': asAt, 'Referral Source': 'h) 3B: Health services', 'Referral NFA?': nfa, 'Number of Referrals in Last 12 Months': 1, 'Allocated Team': team, 'Allocated Worker': allocated });
    expect(shown(rowsOf(sheets, 'List 3', ids.ada))).toEqual([{
      'Child Unique ID': ids.ada, Gender: 'b) Female', Ethnicity: 'a) WBRI', 'Date of Birth': adaBorn, 'Age of Child (Years)': 6,
      ...referral('b) No', teamName(adaCase!.team), adaCase!.worker ?? 'Unallocated'),
    }]);
    expect(shown(rowsOf(sheets, 'List 3', ids.ben))).toMatchObject([{ 'Referral NFA?': 'a) Yes', 'Number of Referrals in Last 12 Months': 1 }]);
    expect(shown(rowsOf(sheets, 'List 3', ids.cal))).toMatchObject([referral('b) No', 'North locality team', worker)]);
    expect(rowsOf(sheets, 'List 3', ids.unborn)).toEqual([]);

    // List 4: Ada's assessment, child seen, authorised today, then a CIN plan: assessed as needing support.
    expect(shown(rowsOf(sheets, 'List 4', ids.ada))).toMatchObject([{
      'Does the Child have a Disability': 'b) No', 'Continuous Assessment Start Date': asAt, 'Child Seen During Continuous Assessment': 'a) Yes',
      'Continuous Assessment Date of Authorisation': asAt, 'Was the child assessed as requiring LA children\'s social care support?': 'a) Yes',
    }]);
    for (const child of [ids.ben, ids.cal]) expect(rowsOf(sheets, 'List 4', child)).toEqual([]);

    // List 5: Cal's s47 and ICPC.
    expect(shown(rowsOf(sheets, 'List 5', ids.cal))).toEqual([{
      'Child Unique ID': ids.cal, Gender: 'a) Male', Ethnicity: 'o) BAFR', 'Date of Birth': calBorn, 'Age of Child (Years)': 10, 'Does the Child have a Disability': 'a) Yes',
      'Strategy discussion initiating Section 47 Enquiry Start Date': asAt, 'Was an Initial Child Protection Conference deemed unnecessary?': 'b) No',
      'Date of Initial Child Protection Conference': asAt, 'Did the Initial Child Protection Conference Result in a Child Protection Plan': 'a) Yes',
      'Number of Section 47 Enquiries in the last 12 months': 1, 'Number of ICPCs in the last 12 months': 1, 'Allocated Team': 'North locality team', 'Allocated Worker': worker,
    }]);
    for (const child of [ids.ada, ids.ben]) expect(rowsOf(sheets, 'List 5', child)).toEqual([]);

    // List 6: Ada (closed; RC9 is the template's RC8) and Cal (open, on a CP plan); Ben's NFA referral is not a child in need.
    expect(shown(rowsOf(sheets, 'List 6', ids.ada))).toMatchObject([{
      'Does the Child have a Disability': 'b) No', 'CIN Start Date': asAt, 'Primary Need Code': 'N4 - Family in acute stress', 'Date Child Was Last Seen': asAt,
      'CIN Closure Date': asAt, 'Reason for Closure': 'RC8 - Case closed after assessment, no further action', 'Case Status': 'Closed',
    }]);
    expect(shown(rowsOf(sheets, 'List 6', ids.cal))).toMatchObject([{
      'CIN Start Date': asAt, 'Primary Need Code': 'N1 - Abuse or neglect', 'Date Child Was Last Seen': asAt, 'CIN Closure Date': null, 'Reason for Closure': null,
      'Case Status': 'Open - child protection plan', 'Allocated Team': 'North locality team', 'Allocated Worker': worker,
    }]);
    expect(rowsOf(sheets, 'List 6', ids.ben)).toEqual([]);

    // List 7: Cal's CP plan.
    expect(shown(rowsOf(sheets, 'List 7', ids.cal))).toEqual([{
      'Child Unique ID': ids.cal, Gender: 'a) Male', Ethnicity: 'o) BAFR', 'Date of Birth': calBorn, 'Age of Child (Years)': 10, 'Does the Child have a Disability': 'a) Yes',
      'Child Protection Plan Start Date': asAt, 'Initial Category of Abuse': 'a) Neglect', 'Latest Category of Abuse': 'a) Neglect', 'Date of the Last Statutory Visit': asAt,
      'Was the Child Seen Alone?': 'a) Yes', 'Date of latest review conference': asAt, 'Child Protection Plan End Date': null,
      'Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)': 'a) Yes', 'Number of Previous Child Protection Plans': 0,
      'Allocated Team': 'North locality team', 'Allocated Worker': worker,
    }]);
    for (const child of [ids.ada, ids.ben]) expect(rowsOf(sheets, 'List 7', child)).toEqual([]);

    // As at three months ago, the old contact is inside the six months, and nothing made today is in any list yet.
    const earlier = (await annexA(at.minus({ months: 3 }).toISODate()!)).sheets;
    expect(shown(rowsOf(earlier, 'List 1', ids.old))).toMatchObject([{ 'Date of Contact': DateTime.fromISO(nowIso(240 * 86_400_000)).setZone('Europe/London').toISODate() }]);
    for (const list of LISTS) for (const child of [ids.ada, ids.ben, ids.cal]) expect(rowsOf(earlier, list, child), list).toEqual([]);
  });

  it('is for data officers and auditors of the borough, needs a purpose, and records it in the audit trail', async () => {
    const asAt = DateTime.fromMillis(Date.now() + offsetMs, { zone: 'Europe/London' }).toISODate()!;
    const ask = (as: string | null, variables: Partial<{ borough: string; asAt: string; purpose: string }> = {}) =>
      stack.graphql<AnnexAAnswer>(ANNEX_A, { borough: BOROUGH, asAt, purpose: PURPOSE, ...variables }, as);
    const code = (result: Awaited<ReturnType<typeof ask>>) => result.errors?.[0]?.extensions?.code;

    const auditorId = `auditor-annex-${randomUUID().slice(0, 6)}`;
    const auditor = await stack.token({ user: auditorId, roles: ['auditor'], boroughs: [BOROUGH] });
    const auditorPurpose = `Practice week audit ${randomUUID().slice(0, 8)}`;
    const byAuditor = await ask(auditor, { purpose: auditorPurpose });
    expect(byAuditor.errors).toBeUndefined();
    expect(byAuditor.data!.annexA.counts.map((c) => c.list)).toEqual(LISTS);

    for (const roles of [['practitioner'], ['manager'], ['mash_worker'], ['administrator']] as const) {
      expect(code(await ask(await stack.token({ user: 'not-a-data-officer', roles: [...roles], boroughs: [BOROUGH] }))), roles[0]).toBe('FORBIDDEN');
    }
    expect(code(await ask(await stack.token({ user: 'do-rbkc', roles: ['data_officer'], boroughs: ['rbkc'] })))).toBe('FORBIDDEN');
    expect(code(await ask(null))).toBe('UNAUTHENTICATED');

    const vague = await ask(dataOfficer, { purpose: 'Ofsted' });
    expect(code(vague)).toBe('BAD_USER_INPUT');
    expect(vague.errors![0]!.extensions!.problems).toEqual([{ field: 'purpose', message: expect.stringMatching(/say why you need the lists/) as string }]);
    const future = await ask(dataOfficer, { asAt: DateTime.fromISO(asAt).plus({ days: 1 }).toISODate()! });
    expect(future.errors![0]!.extensions!.problems).toEqual([{ field: 'asAt', message: expect.stringMatching(/is in the future/) as string }]);
    const noPurpose = await stack.graphql('query ($borough: String!, $asAt: Date!) { annexA(borough: $borough, asAt: $asAt) { filename } }', { borough: BOROUGH, asAt }, dataOfficer);
    expect(noPurpose.errors?.[0]?.message).toMatch(/purpose/);

    // One row for the call, and one per case listed (the first test's cases among them), each with the purpose.
    const audited = await stack.sql<{ operation: string; kind: string; borough: string; outcome: string; purpose: string; caseId: string | null }[]>`
      select operation, kind, borough, outcome, purpose, case_id from audit_log where user_id = ${auditorId} order by id`;
    expect(audited.filter((row) => row.caseId === null)).toEqual([{ operation: 'Query.annexA', kind: 'READ', borough: BOROUGH, outcome: 'OK', purpose: auditorPurpose, caseId: null }]);
    expect(audited.length).toBe(1 + new Set(audited.map((row) => row.caseId).filter(Boolean)).size);
    expect(new Set(audited.map(({ caseId: _, ...row }) => JSON.stringify(row)))).toEqual(new Set([JSON.stringify({ operation: 'Query.annexA', kind: 'READ', borough: BOROUGH, outcome: 'OK', purpose: auditorPurpose })]));
  });

  it('`npm run annex-a -- --borough hf > file.xlsx` writes the same workbook to a file, and audits the export', async () => {
    const asAt = DateTime.now().setZone('Europe/London').toISODate()!;
    const purpose = `Inspection preparation ${randomUUID().slice(0, 8)}`;
    const file = path.join(os.tmpdir(), `annex-a-${randomUUID()}.xlsx`);
    const out = fs.openSync(file, 'w');
    let stderr = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('npm', ['run', 'annex-a', '--', '--borough', BOROUGH, '--as-at', asAt, '--purpose', purpose], {
        cwd: projectRoot, stdio: ['ignore', out, 'pipe'], env: { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'silent' },
      });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    fs.closeSync(out);
    expect(code, stderr).toBe(0);
    // Exactly the workbook: an .xlsx (a zip) from its first byte, with nothing (npm's banner) before it.
    expect(fs.readFileSync(file).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    fs.rmSync(file);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(LISTS);
    const { sheets } = await annexA(asAt);
    for (const sheet of sheets) {
      const worksheet = workbook.getWorksheet(sheet.name)!;
      expect((worksheet.getRow(1).values as unknown[]).slice(1), sheet.name).toEqual(sheet.headers);
      expect(worksheet.actualRowCount - 1, sheet.name).toBe(sheet.rows.length);
    }
    expect(stderr).toMatch(new RegExp(`Annex A for ${BOROUGH} as at ${asAt}: List 1 \\d+`));
    const audited = await stack.sql<{ operation: string; borough: string; purpose: string }[]>`select operation, borough, purpose from audit_log where purpose = ${purpose} and case_id is null`;
    expect(audited).toEqual([{ operation: 'command annex-a', borough: BOROUGH, purpose }]);
  });
});

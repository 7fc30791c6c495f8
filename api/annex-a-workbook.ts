import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import type { AnnexAChild, AnnexARecord } from '../db/annex-a';

// Ofsted Annex A lists 1–7 as the template has them (returns/annex-a-lists-1-7.json: the liiatools 0.2.0 reading of
// the 2024 template): one sheet per list, its columns in order, lettered codes, real Excel dates, integers as numbers.

type Cell = string | number | Date | null;
interface Column<Row> { header: string; kind: 'string' | 'date' | 'integer'; value: (row: Row, child: AnnexAChild) => Cell }

const GENDER: Record<string, string> = { M: 'a) Male', F: 'b) Female', U: 'c) Not stated/recorded' };
const ETHNICITY: Record<string, string> = {
  WBRI: 'a) WBRI', WIRI: 'b) WIRI', WIRT: 'c) WIRT', WOTH: 'd) WOTH', WROM: 'e) WROM', MWBC: 'f) MWBC', MWBA: 'g) MWBA', MWAS: 'h) MWAS', MOTH: 'i) MOTH',
  AIND: 'j) AIND', APKN: 'k) APKN', ABAN: 'l) ABAN', AOTH: 'm) AOTH', BCRB: 'n) BCRB', BAFR: 'o) BAFR', BOTH: 'p) BOTH', CHNE: 'q) CHNE', OOTH: 'r) OOTH',
  REFU: 's) REFU', NOBT: 's) NOBT',
};
/** CIN census ReferralSource → the template's source. 5D (early help, new in the census since the template) is an internal LA service: 5B. */
const SOURCE: Record<string, string> = {
  '1A': 'a) 1A: Individual', '1B': 'b) 1B: Individual', '1C': 'c) 1C: Individual', '1D': 'd) 1D: Individual', '2A': 'e) 2A: Schools', '2B': 'f) 2B: Education services',
  '3A': 'g) 3A: Health services', '3B': 'h) 3B: Health services', '3C': 'i) 3C: Health services', '3D': 'j) 3D: Health services', '3E': 'k) 3E: Health services',
  '3F': 'l) 3F: Health services', '4': 'm) 4: Housing', '5A': 'n) 5A: LA services', '5B': 'o) 5B: LA services', '5C': 'p) 5C: LA services', '5D': 'o) 5B: LA services',
  '6': 'q) 6: Police', '7': 'r) 7: Other legal agency', '8': 's) 8: Other', '9': 't) 9: Anonymous', '10': 'u) 10: Unknown',
};
const PRIMARY_NEED: Record<string, string> = {
  N0: 'N0 - Not stated', N1: 'N1 - Abuse or neglect', N2: "N2 - Child's disability", N3: 'N3 - Parental disability or illness', N4: 'N4 - Family in acute stress',
  N5: 'N5 - Family dysfunction', N6: 'N6 - Socially unacceptable behaviour', N7: 'N7 - Low income', N8: 'N8 - Absent parenting', N9: 'N9 - Cases other than children in need',
};
/** RC9 (referred to early help after an assessment) was part of RC8 when the template was made. */
const CLOSURE: Record<string, string> = {
  RC1: 'RC1 - Adopted', RC2: 'RC2 - Died', RC3: 'RC3 - Child arrangements order', RC4: 'RC4 - Special guardianship order',
  RC5: 'RC5 - Transferred to services of another local authority', RC6: 'RC6 - Transferred to adult social care services',
  RC7: 'RC7 - Services ceased for any other reason, including child no longer in need', RC8: 'RC8 - Case closed after assessment, no further action',
  RC9: 'RC8 - Case closed after assessment, no further action',
};
const CATEGORY: Record<string, string> = { NEG: 'a) Neglect', PHY: 'b) Physical abuse', SAB: 'c) Sexual abuse', EMO: 'd) Emotional abuse', MUL: 'e) Multiple/not recommended' };
const YES = 'a) Yes';
const NO = 'b) No';
const UNKNOWN = 'c) Unknown';
const yesNo = (value: boolean | null) => (value === null ? UNKNOWN : value ? YES : NO);

function age(child: AnnexAChild, asAt: string): number {
  if (!child.dateOfBirth || child.dateOfBirth > asAt) return -1;
  return Math.floor(DateTime.fromISO(asAt).diff(DateTime.fromISO(child.dateOfBirth), 'years').years);
}

function childColumns<Row>(asAt: string, disability: boolean): Column<Row>[] {
  return [
    { header: 'Child Unique ID', kind: 'string', value: (_row, child) => child.laChildId },
    { header: 'Gender', kind: 'string', value: (_row, child) => GENDER[child.sex ?? 'U'] ?? GENDER.U! },
    { header: 'Ethnicity', kind: 'string', value: (_row, child) => ETHNICITY[child.ethnicity ?? 'NOBT'] ?? ETHNICITY.NOBT! },
    { header: 'Date of Birth', kind: 'date', value: (_row, child) => child.dateOfBirth },
    { header: 'Age of Child (Years)', kind: 'integer', value: (_row, child) => age(child, asAt) },
    ...(disability ? [{ header: 'Does the Child have a Disability', kind: 'string' as const, value: (_row: Row, child: AnnexAChild) => disabled(child) }] : []),
  ];
}

function disabled(child: AnnexAChild): string {
  if (child.disabilities === null) return UNKNOWN;
  return child.disabilities.length === 1 && child.disabilities[0] === 'NONE' ? NO : YES;
}

const allocated = <Row extends { team: string | null; worker: string | null }>(teamName: (id: string) => string): Column<Row>[] => [
  { header: 'Allocated Team', kind: 'string', value: (row) => (row.team ? teamName(row.team) : 'Unallocated') },
  { header: 'Allocated Worker', kind: 'string', value: (row) => row.worker ?? 'Unallocated' },
];

interface Sheet<Row> { name: string; rows: Row[]; columns: Column<Row>[] }

/** The seven lists: each a sheet name, its rows and its columns (header, kind, value) in the template's order. */
function sheets(record: AnnexARecord, teamName: (id: string) => string) {
  const { asAt } = record.period;
  const list1: Sheet<AnnexARecord['contacts'][number]> = { name: 'List 1', rows: record.contacts, columns: [
    ...childColumns(asAt, false),
    { header: 'Date of Contact', kind: 'date', value: (r) => r.contactDate },
    { header: 'Contact Source', kind: 'string', value: (r) => SOURCE[r.source] ?? SOURCE['10']! },
  ] };
  const list2: Sheet<AnnexARecord['earlyHelp'][number]> = { name: 'List 2', rows: record.earlyHelp, columns: [
    ...childColumns(asAt, false),
    { header: 'Assessment start date', kind: 'date', value: (r) => r.startDate },
    { header: 'Assessment completion date', kind: 'date', value: (r) => r.completedDate },
    { header: 'Organisation completing assessment', kind: 'string', value: (r) => r.organisation },
  ] };
  const list3: Sheet<AnnexARecord['referrals'][number]> = { name: 'List 3', rows: record.referrals, columns: [
    ...childColumns(asAt, false),
    { header: 'Date of referral', kind: 'date', value: (r) => r.referralDate },
    { header: 'Referral Source', kind: 'string', value: (r) => SOURCE[r.source] ?? SOURCE['10']! },
    { header: 'Referral NFA?', kind: 'string', value: (r) => yesNo(r.nfa) },
    { header: 'Number of Referrals in Last 12 Months', kind: 'integer', value: (r) => r.referralsInTwelveMonths },
    ...allocated(teamName),
  ] };
  const list4: Sheet<AnnexARecord['assessments'][number]> = { name: 'List 4', rows: record.assessments, columns: [
    ...childColumns(asAt, true),
    { header: 'Continuous Assessment Start Date', kind: 'date', value: (r) => r.startDate },
    { header: 'Child Seen During Continuous Assessment', kind: 'string', value: (r) => yesNo(r.childSeen) },
    { header: 'Continuous Assessment Date of Authorisation', kind: 'date', value: (r) => r.completedDate },
    { header: 'Was the child assessed as requiring LA children\'s social care support?', kind: 'string', value: (r) => (r.planAfter ? YES : r.closedAfterAssessment ? NO : null) },
    ...allocated(teamName),
  ] };
  const list5: Sheet<AnnexARecord['section47s'][number]> = { name: 'List 5', rows: record.section47s, columns: [
    ...childColumns(asAt, true),
    { header: 'Strategy discussion initiating Section 47 Enquiry Start Date', kind: 'date', value: (r) => r.startDate },
    { header: 'Was an Initial Child Protection Conference deemed unnecessary?', kind: 'string', value: (r) => (r.recommendation === null ? null : yesNo(r.recommendation !== 'CONVENE_ICPC')) },
    { header: 'Date of Initial Child Protection Conference', kind: 'date', value: (r) => r.icpcDate },
    { header: 'Did the Initial Child Protection Conference Result in a Child Protection Plan', kind: 'string', value: (r) => (r.icpcOutcome === null ? null : yesNo(r.icpcOutcome === 'CP_PLAN')) },
    { header: 'Number of Section 47 Enquiries in the last 12 months', kind: 'integer', value: (r) => r.section47sInTwelveMonths },
    { header: 'Number of ICPCs in the last 12 months', kind: 'integer', value: (r) => r.icpcsInTwelveMonths },
    ...allocated(teamName),
  ] };
  const list6: Sheet<AnnexARecord['childrenInNeed'][number]> = { name: 'List 6', rows: record.childrenInNeed, columns: [
    ...childColumns(asAt, true),
    { header: 'CIN Start Date', kind: 'date', value: (r) => r.startDate },
    { header: 'Primary Need Code', kind: 'string', value: (r) => PRIMARY_NEED[r.primaryNeed] ?? PRIMARY_NEED.N0! },
    { header: 'Date Child Was Last Seen', kind: 'date', value: (r) => r.lastSeen },
    { header: 'CIN Closure Date', kind: 'date', value: (r) => r.closedDate },
    { header: 'Reason for Closure', kind: 'string', value: (r) => (r.closureReason ? CLOSURE[r.closureReason] ?? null : null) },
    { header: 'Case Status', kind: 'string', value: (r) => (r.closedDate ? 'Closed' : r.onCpPlan ? 'Open - child protection plan' : r.onCinPlan ? 'Open - child in need plan' : 'Open') },
    ...allocated(teamName),
  ] };
  const list7: Sheet<AnnexARecord['protectionPlans'][number]> = { name: 'List 7', rows: record.protectionPlans, columns: [
    ...childColumns(asAt, true),
    { header: 'Child Protection Plan Start Date', kind: 'date', value: (r) => r.startDate },
    { header: 'Initial Category of Abuse', kind: 'string', value: (r) => CATEGORY[r.category] ?? CATEGORY.MUL! },
    { header: 'Latest Category of Abuse', kind: 'string', value: (r) => CATEGORY[r.category] ?? CATEGORY.MUL! },
    { header: 'Date of the Last Statutory Visit', kind: 'date', value: (r) => r.lastVisit },
    { header: 'Was the Child Seen Alone?', kind: 'string', value: (r) => (r.lastVisit === null ? null : yesNo(r.seenAlone)) },
    { header: 'Date of latest review conference', kind: 'date', value: (r) => r.latestReview },
    { header: 'Child Protection Plan End Date', kind: 'date', value: (r) => r.endDate },
    { header: 'Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)', kind: 'string', value: (r) => yesNo(r.protectedInSixMonths) },
    { header: 'Number of Previous Child Protection Plans', kind: 'integer', value: (r) => r.previousPlans },
    ...allocated(teamName),
  ] };
  return [list1, list2, list3, list4, list5, list6, list7] as Sheet<unknown>[];
}

/** A built Annex A: the .xlsx bytes and the number of rows on each list. */
export interface AnnexAWorkbook { bytes: Buffer; counts: { list: string; rows: number }[] }

/** Builds the workbook from the record. `teamName` turns a team id into the name the borough gives it. */
export async function annexAWorkbook(record: AnnexARecord, teamName: (id: string) => string): Promise<AnnexAWorkbook> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Front Door';
  workbook.created = new Date(`${record.period.asAt}T00:00:00Z`);
  const counts: AnnexAWorkbook['counts'] = [];
  for (const sheet of sheets(record, teamName)) {
    const worksheet = workbook.addWorksheet(sheet.name);
    worksheet.columns = sheet.columns.map((column) => ({
      header: column.header, width: Math.min(Math.max(column.header.length + 2, 14), 40), ...(column.kind === 'date' ? { style: { numFmt: 'dd/mm/yyyy' } } : {}),
    }));
    worksheet.getRow(1).font = { bold: true };
    for (const row of sheet.rows) {
      const child = record.children.get((row as { childId: string }).childId)!;
      worksheet.addRow(sheet.columns.map((column) => {
        const value = column.value(row, child);
        return column.kind === 'date' && typeof value === 'string' ? new Date(`${value}T00:00:00Z`) : value;
      }));
    }
    counts.push({ list: sheet.name, rows: sheet.rows.length });
  }
  return { bytes: Buffer.from(await workbook.xlsx.writeBuffer()), counts };
}

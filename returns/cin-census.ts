import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Sql } from '../db/sql';
import { ensureChildren } from '../db/children';
import type { Borough } from '../rules/borough-config';
import { addWorkingDays, type WorkingCalendar } from '../rules/calendar';
import { projectRoot } from '../server/env';

/** Front Door's version, the census header's Release. */
export const RELEASE = z.object({ version: z.string().min(1) }).parse(JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'))).version;

/** The first collection year the census can be asked for, and why a year is refused (null when it can be made). */
export const FIRST_CENSUS_YEAR = 2020;
export function censusYearProblem(year: number, now: Date): string | null {
  const latest = DateTime.fromJSDate(now, { zone: 'Europe/London' }).year + 1;
  if (!Number.isInteger(year) || year < FIRST_CENSUS_YEAR || year > latest) {
    return `year: ${year} is not a collection year Front Door can export; give the year the return ends in (e.g. 2026 for 1 April 2025 to 31 March 2026), from ${FIRST_CENSUS_YEAR} to ${latest}.`;
  }
  return null;
}

/** What the census needs of a borough's configuration, or why it cannot be made (no LEA code configured). */
export function censusSourceFor(borough: Borough, now: Date): CensusSource | string {
  if (!borough.settings.leaCode) return `Borough "${borough.code}" has no leaCode in borough-config/${borough.code}/borough.json: add its DfE three-digit local authority code before making a return.`;
  return { borough: borough.code, leaCode: borough.settings.leaCode, calendar: borough.calendar, release: RELEASE, now };
}

/**
 * The DfE Children in Need census return for one borough and collection year, read from the record: every child with
 * an episode open at any time in the year (1 April Y-1 to 31 March Y), each episode as one CINdetails with only the
 * activity that falls in the year. Where the record cannot satisfy a census rule (a characteristic not recorded), the
 * file is still written without that element and the gap is reported, so a data officer can fix it before submitting.
 */
export interface CinCensusReturn {
  xml: string;
  children: number;
  gaps: CensusGap[];
}

/** Something the record lacks for the census: the child's census id, the census field and the rule it breaks. */
export interface CensusGap {
  censusId: string;
  field: string;
  rule: string;
  message: string;
}

export interface CensusSource {
  borough: string;
  leaCode: string;
  calendar: WorkingCalendar;
  /** Front Door's version (the header's Release). */
  release: string;
  now: Date;
}

/** The collection year's first and last day (YYYY-MM-DD) and its reference date. */
export function collectionYear(year: number): { start: string; end: string; referenceDate: string } {
  return { start: `${year - 1}-04-01`, end: `${year}-03-31`, referenceDate: `${year}-03-31` };
}

interface ChildRow {
  childId: string;
  laChildId: string | null;
  sex: string | null;
  ethnicity: string | null;
  disabilities: string[] | null;
  upn: string | null;
  upnUnknown: string | null;
  deathDate: string | null;
  birthDate: string | null;
  expectedBirthDate: string | null;
}
interface EpisodeRow {
  id: string;
  childId: string;
  referralDate: string;
  referralSource: string;
  primaryNeed: string;
  referralNfa: boolean;
  closedOn: string | null;
  closureReason: string | null;
}
interface AssessmentRow { id: string; episodeId: string; startedOn: string; authorisedOn: string | null; factors: string[] }
interface PlanRow { id: string; episodeId: string; childId: string; kind: string; startDate: string; endDate: string | null; categoryOfAbuse: string | null; latestCategory: string | null; previousCp: number }
interface Section47Row { id: string; episodeId: string; startedOn: string; recommendation: string | null; authorisedOn: string | null; icpcOn: string | null }
interface ReviewRow { planId: string; heldOn: string }

const inYear = (date: string | null, y: { start: string; end: string }) => date !== null && date >= y.start && date <= y.end;
const upTo = (date: string | null, end: string) => (date !== null && date <= end ? date : null);

/** Builds the return. Reads only; every query names the borough. */
export async function cinCensus(sql: Sql, source: CensusSource, year: number): Promise<CinCensusReturn> {
  const y = collectionYear(year);
  const tz = source.calendar.timeZone;
  const episodes = await sql<EpisodeRow[]>`
    select e.id, e.child_id, to_char(e.referral_date, 'YYYY-MM-DD') as referral_date, e.referral_source, e.primary_need, e.referral_nfa,
           to_char(e.closed_at at time zone ${tz}, 'YYYY-MM-DD') as closed_on, e.closure_reason
    from episodes e
    where e.borough = ${source.borough} and e.referral_date <= ${y.end}::date
      and (e.closed_at is null or (e.closed_at at time zone ${tz})::date >= ${y.start}::date)
    order by e.child_id, e.referral_at, e.id`;
  const episodeIds = episodes.map((e) => e.id);
  const childIds = [...new Set(episodes.map((e) => e.childId))];
  // A child not yet given a census id (named before migration 012's backfill ran) gets one now.
  await ensureChildren(sql, source.borough, childIds);
  const children = childIds.length === 0 ? [] : await sql<ChildRow[]>`
    select c.child_id, c.la_child_id, c.sex, c.ethnicity, c.disabilities, c.upn, c.upn_unknown, to_char(c.death_date, 'YYYY-MM-DD') as death_date,
           to_char(born.date_of_birth, 'YYYY-MM-DD') as birth_date, to_char(born.expected_date_of_birth, 'YYYY-MM-DD') as expected_birth_date
    from children c
    left join lateral (
      select cc.date_of_birth, cc.expected_date_of_birth
      from episode_referrals r join contact_children cc on cc.contact_id = r.contact_id and cc.position = r.child_position
      where r.borough = ${source.borough} and r.child_id = c.child_id
      order by r.referral_at desc limit 1
    ) born on true
    where c.borough = ${source.borough} and c.child_id = any(${sql.array(childIds)}::uuid[])
    order by c.la_child_id`;
  const assessments = episodeIds.length === 0 ? [] : await sql<AssessmentRow[]>`
    select a.id, a.episode_id, to_char(a.started_at at time zone ${tz}, 'YYYY-MM-DD') as started_on,
           case when a.status = 'COMPLETED' then to_char(a.completed_at at time zone ${tz}, 'YYYY-MM-DD') end as authorised_on,
           coalesce((select array_agg(f.code order by f.code) from assessment_factors f where f.assessment_id = a.id and f.borough = ${source.borough}), '{}') as factors
    from assessments a where a.borough = ${source.borough} and a.episode_id = any(${sql.array(episodeIds)}::uuid[]) order by a.started_at, a.id`;
  const plans = episodeIds.length === 0 ? [] : await sql<PlanRow[]>`
    select p.id, p.episode_id, e.child_id, p.kind, to_char(p.start_date, 'YYYY-MM-DD') as start_date, to_char(p.end_date, 'YYYY-MM-DD') as end_date,
           p.category_of_abuse, p.category_of_abuse as latest_category,
           (select count(*)::int from plans q join episodes qe on qe.id = q.episode_id
            where q.borough = ${source.borough} and qe.borough = ${source.borough} and qe.child_id = e.child_id and q.kind = 'CP'
              and (q.start_date, q.created_at) < (p.start_date, p.created_at)) as previous_cp
    from plans p join episodes e on e.id = p.episode_id
    where p.borough = ${source.borough} and p.episode_id = any(${sql.array(episodeIds)}::uuid[]) order by p.start_date, p.created_at`;
  const section47s = episodeIds.length === 0 ? [] : await sql<Section47Row[]>`
    select s.id, s.episode_id, to_char(coalesce(d.held_at, s.started_at) at time zone ${tz}, 'YYYY-MM-DD') as started_on, s.recommendation,
           case when s.status = 'COMPLETED' then to_char(s.authorised_at at time zone ${tz}, 'YYYY-MM-DD') end as authorised_on,
           to_char(c.held_on, 'YYYY-MM-DD') as icpc_on
    from section47s s join strategy_discussions d on d.id = s.strategy_discussion_id
    left join conferences c on c.section47_id = s.id and c.borough = ${source.borough}
    where s.borough = ${source.borough} and s.episode_id = any(${sql.array(episodeIds)}::uuid[]) order by s.started_at, s.id`;
  const reviews = episodeIds.length === 0 ? [] : await sql<ReviewRow[]>`
    select r.plan_id, to_char(r.held_on, 'YYYY-MM-DD') as held_on from reviews r
    where r.borough = ${source.borough} and r.kind = 'REVIEW_CONFERENCE' and r.episode_id = any(${sql.array(episodeIds)}::uuid[]) order by r.held_on`;

  const gaps: CensusGap[] = [];
  const body: string[] = [];
  for (const child of children) {
    const id = child.laChildId!;
    const gap = (field: string, rule: string, message: string) => gaps.push({ censusId: id, field, rule, message });
    const own = episodes.filter((e) => e.childId === child.childId);
    const unborn = child.birthDate === null;
    const ids: string[] = [el('LAchildID', id)];
    if (child.upn) ids.push(el('UPN', child.upn));
    else if (child.upnUnknown) ids.push(el('UPNunknown', child.upnUnknown));
    else if (unborn) ids.push(el('UPNunknown', 'UN1'));
    else if (own.every((e) => e.referralNfa)) ids.push(el('UPNunknown', 'UN7'));
    else gap('UPN', '8770Q', 'Neither a UPN nor the reason it is unknown (UN1–UN7) is recorded.');
    if (child.birthDate) ids.push(el('PersonBirthDate', child.birthDate));
    else if (child.expectedBirthDate) ids.push(el('ExpectedPersonBirthDate', child.expectedBirthDate));
    if (unborn) ids.push(el('Sex', 'U'));
    else if (child.sex) ids.push(el('Sex', child.sex));
    else gap('Sex', '4180', 'Sex (M, F or U) is not recorded.');
    if (child.deathDate && child.deathDate <= y.end) ids.push(el('PersonDeathDate', child.deathDate));

    const characteristics: string[] = [];
    if (child.ethnicity) characteristics.push(el('Ethnicity', child.ethnicity));
    else gap('Ethnicity', '4220', 'Ethnicity is not recorded (one of the 20 census codes, or REFU refused, NOBT not yet obtained).');
    if (child.disabilities && child.disabilities.length > 0) characteristics.push(`<Disabilities>${child.disabilities.map((d) => el('Disability', d)).join('')}</Disabilities>`);
    else gap('Disability', '8540', 'Disabilities are not recorded (NONE when the child has none).');

    for (const episode of own) {
      // No activity after "closed after assessment" (rule 2990): an s47 or a plan makes RC8/RC9 the wrong reason.
      const hasActivity = section47s.some((s) => s.episodeId === episode.id) || plans.some((p) => p.episodeId === episode.id);
      if ((episode.closureReason === 'RC8' || episode.closureReason === 'RC9') && upTo(episode.closedOn, y.end) && hasActivity) {
        gap('ReasonForClosure', '2990', `The episode referred on ${episode.referralDate} closed with ${episode.closureReason} (closed after assessment) but had an s47 enquiry or a plan: the reason should be another (e.g. RC7).`);
      }
    }
    const details = own.map((episode) => cinDetails(episode, y, source.calendar, {
      assessments: assessments.filter((a) => a.episodeId === episode.id),
      plans: plans.filter((p) => p.episodeId === episode.id),
      section47s: section47s.filter((s) => s.episodeId === episode.id),
      reviews,
    }));
    body.push(`<Child><ChildIdentifiers>${ids.join('')}</ChildIdentifiers><ChildCharacteristics>${characteristics.join('')}</ChildCharacteristics>${details.join('')}</Child>`);
  }

  const header = [
    '<Header><CollectionDetails>', el('Collection', 'CIN'), el('Year', String(year)), el('ReferenceDate', y.referenceDate), '</CollectionDetails>',
    '<Source>', el('SourceLevel', 'L'), el('LEA', source.leaCode), el('SoftwareCode', 'Front Door'), el('Release', source.release),
    el('SerialNo', DateTime.fromJSDate(source.now, { zone: 'utc' }).toFormat('yyyyMMddHHmm').slice(2)), el('DateTime', DateTime.fromJSDate(source.now, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss")),
    '</Source></Header>',
  ].join('');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Message>${header}<Children>${body.join('')}</Children></Message>\n`;
  return { xml, children: children.length, gaps };
}

function cinDetails(
  episode: EpisodeRow, y: { start: string; end: string }, calendar: WorkingCalendar,
  rows: { assessments: AssessmentRow[]; plans: PlanRow[]; section47s: Section47Row[]; reviews: ReviewRow[] },
): string {
  const closedOn = upTo(episode.closedOn, y.end);
  const parts: string[] = [el('CINreferralDate', episode.referralDate), el('ReferralSource', episode.referralSource)];
  if (!episode.referralNfa || episode.primaryNeed !== 'N0') parts.push(el('PrimaryNeedCode', episode.primaryNeed));
  if (closedOn) parts.push(el('CINclosureDate', closedOn), el('ReasonForClosure', episode.closureReason!));
  // A conference is recorded once (rule 2884): on its s47 when that is in the return, else here (an s47 of an earlier year).
  const section47s = rows.section47s.filter((s) => s.startedOn <= y.end && (inYear(s.startedOn, y) || inYear(s.icpcOn, y) || inYear(s.authorisedOn, y)));
  const icpcs = rows.section47s.filter((s) => !section47s.includes(s)).map((s) => s.icpcOn).filter((d): d is string => inYear(d, y)).sort();
  if (icpcs[0]) parts.push(el('DateOfInitialCPC', icpcs[0]));
  parts.push(el('ReferralNFA', episode.referralNfa ? '1' : '0'));
  // Only the activity open at some time in the year; dates after the year's end are left out.
  for (const a of rows.assessments.filter((a) => a.startedOn <= y.end && (a.authorisedOn === null || a.authorisedOn >= y.start))) {
    const authorised = upTo(a.authorisedOn, y.end);
    parts.push(`<Assessments>${el('AssessmentActualStartDate', a.startedOn)}${authorised ? el('AssessmentAuthorisationDate', authorised) : ''}${
      authorised && a.factors.length > 0 ? `<FactorsIdentifiedAtAssessment>${a.factors.map((f) => el('AssessmentFactors', f)).join('')}</FactorsIdentifiedAtAssessment>` : ''}</Assessments>`);
  }
  const overlapping = (p: PlanRow) => p.startDate <= y.end && (p.endDate === null || p.endDate >= y.start);
  for (const p of rows.plans.filter((p) => p.kind === 'CIN' && overlapping(p))) {
    const end = upTo(p.endDate, y.end);
    parts.push(`<CINPlanDates>${el('CINPlanStartDate', p.startDate)}${end ? el('CINPlanEndDate', end) : ''}</CINPlanDates>`);
  }
  for (const s of section47s) {
    const target = addWorkingDays(new Date(`${s.startedOn}T12:00:00Z`), 15, calendar).dueDate;
    const icpc = upTo(s.icpcOn, y.end);
    const notRequired = s.authorisedOn !== null && s.authorisedOn <= y.end && s.recommendation !== 'CONVENE_ICPC';
    parts.push(`<Section47>${el('S47ActualStartDate', s.startedOn)}${el('InitialCPCtarget', target)}${icpc ? el('DateOfInitialCPC', icpc) : ''}${el('ICPCnotRequired', notRequired ? '1' : '0')}</Section47>`);
  }
  for (const p of rows.plans.filter((p) => p.kind === 'CP' && overlapping(p))) {
    const end = upTo(p.endDate, y.end);
    const held = rows.reviews.filter((r) => r.planId === p.id && inYear(r.heldOn, y) && (end === null || r.heldOn <= end));
    parts.push(`<ChildProtectionPlans>${el('CPPstartDate', p.startDate)}${end ? el('CPPendDate', end) : ''}${el('InitialCategoryOfAbuse', p.categoryOfAbuse!)}${
      el('LatestCategoryOfAbuse', p.latestCategory!)}${el('NumberOfPreviousCPP', String(p.previousCp))}${held.map((r) => `<Reviews>${el('CPPreviewDate', r.heldOn)}</Reviews>`).join('')}</ChildProtectionPlans>`);
  }
  return `<CINdetails>${parts.join('')}</CINdetails>`;
}

/** One element with its text escaped (codes and dates only: no personal names are ever written). */
function el(name: string, text: string): string {
  return `<${name}>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</${name}>`;
}

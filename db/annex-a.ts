import { DateTime } from 'luxon';
import type postgres from 'postgres';
import { appendAudit, type AuditEntry } from './audit';
import type { Sql } from './sql';
import { ensureChildren } from './children';

// Ofsted Annex A, lists 1–7: what the record holds for each row, read per borough for the six months before `asAt`.
// Dates are London calendar dates ("YYYY-MM-DD"); api/annex-a-workbook.ts turns these rows into the lettered template.

/** The periods an Annex A covers: the six months up to `asAt` (both days included) and the twelve months for counts. */
export interface AnnexAPeriod {
  asAt: string;
  from: string;
  twelveMonthsFrom: string;
}

export function annexAPeriod(asAt: string): AnnexAPeriod {
  const day = DateTime.fromISO(asAt, { zone: 'utc' });
  return { asAt, from: day.minus({ months: 6 }).toISODate()!, twelveMonthsFrom: day.minus({ months: 12 }).toISODate()! };
}

/** What every list says about the child: census id, characteristics (null until recorded) and date of birth. */
export interface AnnexAChild {
  laChildId: string;
  sex: string | null;
  ethnicity: string | null;
  disabilities: string[] | null;
  dateOfBirth: string | null;
  expectedDateOfBirth: string | null;
}

interface Allocated { team: string | null; worker: string | null }
export interface ContactRow { caseId: string; childId: string; contactDate: string; source: string }
export interface EarlyHelpRow { caseId: string; childId: string; startDate: string; completedDate: string | null; organisation: string }
export interface ReferralRow extends Allocated { caseId: string; childId: string; referralDate: string; source: string; nfa: boolean; referralsInTwelveMonths: number }
export interface AssessmentRow extends Allocated {
  caseId: string; childId: string; startDate: string; completedDate: string | null; childSeen: boolean | null; planAfter: boolean; closedAfterAssessment: boolean;
}
export interface Section47Row extends Allocated {
  caseId: string; childId: string; startDate: string; recommendation: string | null; authorisedDate: string | null; icpcDate: string | null; icpcOutcome: string | null;
  section47sInTwelveMonths: number; icpcsInTwelveMonths: number;
}
export interface ChildInNeedRow extends Allocated {
  caseId: string; childId: string; startDate: string; primaryNeed: string; lastSeen: string | null; closedDate: string | null; closureReason: string | null; onCpPlan: boolean; onCinPlan: boolean;
}
export interface ProtectionPlanRow extends Allocated {
  caseId: string; childId: string; startDate: string; endDate: string | null; category: string; lastVisit: string | null; seenAlone: boolean | null; latestReview: string | null;
  protectedInSixMonths: boolean; previousPlans: number;
}

export interface AnnexARecord {
  period: AnnexAPeriod;
  children: Map<string, AnnexAChild>;
  contacts: ContactRow[];
  earlyHelp: EarlyHelpRow[];
  referrals: ReferralRow[];
  assessments: AssessmentRow[];
  section47s: Section47Row[];
  childrenInNeed: ChildInNeedRow[];
  protectionPlans: ProtectionPlanRow[];
}

/**
 * Reads lists 1–7 for `borough` as at `asAt` (activity after `asAt` is not counted: a plan ending later is open, a
 * closure later is not yet a closure). Every child in a list gets a census id if it has none yet (given once, in the
 * form migration 012 gives them), so every row has its Child Unique ID.
 */
export async function readAnnexA(sql: Sql, borough: string, asAt: string): Promise<AnnexARecord> {
  const period = annexAPeriod(asAt);
  const { from, twelveMonthsFrom } = period;
  type Fragment = postgres.PendingQuery<postgres.Row[]>;
  const london = (column: Fragment) => sql`(${column} at time zone 'Europe/London')::date`;
  const day = (column: Fragment) => sql`to_char(${london(column)}, 'YYYY-MM-DD')`;

  const contacts = await sql<ContactRow[]>`
    select c.id::text as case_id, k.child_id::text, ${day(sql`c.received_at`)} as contact_date, c.referral_source_code as source
    from contacts c join contact_children k on k.contact_id = c.id
    where c.borough = ${borough} and k.child_id is not null and ${london(sql`c.received_at`)} between ${from}::date and ${asAt}::date
    order by c.received_at, k.position`;

  const earlyHelp = await sql<EarlyHelpRow[]>`
    select h.episode_id::text as case_id, h.child_id::text, to_char(h.started_on, 'YYYY-MM-DD') as start_date,
      case when h.assessment_completed_on <= ${asAt}::date then to_char(h.assessment_completed_on, 'YYYY-MM-DD') end as completed_date, h.organisation
    from early_help_episodes h
    where h.borough = ${borough} and (h.started_on between ${from}::date and ${asAt}::date or h.assessment_completed_on between ${from}::date and ${asAt}::date)
    order by h.started_on, h.recorded_at`;

  const referrals = await sql<ReferralRow[]>`
    select r.episode_id::text as case_id, r.child_id::text, ${day(sql`r.referral_at`)} as referral_date, c.referral_source_code as source, e.referral_nfa as nfa, cs.team, cs.worker,
      (select count(*)::int from episode_referrals r2 where r2.borough = ${borough} and r2.child_id = r.child_id
        and ${london(sql`r2.referral_at`)} between ${twelveMonthsFrom}::date and ${asAt}::date) as referrals_in_twelve_months
    from episode_referrals r join contacts c on c.id = r.contact_id join episodes e on e.id = r.episode_id join cases cs on cs.id = r.episode_id
    where r.borough = ${borough} and ${london(sql`r.referral_at`)} between ${from}::date and ${asAt}::date
    order by r.referral_at`;

  const assessments = await sql<AssessmentRow[]>`
    select a.episode_id::text as case_id, e.child_id::text, ${day(sql`a.started_at`)} as start_date, done.completed_date, cs.team, cs.worker,
      case when done.completed_date is not null then a.child_seen end as child_seen,
      done.completed_date is not null and exists (select 1 from plans p where p.borough = ${borough} and p.episode_id = a.episode_id
        and p.start_date <= ${asAt}::date and (p.end_date is null or p.end_date >= done.completed_date::date)) as plan_after,
      done.completed_date is not null and e.closure_reason in ('RC8', 'RC9') and ${london(sql`e.closed_at`)} <= ${asAt}::date as closed_after_assessment
    from assessments a join episodes e on e.id = a.episode_id join cases cs on cs.id = a.episode_id
    cross join lateral (select case when ${london(sql`a.completed_at`)} <= ${asAt}::date then ${day(sql`a.completed_at`)} end as completed_date) done
    where a.borough = ${borough} and ${london(sql`a.started_at`)} <= ${asAt}::date and (a.completed_at is null or ${london(sql`a.completed_at`)} >= ${from}::date)
    order by a.started_at`;

  const section47s = await sql<Section47Row[]>`
    select s.episode_id::text as case_id, e.child_id::text, ${day(sql`coalesce(sd.held_at, s.started_at)`)} as start_date, cs.team, cs.worker,
      case when ${london(sql`s.authorised_at`)} <= ${asAt}::date then s.recommendation end as recommendation,
      case when ${london(sql`s.authorised_at`)} <= ${asAt}::date then ${day(sql`s.authorised_at`)} end as authorised_date,
      to_char(c.held_on, 'YYYY-MM-DD') as icpc_date, c.outcome as icpc_outcome,
      (select count(*)::int from section47s s2 join episodes e2 on e2.id = s2.episode_id where s2.borough = ${borough} and e2.child_id = e.child_id
        and ${london(sql`s2.started_at`)} between ${twelveMonthsFrom}::date and ${asAt}::date) as section47s_in_twelve_months,
      (select count(*)::int from conferences c2 join episodes e2 on e2.id = c2.episode_id where c2.borough = ${borough} and e2.child_id = e.child_id
        and c2.kind = 'ICPC' and c2.held_on between ${twelveMonthsFrom}::date and ${asAt}::date) as icpcs_in_twelve_months
    from section47s s join episodes e on e.id = s.episode_id join cases cs on cs.id = s.episode_id
    left join strategy_discussions sd on sd.id = s.strategy_discussion_id
    left join conferences c on c.section47_id = s.id and c.held_on <= ${asAt}::date
    where s.borough = ${borough} and ${london(sql`s.started_at`)} <= ${asAt}::date
      and (${london(sql`s.started_at`)} >= ${from}::date or c.held_on >= ${from}::date)
    order by s.started_at`;

  const childrenInNeed = await sql<ChildInNeedRow[]>`
    select e.id::text as case_id, e.child_id::text, to_char(e.referral_date, 'YYYY-MM-DD') as start_date, e.primary_need, cs.team, cs.worker,
      (select to_char(max(v.visited_on), 'YYYY-MM-DD') from visits v where v.borough = ${borough} and v.episode_id = e.id and v.child_seen and v.visited_on <= ${asAt}::date) as last_seen,
      closing.closed_date, case when closing.closed_date is not null then e.closure_reason end as closure_reason,
      exists (select 1 from plans p where p.borough = ${borough} and p.episode_id = e.id and p.kind = 'CP' and p.start_date <= ${asAt}::date and (p.end_date is null or p.end_date > ${asAt}::date)) as on_cp_plan,
      exists (select 1 from plans p where p.borough = ${borough} and p.episode_id = e.id and p.kind = 'CIN' and p.start_date <= ${asAt}::date and (p.end_date is null or p.end_date > ${asAt}::date)) as on_cin_plan
    from episodes e join cases cs on cs.id = e.id
    cross join lateral (select case when ${london(sql`e.closed_at`)} <= ${asAt}::date then ${day(sql`e.closed_at`)} end as closed_date) closing
    where e.borough = ${borough} and not e.referral_nfa and e.referral_date <= ${asAt}::date and (e.closed_at is null or ${london(sql`e.closed_at`)} >= ${from}::date)
    order by e.referral_at`;

  const protectionPlans = await sql<ProtectionPlanRow[]>`
    select p.episode_id::text as case_id, e.child_id::text, to_char(p.start_date, 'YYYY-MM-DD') as start_date, case when p.end_date <= ${asAt}::date then to_char(p.end_date, 'YYYY-MM-DD') end as end_date,
      p.category_of_abuse as category, cs.team, cs.worker, to_char(visit.visited_on, 'YYYY-MM-DD') as last_visit, visit.seen_alone,
      (select to_char(max(r.held_on), 'YYYY-MM-DD') from reviews r where r.borough = ${borough} and r.plan_id = p.id and r.kind = 'REVIEW_CONFERENCE' and r.held_on <= ${asAt}::date) as latest_review,
      exists (select 1 from protection_orders o join episodes e2 on e2.id = o.episode_id where o.borough = ${borough} and e2.child_id = e.child_id
        and ${london(sql`o.started_at`)} <= ${asAt}::date and (o.ended_at is null or ${london(sql`o.ended_at`)} >= ${from}::date)) as protected_in_six_months,
      (select count(*)::int from plans p2 join episodes e2 on e2.id = p2.episode_id where p2.borough = ${borough} and e2.child_id = e.child_id
        and p2.kind = 'CP' and p2.start_date < p.start_date) as previous_plans
    from plans p join episodes e on e.id = p.episode_id join cases cs on cs.id = p.episode_id
    left join lateral (select v.visited_on, v.seen_alone from visits v where v.borough = ${borough} and v.episode_id = p.episode_id
      and v.visited_on >= p.start_date and v.visited_on <= least(coalesce(p.end_date, ${asAt}::date), ${asAt}::date)
      order by v.visited_on desc, v.recorded_at desc limit 1) visit on true
    where p.borough = ${borough} and p.kind = 'CP' and p.start_date <= ${asAt}::date and (p.end_date is null or p.end_date >= ${from}::date)
    order by p.start_date, p.created_at`;

  const childIds = [...new Set([contacts, earlyHelp, referrals, assessments, section47s, childrenInNeed, protectionPlans].flat().map((row) => row.childId))];
  const children = await childrenFor(sql, borough, childIds);
  return { period, children, contacts, earlyHelp, referrals, assessments, section47s, childrenInNeed, protectionPlans };
}

/** Every case (contact or episode) a row of the lists comes from, once each: the export is audited against each. */
export function casesInAnnexA(record: AnnexARecord): string[] {
  const lists = [record.contacts, record.earlyHelp, record.referrals, record.assessments, record.section47s, record.childrenInNeed, record.protectionPlans];
  return [...new Set(lists.flat().map((row) => row.caseId))];
}

/**
 * Records an export in the audit trail against every case it lists (as a read of each, like casework), so a case's
 * `auditTrail` shows who took it out in an Annex A, when and why. In batches, within PostgreSQL's parameter limit.
 */
export async function auditAnnexAExport(sql: Sql, entry: Omit<AuditEntry, 'caseId'>, caseIds: readonly string[]): Promise<void> {
  for (let i = 0; i < caseIds.length; i += 5_000) await appendAudit(sql, caseIds.slice(i, i + 5_000).map((caseId) => ({ ...entry, caseId })));
}

/** Each child's census id and characteristics, and the date of birth from the latest contact naming the child. */
async function childrenFor(sql: Sql, borough: string, childIds: string[]): Promise<Map<string, AnnexAChild>> {
  if (childIds.length === 0) return new Map();
  await ensureChildren(sql, borough, childIds);
  const rows = await sql<(AnnexAChild & { childId: string })[]>`
    select ch.child_id::text, ch.la_child_id, ch.sex, ch.ethnicity, ch.disabilities,
      to_char(k.date_of_birth, 'YYYY-MM-DD') as date_of_birth, to_char(k.expected_date_of_birth, 'YYYY-MM-DD') as expected_date_of_birth
    from children ch
    left join lateral (select k.date_of_birth, k.expected_date_of_birth from contact_children k join contacts c on c.id = k.contact_id
      where k.borough = ${borough} and k.child_id = ch.child_id order by c.received_at desc limit 1) k on true
    where ch.borough = ${borough} and ch.child_id = any(${childIds}::uuid[])`;
  return new Map(rows.map(({ childId, ...child }) => [childId, child]));
}

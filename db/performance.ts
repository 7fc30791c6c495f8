import { DateTime } from 'luxon';
import type { Sql } from './sql';

// Every performance measure, defined once: its rule in words (the README repeats it), the England figure where the
// DfE publishes one, and ONE query that lists the things it counts (one row per contact, referral, discussion…),
// each with its case, the local date that puts it in a period, and whether it met the measure. Figures, breakdowns,
// the month-by-month series and the list of cases behind a figure are all made from those rows, so they always
// agree with each other and with the record (never with a counter). Dates are the borough's local dates.

/** One thing a measure counts. `met` is null while it cannot yet be judged (its deadline has not passed). */
export interface MeasureItem {
  caseId: string;
  reference: string;
  team: string | null;
  /** The local date (YYYY-MM-DD) that puts it in a period. */
  countedOn: string;
  met: boolean | null;
  /** Its keys for each breakdown, e.g. { agency: 'POLICE' }. */
  groups: Record<string, string>;
  /** How long it took, in hours, where the measure times something (an agency's response); otherwise null. */
  hours: number | null;
}

/** What a measure's query is given: the borough, its time zone, the local dates [from, to], and "now". */
export interface MeasureScope {
  borough: string;
  timeZone: string;
  from: string;
  to: string;
  now: Date;
  caseloadLimit: number;
}

export interface MeasureDefinition {
  id: MeasureId;
  title: string;
  /** What counts, which date puts it in the period, which clock decides it. */
  rule: string;
  /** COUNT: the figure is how many (no rate). RATE: met / judged. SNAPSHOT: a rate as it stood at the end of the period (and of each month). */
  kind: 'COUNT' | 'RATE' | 'SNAPSHOT';
  /** Breakdown dimensions, named as the keys of each item's `groups`. */
  breakdown: readonly string[];
  england: { rate: number; source: string } | null;
  /** The items whose date falls in [scope.from, scope.to] (for a SNAPSHOT: the items open at scope.to). */
  items(sql: Sql, scope: MeasureScope): Promise<MeasureItem[]>;
}

export const MEASURE_IDS = [
  'CONTACTS', 'SCREENING_WITHIN_ONE_WORKING_DAY', 'CONTACT_TO_REFERRAL', 'RE_REFERRALS_WITHIN_12_MONTHS', 'REFERRALS_NFA',
  'MASH_TIMELINESS', 'AGENCY_RESPONSES_ON_TIME', 'STRATEGY_DISCUSSIONS_COMPLETE', 'SECTION_47S_FULLY_RECORDED',
  'ASSESSMENTS_WITHIN_45_WORKING_DAYS', 'ICPCS_WITHIN_15_WORKING_DAYS', 'FIRST_CORE_GROUPS_WITHIN_10_WORKING_DAYS',
  'REVIEWS_ON_TIME', 'PLANS_WITH_OWNED_DATED_ACTIONS', 'VISITS_ON_TIME', 'CHILDREN_SEEN_ALONE', 'ESCALATIONS',
  'CASELOADS_WITHIN_LIMIT', 'EARLY_HELP_STEP_DOWNS', 'EARLY_HELP_OUTCOMES', 'RECOMMENDATION_OVERRIDES',
] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];

const DFE_CIN_2023 = 'DfE, Children in need statistics, England, year ending 31 March 2023';
const DFE_CIN_2025 = 'DfE, Children in need statistics, England, year ending 31 March 2025';

type Row = { caseId: string; reference: string; team: string | null; countedOn: string; met: boolean | null; groups: Record<string, string> | null; hours?: number | null };
const rows = async (query: Promise<Row[]>): Promise<MeasureItem[]> => (await query).map((r) => ({ ...r, groups: r.groups ?? {}, hours: r.hours ?? null }));

/** The measures, in the order a report lists them. */
export const MEASURES: readonly MeasureDefinition[] = [
  {
    id: 'CONTACTS', title: 'Contacts received', kind: 'COUNT', breakdown: ['channel'], england: null,
    rule: 'Every contact received by the borough, counted on the local date it was received (contacts.received_at). Broken down by channel.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((c.received_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on, null::boolean as met,
        jsonb_build_object('channel', c.channel) as groups
      from contacts c join cases k on k.borough = c.borough and k.id = c.id
      where c.borough = ${s.borough} and (c.received_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'SCREENING_WITHIN_ONE_WORKING_DAY', title: 'Screening decisions within 1 working day', kind: 'RATE', breakdown: [], england: null,
    rule: 'Contacts received in the period (local date of receipt) with a screening clock. Met when the screening decision was recorded by the contact\'s stored screening deadline (contacts.screening_due_at: the borough\'s screening working days on its calendar, out-of-hours contacts due by the close of the handover day). Not yet judged while undecided and before the deadline; undecided past it counts as late.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((c.received_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        case when d.decided_at is not null then d.decided_at <= c.screening_due_at when ${s.now} > c.screening_due_at then false end as met, null::jsonb as groups
      from contacts c join cases k on k.borough = c.borough and k.id = c.id
      left join screening_decisions d on d.borough = c.borough and d.contact_id = c.id
      where c.borough = ${s.borough} and c.screening_due_at is not null and (c.received_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'CONTACT_TO_REFERRAL', title: 'Contacts that became referrals', kind: 'RATE', breakdown: [], england: null,
    rule: 'Contacts received in the period (local date of receipt). Met when the contact became a referral (a child\'s episode was opened or joined from it: episode_referrals). Not yet judged while the contact is still open at the front door; a contact closed without a referral is not met.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((c.received_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        case when exists (select 1 from episode_referrals r where r.borough = c.borough and r.contact_id = c.id) then true when k.closed_at is not null then false end as met,
        null::jsonb as groups
      from contacts c join cases k on k.borough = c.borough and k.id = c.id
      where c.borough = ${s.borough} and (c.received_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'RE_REFERRALS_WITHIN_12_MONTHS', title: 'Re-referrals within 12 months', kind: 'RATE', breakdown: [], england: { rate: 0.224, source: DFE_CIN_2023 },
    rule: 'Referrals (child episodes) with a referral date in the period (episodes.referral_date). Met (a re-referral) when the child had a previous referral within the 12 months before it (episodes.re_referral, set when the episode opened). Lower is better.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(e.referral_date, 'YYYY-MM-DD') as counted_on, e.re_referral as met, null::jsonb as groups
      from episodes e join cases k on k.borough = e.borough and k.id = e.id
      where e.borough = ${s.borough} and e.referral_date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'REFERRALS_NFA', title: 'Referrals with no further action', kind: 'RATE', breakdown: [], england: { rate: 0.071, source: DFE_CIN_2023 },
    rule: 'Referrals (child episodes) with a referral date in the period. Met when the referral ended in no further action (episodes.referral_nfa: closed after a strategy discussion or MASH decision of no further action, with no assessment, s47 or plan).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(e.referral_date, 'YYYY-MM-DD') as counted_on, e.referral_nfa as met, null::jsonb as groups
      from episodes e join cases k on k.borough = e.borough and k.id = e.id
      where e.borough = ${s.borough} and e.referral_date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'MASH_TIMELINESS', title: 'MASH enquiries decided within their RAG clock', kind: 'RATE', breakdown: ['rag'], england: null,
    rule: 'MASH enquiries started in the period (local date of the MASH_ENQUIRY_STARTED event). Met when the MASH decision was recorded by the enquiry\'s deadline, stored when it started from the borough\'s RAG clock (RED/AMBER/GREEN hours, office or calendar). Not yet judged while undecided before the deadline. Broken down by RAG rating.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((m.at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        case when d.at is not null then d.at <= (m.detail->>'dueAt')::timestamptz when ${s.now} > (m.detail->>'dueAt')::timestamptz then false end as met,
        jsonb_build_object('rag', m.detail->>'rag') as groups
      from case_events m join cases k on k.borough = m.borough and k.id = m.case_id
      left join lateral (select min(x.at) as at from case_events x where x.borough = m.borough and x.case_id = m.case_id and x.kind = 'MASH_DECIDED') d on true
      where m.borough = ${s.borough} and m.kind = 'MASH_ENQUIRY_STARTED' and (m.at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'AGENCY_RESPONSES_ON_TIME', title: 'Partner-agency responses on time', kind: 'RATE', breakdown: ['agency'], england: null,
    rule: 'Information requests to partner agencies made in the period (local date requested). Met when the agency responded by the request\'s stored deadline (agency_requests.due_at, from the borough\'s MASH clock). A request withdrawn unanswered (the MASH decided first) is not judged; one unanswered past its deadline is late. Broken down by agency, each with the median hours from request to response (responded requests).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((r.requested_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        case when r.responded_at is not null then r.responded_at <= r.due_at when r.status = 'REQUESTED' and ${s.now} > r.due_at then false end as met,
        jsonb_build_object('agency', r.agency) as groups, extract(epoch from (r.responded_at - r.requested_at))::float8 / 3600 as hours
      from agency_requests r join cases k on k.borough = r.borough and k.id = r.contact_id
      where r.borough = ${s.borough} and (r.requested_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'STRATEGY_DISCUSSIONS_COMPLETE', title: 'Strategy discussions with every required agency', kind: 'RATE', breakdown: [], england: null,
    rule: 'Strategy discussions held in the period (local date held). Met when every agency the borough requires attended (strategy_discussions.complete); an incomplete one needed a manager\'s override.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((d.held_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on, coalesce(d.complete, false) as met, null::jsonb as groups
      from strategy_discussions d join cases k on k.borough = d.borough and k.id = d.episode_id
      where d.borough = ${s.borough} and d.status = 'HELD' and (d.held_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'SECTION_47S_FULLY_RECORDED', title: 'Section 47 enquiries fully recorded', kind: 'RATE', breakdown: [], england: null,
    rule: 'Section 47 enquiries started in the period (local date started). Met when all four are recorded: the enquiries made, an analysis, a recommendation and a manager\'s authorisation. An enquiry still open or awaiting authorisation is not (yet) met.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((f.started_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        (coalesce(cardinality(f.enquiries), 0) > 0 and f.analysis is not null and f.recommendation is not null and f.authorised_by is not null) as met, null::jsonb as groups
      from section47s f join cases k on k.borough = f.borough and k.id = f.episode_id
      where f.borough = ${s.borough} and (f.started_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'ASSESSMENTS_WITHIN_45_WORKING_DAYS', title: 'Assessments completed within 45 working days', kind: 'RATE', breakdown: [], england: { rate: 0.86, source: DFE_CIN_2025 },
    rule: 'Assessments completed (authorised) in the period (local date completed), as the DfE counts them. Met when completed on or before the assessment\'s stored due date (assessments.due_date: the borough\'s assessment working days from the referral, on its calendar).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((a.completed_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on,
        ((a.completed_at at time zone ${s.timeZone})::date <= a.due_date) as met, null::jsonb as groups
      from assessments a join cases k on k.borough = a.borough and k.id = a.episode_id
      where a.borough = ${s.borough} and a.status = 'COMPLETED' and a.due_date is not null and (a.completed_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'ICPCS_WITHIN_15_WORKING_DAYS', title: 'Initial conferences within 15 working days', kind: 'RATE', breakdown: [], england: { rate: 0.78, source: DFE_CIN_2023 },
    rule: 'Initial child protection conferences held in the period (conferences.held_on). Met when held within the borough\'s ICPC working days of the strategy discussion that started the s47 (or the last one, per borough), as stored when recorded (conferences.within_timescale).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(c.held_on, 'YYYY-MM-DD') as counted_on, coalesce(c.within_timescale, false) as met, null::jsonb as groups
      from conferences c join cases k on k.borough = c.borough and k.id = c.episode_id
      where c.borough = ${s.borough} and c.kind = 'ICPC' and c.held_on between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'FIRST_CORE_GROUPS_WITHIN_10_WORKING_DAYS', title: 'First core groups within 10 working days', kind: 'RATE', breakdown: [], england: null,
    rule: 'Child protection plans whose first core group was held in the period, or fell due in it without being held (the date: the first core group\'s date, else its due date). Met when the first core group was held on or before the plan\'s stored due date (plans.first_core_group_due_date: the borough\'s core group working days from the ICPC). Not yet judged while not held and not yet due.',
    items: (sql, s) => rows(sql<Row[]>`
      select * from (
        select k.id as case_id, k.reference, k.team, to_char(coalesce(g.held_on, p.first_core_group_due_date), 'YYYY-MM-DD') as counted_on,
          case when g.held_on is not null then g.held_on <= p.first_core_group_due_date when (${s.now}::timestamptz at time zone ${s.timeZone})::date > p.first_core_group_due_date then false end as met,
          null::jsonb as groups
        from plans p join cases k on k.borough = p.borough and k.id = p.episode_id
        left join lateral (select min(r.held_on) as held_on from reviews r where r.borough = p.borough and r.plan_id = p.id and r.kind = 'CORE_GROUP') g on true
        where p.borough = ${s.borough} and p.kind = 'CP' and p.first_core_group_due_date is not null
      ) i where counted_on::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'REVIEWS_ON_TIME', title: 'Reviews on time', kind: 'RATE', breakdown: ['kind'], england: null,
    rule: 'Review conferences (CP plans) and CIN plan reviews held in the period (reviews.held_on) that had a due date. Met when held on or before it (reviews.due_date: 3 months from the ICPC, then 6; CIN reviews at the borough\'s interval). Broken down by kind.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(r.held_on, 'YYYY-MM-DD') as counted_on, (r.held_on <= r.due_date) as met, jsonb_build_object('kind', r.kind) as groups
      from reviews r join cases k on k.borough = r.borough and k.id = r.episode_id
      where r.borough = ${s.borough} and r.kind in ('REVIEW_CONFERENCE', 'CIN_REVIEW') and r.due_date is not null and r.held_on between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'PLANS_WITH_OWNED_DATED_ACTIONS', title: 'Plans whose every action has an owner and a date', kind: 'RATE', breakdown: ['kind'], england: null,
    rule: 'CIN and CP plans started in the period (plans.start_date), judged as they stand now. Met when the plan has at least one action and every action not cancelled names a responsible person (not only an agency) and has a due date. Broken down by plan kind.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(p.start_date, 'YYYY-MM-DD') as counted_on,
        (exists (select 1 from plan_actions a where a.borough = p.borough and a.plan_id = p.id and a.status <> 'CANCELLED')
          and not exists (select 1 from plan_actions a where a.borough = p.borough and a.plan_id = p.id and a.status <> 'CANCELLED'
            and (a.responsible_person is null or btrim(a.responsible_person) = '' or a.due_date is null))) as met,
        jsonb_build_object('kind', p.kind) as groups
      from plans p join cases k on k.borough = p.borough and k.id = p.episode_id
      where p.borough = ${s.borough} and p.start_date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'VISITS_ON_TIME', title: 'Statutory visits on time', kind: 'RATE', breakdown: [], england: null,
    rule: 'Statutory visits made in the period (visits.visited_on) that were due under a plan. Met when made by the visit\'s stored due date (visits.within_timescale: the borough\'s CP or CIN visit working days since the last visit or the plan\'s start).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(v.visited_on, 'YYYY-MM-DD') as counted_on, v.within_timescale as met, null::jsonb as groups
      from visits v join cases k on k.borough = v.borough and k.id = v.episode_id
      where v.borough = ${s.borough} and v.within_timescale is not null and v.visited_on between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'CHILDREN_SEEN_ALONE', title: 'Visits where the child was seen alone', kind: 'RATE', breakdown: [], england: null,
    rule: 'Statutory visits made in the period (visits.visited_on). Met when the child was seen alone (visits.seen_alone; a child not seen at all is not met).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(v.visited_on, 'YYYY-MM-DD') as counted_on, v.seen_alone as met, null::jsonb as groups
      from visits v join cases k on k.borough = v.borough and k.id = v.episode_id
      where v.borough = ${s.borough} and v.visited_on between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'ESCALATIONS', title: 'Escalations', kind: 'COUNT', breakdown: ['stage', 'rung'], england: null,
    rule: 'Every escalation raised in the period (local date escalated: a missed deadline reaching a rung of the borough\'s ladder, or a person escalating a contact). Broken down by stage (SCREENING, MASH_ENQUIRY, …) and by rung.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((x.escalated_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on, null::boolean as met,
        jsonb_build_object('stage', x.stage, 'rung', x.rung::text) as groups
      from escalations x join cases k on k.borough = x.borough and k.id = x.case_id
      where x.borough = ${s.borough} and (x.escalated_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'CASELOADS_WITHIN_LIMIT', title: 'Allocated cases held by workers within the caseload limit', kind: 'SNAPSHOT', breakdown: ['worker'], england: null,
    rule: 'The cases open and allocated at the end of the period (or of each month in the series: opened on or before that date, not closed by it), each with its current worker. Met when that worker\'s open cases at that date are within the borough\'s caseload limit. Broken down by worker (the number of their cases).',
    items: (sql, s) => rows(sql<Row[]>`
      select case_id, reference, team, counted_on, (caseload <= ${s.caseloadLimit}) as met, jsonb_build_object('worker', worker) as groups
      from (
        select k.id as case_id, k.reference, k.team, k.worker, ${s.to} as counted_on, count(*) over (partition by k.worker) as caseload
        from cases k
        where k.borough = ${s.borough} and k.worker is not null and (k.opened_at at time zone ${s.timeZone})::date <= ${s.to}::date
          and (k.closed_at is null or (k.closed_at at time zone ${s.timeZone})::date > ${s.to}::date)
      ) open_cases`),
  },
  {
    id: 'EARLY_HELP_STEP_DOWNS', title: 'Step-downs to early help', kind: 'COUNT', breakdown: ['from'], england: null,
    rule: 'Every step-down to early help decided in the period (local date of the step_changes record). Broken down by the level stepped down from (CP or CIN).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((c.at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on, null::boolean as met,
        jsonb_build_object('from', c.from_level) as groups
      from step_changes c join cases k on k.borough = c.borough and k.id = c.episode_id
      where c.borough = ${s.borough} and c.direction = 'DOWN' and c.to_level = 'EARLY_HELP' and (c.at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'EARLY_HELP_OUTCOMES', title: 'Early help episodes ended with needs met', kind: 'RATE', breakdown: ['outcome'], england: null,
    rule: 'Early help episodes ended in the period (early_help_episodes.ended_on). Met when the outcome was NEEDS_MET. Broken down by outcome (NEEDS_MET, STEPPED_UP, DISENGAGED, MOVED_AWAY, TRANSFERRED, OTHER).',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char(h.ended_on, 'YYYY-MM-DD') as counted_on, (h.outcome = 'NEEDS_MET') as met, jsonb_build_object('outcome', h.outcome) as groups
      from early_help_episodes h join cases k on k.borough = h.borough and k.id = h.episode_id
      where h.borough = ${s.borough} and h.ended_on between ${s.from}::date and ${s.to}::date`),
  },
  {
    id: 'RECOMMENDATION_OVERRIDES', title: 'Screening decisions that overrode the recommendation', kind: 'RATE', breakdown: ['recommended'], england: null,
    rule: 'Screening decisions recorded in the period (local date decided). Met (an override) when the person chose other than the rules engine recommended (screening_decisions.overridden, with its written reason). Broken down by the pathway recommended.',
    items: (sql, s) => rows(sql<Row[]>`
      select k.id as case_id, k.reference, k.team, to_char((d.decided_at at time zone ${s.timeZone})::date, 'YYYY-MM-DD') as counted_on, d.overridden as met,
        jsonb_build_object('recommended', d.recommended_pathway) as groups
      from screening_decisions d join cases k on k.borough = d.borough and k.id = d.contact_id
      where d.borough = ${s.borough} and (d.decided_at at time zone ${s.timeZone})::date between ${s.from}::date and ${s.to}::date`),
  },
];

/** A figure: for a COUNT, numerator is the count and the rest null; otherwise met / judged. */
export interface Figure {
  numerator: number;
  denominator: number | null;
  rate: number | null;
  /** The median of the items' hours, where the measure times something (else null). */
  medianHours: number | null;
}

export function figureOf(kind: MeasureDefinition['kind'], items: readonly MeasureItem[]): Figure {
  const medianHours = median(items.flatMap((i) => (i.hours === null ? [] : [i.hours])));
  if (kind === 'COUNT') return { numerator: items.length, denominator: null, rate: null, medianHours };
  const judged = items.filter((i) => i.met !== null);
  const met = judged.filter((i) => i.met).length;
  return { numerator: met, denominator: judged.length, rate: judged.length ? met / judged.length : null, medianHours };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface BreakdownRow extends Figure {
  by: string;
  key: string;
}

export function breakdownOf(definition: MeasureDefinition, items: readonly MeasureItem[]): BreakdownRow[] {
  return definition.breakdown.flatMap((by) => {
    const groups = new Map<string, MeasureItem[]>();
    for (const item of items) {
      const key = item.groups[by] ?? 'UNKNOWN';
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([key, group]) => ({ by, key, ...figureOf(definition.kind, group) }));
  });
}

export interface SeriesPoint extends Figure {
  /** YYYY-MM. */
  month: string;
}

export interface MeasureResult extends Figure {
  definition: MeasureDefinition;
  breakdown: BreakdownRow[];
  series: SeriesPoint[];
  /** The items behind the figure, oldest first. */
  items: MeasureItem[];
}

/**
 * Every measure for a borough's period [from, to] (local dates, inclusive), optionally for one team (cases.team), with
 * a month-by-month series over the months of the period and as many months before it.
 */
export async function performanceReport(sql: Sql, scope: MeasureScope & { team: string | null }): Promise<MeasureResult[]> {
  const first = DateTime.fromISO(scope.from).startOf('month');
  const last = DateTime.fromISO(scope.to).startOf('month');
  const months = Math.round(last.diff(first, 'months').months) + 1;
  const seriesStart = first.minus({ months });
  const monthList = Array.from({ length: months * 2 }, (_, i) => seriesStart.plus({ months: i }));
  const ofTeam = (items: MeasureItem[]) => (scope.team ? items.filter((i) => i.team === scope.team) : items);
  const inPeriod = (i: MeasureItem) => i.countedOn >= scope.from && i.countedOn <= scope.to;
  const today = DateTime.fromJSDate(scope.now, { zone: scope.timeZone }).toISODate()!;

  const results: MeasureResult[] = [];
  for (const definition of MEASURES) {
    let items: MeasureItem[];
    let series: SeriesPoint[];
    if (definition.kind === 'SNAPSHOT') {
      items = ofTeam(await definition.items(sql, scope));
      series = [];
      for (const month of monthList) {
        const end = [month.endOf('month').toISODate()!, scope.to, today].sort()[0]!;
        const at = ofTeam(await definition.items(sql, { ...scope, from: month.toISODate()!, to: end }));
        series.push({ month: month.toFormat('yyyy-MM'), ...figureOf(definition.kind, at) });
      }
    } else {
      const all = ofTeam(await definition.items(sql, { ...scope, from: seriesStart.toISODate()! }));
      items = all.filter(inPeriod);
      series = monthList.map((month) => {
        const key = month.toFormat('yyyy-MM');
        return { month: key, ...figureOf(definition.kind, all.filter((i) => i.countedOn.startsWith(key))) };
      });
    }
    items.sort((a, b) => a.countedOn.localeCompare(b.countedOn) || a.reference.localeCompare(b.reference));
    results.push({ definition, ...figureOf(definition.kind, items), breakdown: breakdownOf(definition, items), series, items });
  }
  return results;
}

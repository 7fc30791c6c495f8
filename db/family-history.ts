/**
 * Family history: what the record already holds about the children a contact is about. A child is matched as the
 * episode workflow matches (db/ids.ts childIdFor: borough, names normalised, date of birth or expected date), through
 * `contact_children.child_id` (migration 008). Everything here is about one borough and names it in every query.
 *
 * "Earlier contacts in the 12 months before" a contact: other contacts of the same borough naming any of its
 * children, received strictly before it and at or after the same London wall-clock time 12 calendar months earlier;
 * each contact counts once, however many of the children it names.
 */
import { DateTime } from 'luxon';
import { addCalendarMonths } from '../rules/calendar';
import { childIdFor } from './ids';
import type { Sql, Tx } from './sql';

type Db = Sql | Tx;

/** The start of the family-history window: the same London wall-clock time 12 calendar months before `receivedAt`. */
export function historyWindowStart(receivedAt: Date): Date {
  return DateTime.fromJSDate(receivedAt, { zone: 'Europe/London' }).minus({ months: 12 }).toJSDate();
}

/**
 * How many earlier contacts about any of `childIds` the borough holds in the 12 months before `receivedAt` (not
 * counting `contactId` itself). One indexed query.
 */
export async function countEarlierContacts(sql: Db, c: { borough: string; contactId: string; receivedAt: Date; childIds: readonly string[] }): Promise<number> {
  if (c.childIds.length === 0) return 0;
  const [row] = await sql<{ count: number }[]>`
    select count(distinct k.contact_id)::int as count
    from contact_children k join contacts c on c.id = k.contact_id
    where k.borough = ${c.borough} and k.child_id = any(${[...c.childIds]}::uuid[]) and c.borough = ${c.borough}
      and c.id <> ${c.contactId} and c.received_at < ${c.receivedAt} and c.received_at >= ${historyWindowStart(c.receivedAt)}`;
  return row?.count ?? 0;
}

/**
 * Fills `contact_children.child_id` where migration 008 could not compute it in SQL (names outside plain ASCII), with
 * the application's own childIdFor. Run after the migrations; a no-op once every row has its id.
 */
export async function fillMissingChildIds(sql: Db): Promise<number> {
  const rows = await sql<{ contactId: string; position: number; borough: string; firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }[]>`
    select contact_id, position, borough, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') as date_of_birth,
      to_char(expected_date_of_birth, 'YYYY-MM-DD') as expected_date_of_birth
    from contact_children where child_id is null`;
  if (rows.length === 0) return 0;
  const ids = rows.map((row) => childIdFor(row.borough, row));
  await sql`
    update contact_children k set child_id = v.child_id
    from unnest(${rows.map((r) => r.contactId)}::uuid[], ${rows.map((r) => r.position)}::int[], ${ids}::uuid[]) as v(contact_id, position, child_id)
    where k.contact_id = v.contact_id and k.position = v.position and k.child_id is null`;
  return rows.length;
}

// ---------------------------------------------------------------------------------------------------------------
// The read model for the API

/** Whose history: a contact's (all its children), or an episode's (its contact, one child). */
export interface HistorySubject {
  contactId: string;
  /** Only this child of the contact (an episode's child), or null for all of them. */
  childId: string | null;
  /** An episode's own re-referral flag (the history of an episode case), or null for a contact. */
  episodeReReferral: boolean | null;
}

export interface EarlierContact {
  id: string;
  reference: string;
  receivedAt: Date;
  status: string;
  indicators: string[];
  withinTwelveMonths: boolean;
  recommendation: { levelOfNeed: number; pathway: string; rag: string; decidingRuleId: string } | null;
  decision: { pathway: string; levelOfNeed: number | null; rag: string | null; decidedBy: string; decidedAt: Date; overridden: boolean } | null;
  /** The pathway the contact ended in (closed or referred), or null while it is open. */
  outcome: string | null;
}

export interface HistoryEpisode {
  id: string;
  reference: string;
  stage: string;
  pathway: string;
  level: string;
  referralAt: Date;
  referralDate: string;
  reReferral: boolean;
  closedAt: Date | null;
  closureReason: string | null;
}

export interface HistoryPlan {
  id: string;
  episodeId: string;
  episodeReference: string;
  kind: string;
  startDate: string;
  endDate: string | null;
  endReason: string | null;
  categoryOfAbuse: string | null;
}

export interface FamilyHistoryRecord {
  contactId: string;
  /** The contact's receipt: the history is as of this instant. */
  asOf: Date;
  windowStart: Date;
  /** The count the threshold rules used (recorded with the recommendation), or null before the rules have run. */
  previousContactsWithin12Months: number | null;
  earlierContacts: EarlierContact[];
  episodes: HistoryEpisode[];
  plans: HistoryPlan[];
  reReferral: boolean;
}

const subjectKey = (s: HistorySubject) => `${s.contactId}|${s.childId ?? ''}`;

/**
 * The family history of several subjects in one borough, as of each one's contact's receipt: four queries in all,
 * whatever the number of subjects. Subjects whose contact is not in the borough are left out of the answer.
 */
export async function familyHistories(sql: Db, borough: string, subjects: readonly HistorySubject[]): Promise<Map<string, FamilyHistoryRecord>> {
  const answer = new Map<string, FamilyHistoryRecord>();
  if (subjects.length === 0) return answer;
  const contacts = await sql<{ id: string; receivedAt: Date; counted: number | null; childIds: string[] }[]>`
    select c.id, c.received_at, (r.explanation #>> '{facts,previousContactsWithin12Months}')::int as counted,
      array(select k.child_id::text from contact_children k where k.borough = c.borough and k.contact_id = c.id and k.child_id is not null order by k.position) as child_ids
    from contacts c left join recommendations r on r.borough = c.borough and r.contact_id = c.id
    where c.borough = ${borough} and c.id = any(${[...new Set(subjects.map((s) => s.contactId))]}::uuid[])`;
  const byId = new Map(contacts.map((c) => [c.id, c]));

  // One row per (subject, child): the lookups below join on these.
  const wanted: { key: string; childId: string; asOf: Date; self: string }[] = [];
  for (const subject of subjects) {
    const contact = byId.get(subject.contactId);
    if (!contact) continue;
    const key = subjectKey(subject);
    for (const childId of contact.childIds) if (subject.childId === null || subject.childId === childId) wanted.push({ key, childId, asOf: contact.receivedAt, self: contact.id });
    answer.set(key, {
      contactId: contact.id, asOf: contact.receivedAt, windowStart: historyWindowStart(contact.receivedAt), previousContactsWithin12Months: contact.counted,
      earlierContacts: [], episodes: [], plans: [], reReferral: subject.episodeReReferral ?? false,
    });
  }
  if (wanted.length === 0) return answer;
  const w = () => sql`unnest(${wanted.map((x) => x.key)}::text[], ${wanted.map((x) => x.childId)}::uuid[], ${wanted.map((x) => x.asOf.toISOString())}::timestamptz[],
    ${wanted.map((x) => x.self)}::uuid[]) as w(key, child_id, as_of, self_id)`;

  const earlier = await sql<({ key: string; decidedPathway: string | null; decidedLevel: number | null; decidedRag: string | null; decidedBy: string | null; decidedAt: Date | null;
    overridden: boolean | null; recommendedLevel: number | null; recommendedPathway: string | null; recommendedRag: string | null; decidingRuleId: string | null } &
    Omit<EarlierContact, 'recommendation' | 'decision' | 'withinTwelveMonths'>)[]>`
    select distinct on (w.key, c.received_at, c.id) w.key, c.id, c.reference, c.received_at, c.status, c.indicators,
      r.level_of_need as recommended_level, r.pathway as recommended_pathway, r.rag as recommended_rag, r.deciding_rule_id,
      d.pathway as decided_pathway, d.level_of_need as decided_level, d.rag as decided_rag, d.decided_by, d.decided_at, d.overridden,
      case when cs.closed_at is not null then cs.closure_reason end as outcome
    from ${w()}
      join contact_children k on k.borough = ${borough} and k.child_id = w.child_id
      join contacts c on c.borough = ${borough} and c.id = k.contact_id and c.received_at < w.as_of and c.id <> w.self_id
      left join recommendations r on r.borough = ${borough} and r.contact_id = c.id
      left join screening_decisions d on d.borough = ${borough} and d.contact_id = c.id
      left join cases cs on cs.borough = ${borough} and cs.id = c.id
    order by w.key, c.received_at desc, c.id`;
  for (const row of earlier) {
    const record = answer.get(row.key)!;
    record.earlierContacts.push({
      id: row.id, reference: row.reference, receivedAt: row.receivedAt, status: row.status, indicators: row.indicators, outcome: row.outcome,
      withinTwelveMonths: row.receivedAt.getTime() >= record.windowStart.getTime(),
      recommendation: row.recommendedPathway === null ? null : { levelOfNeed: row.recommendedLevel!, pathway: row.recommendedPathway, rag: row.recommendedRag!, decidingRuleId: row.decidingRuleId! },
      decision: row.decidedPathway === null ? null : { pathway: row.decidedPathway, levelOfNeed: row.decidedLevel, rag: row.decidedRag, decidedBy: row.decidedBy!, decidedAt: row.decidedAt!, overridden: row.overridden ?? false },
    });
  }

  const episodes = await sql<({ key: string } & HistoryEpisode)[]>`
    select distinct on (w.key, e.referral_at, e.id) w.key, e.id, cs.reference, cs.stage, e.pathway, e.level, e.referral_at,
      to_char(e.referral_date, 'YYYY-MM-DD') as referral_date, e.re_referral, e.closed_at, e.closure_reason
    from ${w()}
      join episodes e on e.borough = ${borough} and e.child_id = w.child_id and e.referral_at < w.as_of
      join cases cs on cs.borough = ${borough} and cs.id = e.id
    order by w.key, e.referral_at desc, e.id`;
  for (const { key, ...episode } of episodes) answer.get(key)!.episodes.push(episode);

  const plans = await sql<({ key: string } & HistoryPlan)[]>`
    select distinct on (w.key, p.start_date, p.id) w.key, p.id, p.episode_id, cs.reference as episode_reference, p.kind,
      to_char(p.start_date, 'YYYY-MM-DD') as start_date, to_char(p.end_date, 'YYYY-MM-DD') as end_date, p.end_reason, p.category_of_abuse
    from ${w()}
      join episodes e on e.borough = ${borough} and e.child_id = w.child_id
      join plans p on p.borough = ${borough} and p.episode_id = e.id and p.created_at < w.as_of
      join cases cs on cs.borough = ${borough} and cs.id = e.id
    order by w.key, p.start_date desc, p.id`;
  for (const { key, ...plan } of plans) answer.get(key)!.plans.push(plan);

  // A contact is a re-referral when, referred, it would be one: a child was referred within 12 months before its
  // receipt (the episode workflow's rule, on London dates).
  const episodeCases = new Set(subjects.filter((s) => s.episodeReReferral !== null).map(subjectKey));
  for (const [key, record] of answer) {
    if (episodeCases.has(key)) continue;
    const received = DateTime.fromJSDate(record.asOf, { zone: 'Europe/London' }).toISODate()!;
    record.reReferral = record.episodes.some((e) => received <= addCalendarMonths(e.referralDate, 12));
  }
  return answer;
}

export { subjectKey as historySubjectKey };

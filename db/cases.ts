import { appendEvent, updateCase, type CaseRow } from './casework';
import type { Sql } from './sql';

const CASE_COLUMNS = 'id, borough, kind, contact_id, child_position, child_id, reference, stage, rag, out_of_hours, urgent, team, worker, next_due_at, opened_at, closed_at, closure_reason, '
  + 'coalesce((select e.re_referral from episodes e where e.id = cases.id), false) as re_referral';

/** A case row, and for an episode whether it is a re-referral (within 12 months of the child's previous referral). */
export type CaseRecord = CaseRow & { childId: string | null; reReferral: boolean };

/** The few fields needed to route and authorise a step on a case. */
export interface CaseHeader {
  id: string;
  borough: string;
  kind: CaseRow['kind'];
  contactId: string;
  childId: string | null;
}

/** A case's header, if it is in one of `boroughs`. */
export async function findCaseHeader(sql: Sql, boroughs: readonly string[], id: string): Promise<CaseHeader | null> {
  const [row] = await sql<CaseHeader[]>`
    select id, borough, kind, contact_id, child_id from cases where borough = any(${boroughs as string[]}) and id = ${id}`;
  return row ?? null;
}

/** One case, if it is in one of `boroughs`. */
export async function findCase(sql: Sql, boroughs: readonly string[], id: string): Promise<CaseRecord | null> {
  const [row] = await sql<CaseRecord[]>`select ${sql.unsafe(CASE_COLUMNS)} from cases where borough = any(${boroughs as string[]}) and id = ${id}`;
  return row ?? null;
}

export interface TimelineEvent {
  id: string;
  caseId: string;
  kind: string;
  at: Date;
  actor: string;
  detail: Record<string, unknown>;
}

export interface TaskRecord {
  id: string;
  caseId: string;
  kind: string;
  title: string;
  dueAt: Date | null;
  dueDate: string | null;
  status: string;
  createdAt: Date;
  completedAt: Date | null;
}

export interface EscalationRecord {
  id: string;
  caseId: string;
  stage: string;
  subject: string;
  rung: number;
  notify: string;
  dueAt: Date;
  escalatedAt: Date;
  reason: string;
  raisedBy: string;
}

/** Timeline events for several cases of one borough, oldest first (one query for a whole page of cases). */
export async function eventsFor(sql: Sql, borough: string, caseIds: readonly string[]): Promise<TimelineEvent[]> {
  return sql<TimelineEvent[]>`
    select id, case_id, kind, at, actor, detail from case_events
    where borough = ${borough} and case_id = any(${caseIds as string[]}) order by at, kind`;
}

/** Tasks for several cases of one borough, soonest due first. */
export async function tasksFor(sql: Sql, borough: string, caseIds: readonly string[]): Promise<TaskRecord[]> {
  return sql<TaskRecord[]>`
    select id, case_id, kind, title, due_at, to_char(due_date, 'YYYY-MM-DD') as due_date, status, created_at, completed_at from tasks
    where borough = ${borough} and case_id = any(${caseIds as string[]}) order by due_at nulls last, created_at`;
}

/** Escalations for several cases of one borough, oldest first. */
export async function escalationsFor(sql: Sql, borough: string, caseIds: readonly string[]): Promise<EscalationRecord[]> {
  return sql<EscalationRecord[]>`
    select id, case_id, stage, subject, rung, notify, due_at, escalated_at, reason, raised_by from escalations
    where borough = ${borough} and case_id = any(${caseIds as string[]}) order by escalated_at, rung`;
}

/** One escalation by id, if in one of `boroughs` (for subscriptions). */
export async function findEscalation(sql: Sql, boroughs: readonly string[], caseId: string, at: Date): Promise<EscalationRecord[]> {
  return sql<EscalationRecord[]>`
    select id, case_id, stage, subject, rung, notify, due_at, escalated_at, reason, raised_by from escalations
    where borough = any(${boroughs as string[]}) and case_id = ${caseId} and escalated_at = ${at}`;
}

/** A child named on a contact (position 0-based, in the order the contact named them). */
export interface ContactChildRecord {
  contactId: string;
  borough: string;
  /** The child's identity across contacts (db/ids.ts childIdFor); null only for a row not yet matched after a migration. */
  childId: string | null;
  position: number;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  expectedDateOfBirth: string | null;
}

/** The children named on several contacts of one borough, in order (one query for a whole page of cases). */
export async function childrenOfContacts(sql: Sql, borough: string, contactIds: readonly string[]): Promise<ContactChildRecord[]> {
  return sql<ContactChildRecord[]>`
    select contact_id, borough, child_id, position, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') as date_of_birth,
      to_char(expected_date_of_birth, 'YYYY-MM-DD') as expected_date_of_birth
    from contact_children where borough = ${borough} and contact_id = any(${contactIds as string[]}) order by contact_id, position`;
}

/** The episodes that contacts of one borough opened or joined (their referrals), each with the contact it came from. */
export async function episodesOfContacts(sql: Sql, borough: string, contactIds: readonly string[]): Promise<(CaseRecord & { viaContactId: string })[]> {
  return sql<(CaseRecord & { viaContactId: string })[]>`
    select r.contact_id as via_contact_id, c.* from episode_referrals r
      join lateral (select ${sql.unsafe(CASE_COLUMNS)} from cases where cases.borough = r.borough and cases.id = r.episode_id and cases.kind = 'EPISODE') c on true
    where r.borough = ${borough} and r.contact_id = any(${contactIds as string[]})
    order by r.contact_id, r.child_position`;
}

export interface CaseFilter {
  boroughs: readonly string[];
  /** Only the cases a contact became: its own front-door case and the episodes its referral opened or joined. */
  contactId?: string | null;
  /** The kinds the caller may read (a MASH worker: only CONTACT). */
  kinds?: readonly string[];
  stage?: string | null;
  worker?: string | null;
  team?: string | null;
  rag?: string | null;
  overdue?: boolean | null;
  /** true (the default): open cases; false: closed ones; 'ANY': both. */
  open?: boolean | 'ANY' | null;
  outOfHours?: boolean | null;
}

/**
 * Cases matching a filter, newest first, keyset-paginated by (opened_at, id): any page, however deep, is read from
 * the index where the previous one ended (cases_borough_opened / cases_borough_open_opened), never by skipping rows.
 */
export async function listCases(sql: Sql, filter: CaseFilter, page: { first: number; after: { openedAt: Date; id: string } | null }, now: Date): Promise<{ rows: CaseRecord[]; hasNextPage: boolean }> {
  const after = page.after ? sql`and (opened_at, id) < (${page.after.openedAt}, ${page.after.id})` : sql``;
  const rows = await sql<CaseRecord[]>`
    select ${sql.unsafe(CASE_COLUMNS)} from cases where ${caseWhere(sql, filter, now)} ${after}
    order by opened_at desc, id desc limit ${page.first + 1}`;
  return { rows: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}

/** How many cases match a filter: it reads an index entry per matching case, so it is counted only when asked for. */
export async function countCases(sql: Sql, filter: CaseFilter, now: Date): Promise<number> {
  const [count] = await sql<{ count: number }[]>`select count(*)::int as count from cases where ${caseWhere(sql, filter, now)}`;
  return count?.count ?? 0;
}

/**
 * Open cases in priority order: escalated-as-urgent first, then RAG (red, amber, green, unrated), then the
 * soonest deadline, then the longest waiting. The order is that of the indexes cases_borough_queue,
 * cases_borough_team_queue and cases_borough_out_of_hours_queue (migration 015), expression for expression, so
 * a queue is read from the top of an index rather than sorted from every open case.
 */
export async function queue(sql: Sql, filter: CaseFilter, limit: number, now: Date): Promise<CaseRecord[]> {
  return sql<CaseRecord[]>`
    select ${sql.unsafe(CASE_COLUMNS)} from cases where ${caseWhere(sql, { ...filter, open: true }, now)}
    order by urgent desc, case rag when 'RED' then 0 when 'AMBER' then 1 when 'GREEN' then 2 else 3 end, next_due_at asc nulls last, opened_at asc, id
    limit ${limit}`;
}

/**
 * The conditions of a case read. One borough (the usual case) is compared with `=`, so an index on (borough, …)
 * also gives the order; out of hours is a literal condition, so the partial index for it applies to every plan.
 */
function caseWhere(sql: Sql, f: CaseFilter, now: Date) {
  const borough = f.boroughs.length === 1 ? sql`borough = ${f.boroughs[0]!}` : sql`borough = any(${f.boroughs as string[]})`;
  return sql`${borough}
    ${f.kinds ? sql`and kind = any(${f.kinds as string[]})` : sql``}
    ${f.open === false ? sql`and closed_at is not null` : f.open === true || f.open == null ? sql`and closed_at is null` : sql``}
    ${f.contactId ? sql`and (id = ${f.contactId} or id in (select episode_id from episode_referrals where borough = any(${f.boroughs as string[]}) and contact_id = ${f.contactId}))` : sql``}
    ${f.stage ? sql`and stage = ${f.stage}` : sql``}
    ${f.worker ? sql`and worker = ${f.worker}` : sql``}
    ${f.team ? sql`and team = ${f.team}` : sql``}
    ${f.rag ? sql`and rag = ${f.rag}` : sql``}
    ${f.outOfHours === true ? sql`and out_of_hours` : f.outOfHours === false ? sql`and not out_of_hours` : sql``}
    ${f.overdue === true ? sql`and next_due_at < ${now}` : f.overdue === false ? sql`and (next_due_at is null or next_due_at >= ${now})` : sql``}`;
}

/** How many open cases each worker holds in a borough. */
export async function caseloadOf(sql: Sql, borough: string, worker: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from cases where borough = ${borough} and worker = ${worker} and closed_at is null`;
  return row?.count ?? 0;
}

/**
 * Workers already involved with the family: allocated to another case (a contact or an episode, open or closed) about
 * any of the same children — same names (ignoring case and outer spaces) and date of birth — most recent first.
 */
export async function familyWorkers(sql: Sql, borough: string, c: { contactId: string; id: string }): Promise<string[]> {
  const rows = await sql<{ worker: string }[]>`
    with mine as (
      select lower(btrim(first_name)) as first, lower(btrim(last_name)) as last, coalesce(date_of_birth::text, 'expected ' || expected_date_of_birth::text) as born
      from contact_children where borough = ${borough} and contact_id = ${c.contactId}
    )
    select cases.worker from cases
      join contact_children child on child.borough = cases.borough and child.contact_id = cases.contact_id
      join mine on mine.first = lower(btrim(child.first_name)) and mine.last = lower(btrim(child.last_name))
        and mine.born = coalesce(child.date_of_birth::text, 'expected ' || child.expected_date_of_birth::text)
    where cases.borough = ${borough} and cases.worker is not null and cases.id <> ${c.id}
    group by cases.worker order by max(cases.opened_at) desc`;
  return rows.map((r) => r.worker);
}

/**
 * Allocates a case to a worker (and team) under an advisory lock per borough and worker, so two allocations can
 * never together push a worker over the caseload limit. Returns the caseload after, or the caseload that refused it.
 */
export async function allocate(sql: Sql, a: { borough: string; caseId: string; contactId: string; worker: string; team: string | null; limit: number; by: string; at: string; reason: string }): Promise<{ ok: true; caseload: number } | { ok: false; caseload: number }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`caseload:${a.borough}:${a.worker}`}))`;
    const [current] = await tx<{ worker: string | null }[]>`select worker from cases where borough = ${a.borough} and id = ${a.caseId} for update`;
    const [load] = await tx<{ count: number }[]>`select count(*)::int as count from cases where borough = ${a.borough} and worker = ${a.worker} and closed_at is null`;
    const caseload = load?.count ?? 0;
    if (current?.worker === a.worker) return { ok: true as const, caseload };
    if (caseload >= a.limit) return { ok: false as const, caseload };
    await updateCase(tx, a.borough, a.caseId, { worker: a.worker, team: a.team });
    await appendEvent(tx, { borough: a.borough, caseId: a.caseId, contactId: a.contactId, kind: 'WORKER_ALLOCATED', key: `allocated:${a.worker}:${a.at}`, at: a.at, actor: a.by, detail: { worker: a.worker, team: a.team, previous: current?.worker ?? null, reason: a.reason } });
    return { ok: true as const, caseload: caseload + 1 };
  });
}

import { EPISODE_STAGES, type EpisodeStage } from '../workflows/episode/types';
import { deterministicUuid } from './ids';
import type { Sql, Tx } from './sql';

/** The kinds of case: a contact at the front door, or a child's episode after referral. */
export const CASE_KINDS = ['CONTACT', 'EPISODE'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

/**
 * The stages a contact's case passes through at the front door: awaiting its screening decision (the same name as
 * the contact's status then), in a MASH enquiry, then referred on to the child's episode or closed.
 */
export const CONTACT_CASE_STAGES = ['AWAITING_SCREENING', 'MASH_ENQUIRY', 'REFERRED', 'CLOSED'] as const;
export type CaseStage = (typeof CONTACT_CASE_STAGES)[number] | EpisodeStage;
/** Every stage a case can be stored with: the front door's, then an episode's. `cases.stage` holds only these. */
export const CASE_STAGES: readonly CaseStage[] = [...new Set<CaseStage>([...CONTACT_CASE_STAGES, ...EPISODE_STAGES])];

/** The channel case events are announced on (PostgreSQL NOTIFY), for GraphQL subscriptions in any API process. */
export const EVENTS_CHANNEL = 'front_door_events';

/** What the API relays to subscribers: enough to route and refetch, and no personal data. */
export interface CaseNotice {
  type: 'CASE_EVENT' | 'ESCALATION';
  /** The event's or the escalation's id. */
  id: string;
  borough: string;
  caseId: string;
  kind: string;
  /** For an escalation: the kind of case it is on (CONTACT or EPISODE), so subscribers see only what they may read. */
  caseKind?: string;
  at: string;
}

export interface CaseEventInput {
  borough: string;
  caseId: string;
  contactId: string;
  kind: string;
  /** Distinguishes repeated events of one kind on a case (e.g. each escalation rung); defaults to `kind`. */
  key?: string;
  at: string;
  actor: string;
  detail?: Record<string, unknown>;
}

type Db = Sql | Tx;

/**
 * Appends a timeline event once (its id derives from case, kind and key) and announces it, in one transaction (the
 * caller's, or its own): an event is never stored without its announcement. Returns whether it was new.
 */
export async function appendEvent(db: Db, event: CaseEventInput): Promise<boolean> {
  if ('begin' in db) return db.begin((tx) => appendEvent(tx, event));
  const id = deterministicUuid('event', event.caseId, event.key ?? event.kind);
  const inserted = await db`
    insert into case_events (id, borough, case_id, contact_id, kind, at, actor, detail)
    values (${id}, ${event.borough}, ${event.caseId}, ${event.contactId}, ${event.kind}, ${event.at}, ${event.actor}, ${db.json(toJson(event.detail ?? {}))})
    on conflict (id) do nothing
    returning id`;
  if (inserted.length > 0) await announce(db, { type: 'CASE_EVENT', id, borough: event.borough, caseId: event.caseId, kind: event.kind, at: event.at });
  return inserted.length > 0;
}

export async function announce(db: Db, notice: CaseNotice): Promise<void> {
  await db`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(notice)})`;
}

export interface CaseRow {
  id: string;
  borough: string;
  kind: CaseKind;
  contactId: string;
  childPosition: number | null;
  reference: string;
  stage: CaseStage;
  rag: string | null;
  outOfHours: boolean;
  urgent: boolean;
  team: string | null;
  worker: string | null;
  nextDueAt: Date | null;
  openedAt: Date;
  closedAt: Date | null;
  closureReason: string | null;
}

/** Creates a case once; a repeat changes nothing. */
export async function insertCase(
  db: Db,
  row: { id: string; borough: string; kind: CaseRow['kind']; contactId: string; childPosition: number | null; reference: string; stage: CaseStage; openedAt: string },
): Promise<void> {
  await db`
    insert into cases (id, borough, kind, contact_id, child_position, reference, stage, opened_at)
    values (${row.id}, ${row.borough}, ${row.kind}, ${row.contactId}, ${row.childPosition}, ${row.reference}, ${row.stage}, ${row.openedAt})
    on conflict (id) do nothing`;
}

/** Sets whichever of a case's working fields are given (stage, RAG, urgency, next deadline, closure). */
export async function updateCase(
  db: Db,
  borough: string,
  caseId: string,
  fields: Partial<{ stage: CaseStage; rag: string | null; outOfHours: boolean; urgent: boolean; team: string | null; worker: string | null; nextDueAt: string | null; closedAt: string; closureReason: string }>,
): Promise<void> {
  const columns = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  if (Object.keys(columns).length === 0) return;
  await db`update cases set ${db(columns)}, updated_at = now() where borough = ${borough} and id = ${caseId}`;
}

export interface TaskInput {
  borough: string;
  caseId: string;
  kind: string;
  /** Distinguishes repeated tasks of one kind on a case; defaults to `kind`. */
  key?: string;
  title: string;
  dueAt: string | null;
  dueDate: string | null;
  createdAt: string;
  detail?: Record<string, unknown>;
}

/** Opens a task once (its id derives from case, kind and key). */
export async function openTask(db: Db, task: TaskInput): Promise<string> {
  const id = deterministicUuid('task', task.caseId, task.key ?? task.kind);
  await db`
    insert into tasks (id, borough, case_id, kind, title, due_at, due_date, created_at, detail)
    values (${id}, ${task.borough}, ${task.caseId}, ${task.kind}, ${task.title}, ${task.dueAt}, ${task.dueDate}, ${task.createdAt}, ${db.json(toJson(task.detail ?? {}))})
    on conflict (id) do nothing`;
  return id;
}

/** Marks a case's open tasks of a kind (or one keyed task) done or cancelled. Idempotent. */
export async function closeTasks(db: Db, borough: string, caseId: string, match: { kind: string; key?: string }, status: 'DONE' | 'CANCELLED', at: string): Promise<void> {
  if (match.key !== undefined) {
    const id = deterministicUuid('task', caseId, match.key);
    await db`update tasks set status = ${status}, completed_at = ${at} where borough = ${borough} and id = ${id} and status = 'OPEN'`;
  } else {
    await db`update tasks set status = ${status}, completed_at = ${at} where borough = ${borough} and case_id = ${caseId} and kind = ${match.kind} and status = 'OPEN'`;
  }
}

export interface EscalationInput {
  borough: string;
  caseId: string;
  contactId: string;
  stage: string;
  /** What within the stage is late, when a stage has several (e.g. one agency's information request). */
  subject?: string;
  rung: number;
  notify: string;
  dueAt: string;
  at: string;
  reason: string;
  raisedBy: string;
}

/**
 * Records that a rung of an escalation ladder fired, with its timeline event, once: the same stage, deadline and
 * rung never escalate twice, whoever retries. Returns whether it was new.
 */
export async function recordEscalation(sql: Sql, escalation: EscalationInput): Promise<boolean> {
  const key = `${escalation.stage}:${escalation.subject ?? ''}:${escalation.dueAt}:${escalation.rung}`;
  const id = deterministicUuid('escalation', escalation.caseId, key);
  return sql.begin(async (tx) => {
    const inserted = await tx`
      insert into escalations (id, borough, case_id, stage, subject, rung, notify, due_at, escalated_at, reason, raised_by)
      values (${id}, ${escalation.borough}, ${escalation.caseId}, ${escalation.stage}, ${escalation.subject ?? ''}, ${escalation.rung}, ${escalation.notify}, ${escalation.dueAt}, ${escalation.at}, ${escalation.reason}, ${escalation.raisedBy})
      on conflict (id) do nothing
      returning id`;
    if (inserted.length === 0) return false;
    await appendEvent(tx, {
      borough: escalation.borough, caseId: escalation.caseId, contactId: escalation.contactId, kind: 'ESCALATED', key: `escalated:${key}`, at: escalation.at, actor: escalation.raisedBy,
      detail: { stage: escalation.stage, subject: escalation.subject ?? null, rung: escalation.rung, notify: escalation.notify, dueAt: escalation.dueAt, reason: escalation.reason },
    });
    const [onCase] = await tx<{ kind: string }[]>`select kind from cases where borough = ${escalation.borough} and id = ${escalation.caseId}`;
    await announce(tx, { type: 'ESCALATION', id, borough: escalation.borough, caseId: escalation.caseId, kind: escalation.stage, caseKind: onCase?.kind ?? 'CONTACT', at: escalation.at });
    return true;
  });
}

export function toJson(value: unknown): Parameters<Sql['json']>[0] {
  return JSON.parse(JSON.stringify(value)) as Parameters<Sql['json']>[0];
}

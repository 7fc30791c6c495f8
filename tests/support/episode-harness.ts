import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { expect, inject } from 'vitest';
import { createActivities } from '../../activities';
import { childIdFor } from '../../db/ids';
import { insertContact } from '../../db/contacts';
import { contactIdFor, contactReference } from '../../db/ids';
import { createSql, type Sql } from '../../db/sql';
import { loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { addWorkingDays, isWorkingDay, type WorkingCalendar } from '../../rules/calendar';
import type { Agency } from '../../rules/vocabulary';
import { projectRoot } from '../../server/env';
import type { Actor } from '../../workflows/contact';
import type { DiscussionAttendee, EpisodeRunInput, EpisodeState, EpisodeStep } from '../../workflows/episode';
import { episodeStateQuery } from '../../workflows/episode';
import { EPISODE_WORKFLOW_TYPE, episodeWorkflowId, referralSignal, type Referral, type ReferralPathway } from '../../workflows/referral';
import { eventually, workflowBundle } from './stack';

// Shared by the episode tests: a worker on Temporal's time-skipping test server against the run's real PostgreSQL,
// and the few moves every test makes (refer a child the way the contact workflow does, take a step, read the rows).

export const PRACTITIONER: Actor = { userId: 'sw-anna', roles: ['practitioner'] };
export const MANAGER: Actor = { userId: 'tm-omar', roles: ['manager'] };

export interface Harness {
  env: TestWorkflowEnvironment;
  sql: Sql;
  boroughs: BoroughRegistry;
  taskQueue: string;
  /** The episode workflows `refer` has started or signalled, so a test can end them (`endEpisodes`). */
  episodes: Set<string>;
  startWorker(): Promise<void>;
  /** Stops the worker as a crash or redeploy would (in-flight work is abandoned to Temporal). */
  stopWorker(): Promise<void>;
  teardown(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  const sql = createSql(inject('databaseUrl'), { max: 5 });
  const boroughs = await loadBoroughConfigs(path.join(projectRoot, 'borough-config'));
  const taskQueue = `episode-${randomUUID()}`;
  let current: { worker: Worker; running: Promise<void> } | null = null;
  const harness: Harness = {
    env, sql, boroughs, taskQueue, episodes: new Set(),
    async startWorker() {
      // No workflow cache: no sticky queue tied to this worker (a restarted worker gets every task at once), and
      // every workflow task replays the whole history, so a non-deterministic step fails the test that takes it.
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), maxCachedWorkflows: 0,
        activities: createActivities({ sql, boroughs, temporal: env.client, taskQueue }),
      });
      current = { worker, running: worker.run() };
    },
    async stopWorker() {
      if (!current) return;
      if (current.worker.getState() === 'RUNNING') current.worker.shutdown();
      await current.running;
      current = null;
    },
    async teardown() {
      await harness.stopWorker();
      await sql.end();
      await env.teardown();
    },
  };
  await harness.startWorker();
  return harness;
}

/**
 * The result of a workflow that ends without waiting on any timer (e.g. once a closure is recorded), awaited WITHOUT
 * unlocking the time-skipping server's clock. `env.client...result()` unlocks it while it waits, and the test server
 * then jumps to the next timer it holds, which may be a stale one ten years out (its default run timeout), and every
 * later date in the test is wrong.
 */
export async function resultWithoutSkipping(h: Harness, workflowId: string): Promise<unknown> {
  return new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default' }).workflow.getHandle(workflowId).result();
}

/**
 * Ends every episode workflow the test referred to, so that its clocks do not run on into the next test. One file
 * shares one time-skipping server: a later test's jump of days would otherwise also fire every earlier test's
 * timers and escalations on the way, and the test server's clock then stalled now and then (seen in CI, never on a
 * real server), hanging the later test.
 */
export async function endEpisodes(h: Harness): Promise<void> {
  for (const workflowId of h.episodes) {
    await h.env.client.workflow.getHandle(workflowId).terminate('test finished').catch(() => undefined);
  }
  h.episodes.clear();
}

export interface Child {
  borough: string;
  childId: string;
  contactId: string;
  workflowId: string;
  child: Referral['child'];
}

/** A contact about a child, stored as the front door stores one (the episode's rows refer to it). */
export async function storeContact(h: Harness, borough: string, child: Referral['child'], receivedAt: Date): Promise<string> {
  const contactId = contactIdFor(borough, `episode-test-${randomUUID()}`);
  await insertContact(h.sql, {
    contactId, reference: contactReference(borough, contactId, receivedAt), borough, idempotencyKey: null, receivedAt: receivedAt.toISOString(), receivedBy: 'contact-officer',
    channel: 'PHONE', referrer: { type: 'SCHOOL', name: null, organisation: 'A primary school', contactDetails: null }, children: [child], indicators: ['PHYSICAL_INJURY'],
    summary: 'Test contact.', consent: 'NOT_SOUGHT', rulesetVersion: h.boroughs.get(borough)!.ruleset.version,
  });
  return contactId;
}

/** A fictional child, unique to the test. */
export function aChild(overrides: Partial<Referral['child']> = {}): Referral['child'] {
  return { firstName: 'Test', lastName: `Child-${randomUUID().slice(0, 8)}`, dateOfBirth: '2019-04-02', expectedDateOfBirth: null, ...overrides };
}

/**
 * Refers a child exactly as `referToEpisodes` does (signal-with-start on the child's episode workflow) and waits for
 * the episode's case row. Returns the case id.
 */
export async function refer(
  h: Harness,
  options: { borough: string; pathway: ReferralPathway; child?: Referral['child']; contactId?: string; referralAt?: Date; historyLimit?: number },
): Promise<Child & { caseId: string }> {
  const child = options.child ?? aChild();
  const referralAt = options.referralAt ?? new Date(await h.env.currentTimeMs());
  const contactId = options.contactId ?? (await storeContact(h, options.borough, child, referralAt));
  const childId = childIdFor(options.borough, child);
  await signalReferral(h, { borough: options.borough, childId, contactId, child, referralAt, pathway: options.pathway }, options.historyLimit);
  const caseId = await caseOf(h, childId, contactId);
  h.episodes.add(episodeWorkflowId(childId));
  return { borough: options.borough, childId, contactId, workflowId: episodeWorkflowId(childId), child, caseId };
}

export async function signalReferral(
  h: Harness,
  r: { borough: string; childId: string; contactId: string; child: Referral['child']; referralAt: Date; pathway: ReferralPathway },
  historyLimit?: number,
): Promise<void> {
  const referral: Referral = {
    borough: r.borough, contactId: r.contactId, contactReference: `${r.borough.toUpperCase()}-TEST-${r.contactId.slice(0, 4)}`, childPosition: 0, childId: r.childId, child: r.child,
    referralAt: r.referralAt.toISOString(), pathway: r.pathway, levelOfNeed: r.pathway === 'S17_ASSESSMENT' ? 3 : 4, rag: r.pathway === 'S17_ASSESSMENT' ? 'AMBER' : 'RED',
    decidedBy: 'sw-screener', rationale: 'Test referral.', referralSourceCode: '2A', primaryNeed: 'N1',
  };
  const input: EpisodeRunInput = { borough: r.borough, childId: r.childId, ...(historyLimit ? { historyLimit } : {}) };
  await h.env.client.workflow.signalWithStart(EPISODE_WORKFLOW_TYPE, {
    taskQueue: h.taskQueue, workflowId: episodeWorkflowId(r.childId), args: [input], signal: referralSignal, signalArgs: [referral], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

/** The case id of the episode a contact's referral of a child opened or joined, once stored. */
export async function caseOf(h: Harness, childId: string, contactId: string): Promise<string> {
  const [row] = await eventually(
    () => h.sql<{ episodeId: string }[]>`select episode_id from episode_referrals where child_id = ${childId} and contact_id = ${contactId}`,
    (rows) => rows.length === 1,
  );
  return row!.episodeId;
}

/** Takes a human step on the child's episode; resolves with the step's answer. */
export async function take<I>(h: Harness, c: Child, update: UpdateDefinition<EpisodeStep, [I]>, input: I): Promise<EpisodeStep> {
  return h.env.client.workflow.getHandle(c.workflowId).executeUpdate(update, { args: [input] });
}

/**
 * What Temporal answers a step sent to an episode whose workflow has ended (at closure): there is no workflow left
 * to take it. The time-skipping test server words it as the update not being found; a real server as the workflow
 * having completed.
 */
export const AFTER_CLOSURE = /^(?:update [0-9a-f-]{36} not found|workflow execution already completed)$/;

/** Takes a step that must be refused; resolves with the refusal's type and message. */
export async function refused<I>(h: Harness, c: Child, update: UpdateDefinition<EpisodeStep, [I]>, input: I): Promise<{ type: string | undefined; message: string }> {
  const error: unknown = await take(h, c, update, input).then(() => null, (e: unknown) => e);
  expect(error, 'the step should have been refused').toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: (cause as ApplicationFailure).type ?? undefined, message: (cause as ApplicationFailure).message };
}

/** The episode's working state (waiting the moment it may take to open once its case row exists). */
export async function stateOf(h: Harness, c: Child): Promise<EpisodeState> {
  const state = await eventually(() => h.env.client.workflow.getHandle(c.workflowId).query(episodeStateQuery), (s) => s !== null);
  return state!;
}

/** Waits until the workflow has no write still queued: the rows then reflect every accepted step. */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  return eventually(read, done, 30_000);
}

/**
 * Waits until a workflow has nothing in flight: no pending activity and no workflow task scheduled or running. Only
 * then does "nothing more happened" (no escalation, no write) mean something: a read straight after a time skip
 * could otherwise run before the workflow has reacted to the timers that fired. The pending workflow task is read
 * from the history as well as from describe(), because the time-skipping test server does not report it there.
 */
export async function untilQuiet(handle: WorkflowHandle, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const { status, raw } = await handle.describe();
    if (status.name !== 'RUNNING') return { running: false, pendingActivities: 0, pendingWorkflowTask: false };
    const events = (await handle.fetchHistory()).events ?? [];
    const lastTaskEvent = events.findLast((e) =>
      e.workflowTaskScheduledEventAttributes || e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes
      || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes);
    return {
      running: true,
      pendingActivities: raw.pendingActivities?.length ?? 0,
      pendingWorkflowTask: Boolean(raw.pendingWorkflowTask) || !lastTaskEvent?.workflowTaskCompletedEventAttributes,
    };
  }, (s) => s.pendingActivities === 0 && !s.pendingWorkflowTask, timeoutMs);
}

/** {@link untilQuiet} for a child's episode. */
export async function quiet(h: Harness, c: Pick<Child, 'workflowId'>): Promise<void> {
  await untilQuiet(h.env.client.workflow.getHandle(c.workflowId));
}

export async function nowOf(h: Harness): Promise<Date> {
  return new Date(await h.env.currentTimeMs());
}

/** Advances the time-skipping server's clock to just past `at`. */
export async function skipTo(h: Harness, at: Date | string, pastByMs = 60_000): Promise<void> {
  const target = new Date(at).getTime() + pastByMs;
  const now = await h.env.currentTimeMs();
  if (target > now) await h.env.sleep(target - now);
}

export function calendarOf(h: Harness, borough: string): WorkingCalendar {
  return h.boroughs.get(borough)!.calendar;
}

/** The London date `n` working days from an instant, in the borough's calendar. */
export function workingDaysFrom(h: Harness, borough: string, from: Date | string, n: number): string {
  return addWorkingDays(new Date(from), n, calendarOf(h, borough)).dueDate;
}

/** The first working day on or after a local date, and the first non-working day after it. */
export function workingDayOnOrAfter(h: Harness, borough: string, date: string): string {
  let day = DateTime.fromISO(date);
  while (!isWorkingDay(day.toISODate()!, calendarOf(h, borough))) day = day.plus({ days: 1 });
  return day.toISODate()!;
}

export function weekendOnOrAfter(date: string): string {
  let day = DateTime.fromISO(date);
  while (day.weekday < 6) day = day.plus({ days: 1 });
  return day.toISODate()!;
}

export function londonDate(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'Europe/London' }).toISODate()!;
}

export function plusDays(date: string, days: number): string {
  return DateTime.fromISO(date).plus({ days }).toISODate()!;
}

/** Every agency the borough requires, each with a person; children's social care brings a manager. */
export function fullAttendance(h: Harness, borough: string, except: Agency[] = []): DiscussionAttendee[] {
  const required = h.boroughs.get(borough)!.settings.strategyDiscussion.requiredAgencies;
  return required.filter((agency) => !except.includes(agency)).map((agency) => ({
    agency, name: `${agency.toLowerCase()} representative`, role: agency === 'CHILDRENS_SOCIAL_CARE' ? 'Team manager' : 'Safeguarding lead', manager: agency === 'CHILDRENS_SOCIAL_CARE',
  }));
}

export async function escalationsOf(h: Harness, caseId: string): Promise<{ stage: string; subject: string; rung: number; notify: string; dueAt: Date; escalatedAt: Date }[]> {
  return h.sql`select stage, subject, rung, notify, due_at, escalated_at from escalations where case_id = ${caseId} order by stage, due_at, rung`;
}

export async function eventsOf(h: Harness, caseId: string): Promise<{ kind: string; at: Date; actor: string; detail: Record<string, unknown> }[]> {
  return h.sql`select kind, at, actor, detail from case_events where case_id = ${caseId} order by at, kind`;
}

export async function openTasksOf(h: Harness, caseId: string): Promise<{ kind: string; title: string; dueAt: Date | null; dueDate: string | null; detail: Record<string, unknown> }[]> {
  return h.sql`select kind, title, due_at, to_char(due_date, 'YYYY-MM-DD') as due_date, detail from tasks where case_id = ${caseId} and status = 'OPEN' order by due_at nulls last, kind`;
}

/** Advances the clock, if need be, to 10:00 London on a working day (so "today" can hold a conference). */
export async function skipToWorkingMorning(h: Harness, borough: string): Promise<void> {
  const now = DateTime.fromMillis(await h.env.currentTimeMs(), { zone: 'Europe/London' });
  const open = (day: DateTime) => isWorkingDay(day.toISODate()!, calendarOf(h, borough));
  if (open(now) && now.hour >= 10 && now.hour < 15) return;
  let day = now.hour < 10 ? now.startOf('day') : now.startOf('day').plus({ days: 1 });
  while (!open(day)) day = day.plus({ days: 1 });
  await skipTo(h, day.set({ hour: 10 }).toJSDate(), 0);
}

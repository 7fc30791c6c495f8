import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createActivities } from '../../activities';
import { contactIdFor, contactReference } from '../../db/ids';
import { createSql, type Sql } from '../../db/sql';
import { loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { isWorkingDay } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { contactStateQuery, contactWorkflow, contactWorkflowId, recordConsent, recordScreeningDecision, type ReceivedContact } from '../../workflows/contact';
import { untilQuiet } from '../support/episode-harness';
import { historyToFixture } from '../support/histories';
import { eventually, workflowBundle } from '../support/stack';

const RED_MASH_FIXTURE = path.join(projectRoot, 'tests', 'fixtures', 'histories', 'contact-red-mash-wcc.json');

// The front door's clocks on Temporal's time-skipping server: days pass in moments, and only when the test says.
let env: TestWorkflowEnvironment;
let sql: Sql;
let boroughs: BoroughRegistry;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  sql = createSql(inject('databaseUrl'), { max: 3 });
  boroughs = await loadBoroughConfigs(path.join(projectRoot, 'borough-config'));
});
afterAll(async () => {
  await sql?.end();
  await env?.teardown();
});

const london = (ms: number) => DateTime.fromMillis(ms, { zone: 'Europe/London' });
const actor = (userId: string, roles: string[] = ['practitioner']) => ({ userId, roles });

/** Moves the test server's clock forward to `target` (which must be later). */
async function skipTo(target: DateTime): Promise<void> {
  await env.sleep(target.toMillis() - (await env.currentTimeMs()));
}

// No sticky workflow cache: a stopped worker's sticky queue is never timed out by the test server while its clock is
// locked, which would strand the next workflow task (and stall time skipping for every test in the file).
function newWorker(taskQueue: string): Promise<Worker> {
  return workflowBundle().then((bundle) =>
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, maxCachedWorkflows: 0, activities: createActivities({ sql, boroughs, temporal: env.client, taskQueue }) }),
  );
}

async function startContact(taskQueue: string, borough: string, overrides: Partial<ReceivedContact> = {}) {
  const receivedAt = new Date(await env.currentTimeMs());
  const contactId = contactIdFor(borough, `clock-${randomUUID()}`);
  const contact: ReceivedContact = {
    contactId, reference: contactReference(borough, contactId, receivedAt), borough, idempotencyKey: null, receivedAt: receivedAt.toISOString(), receivedBy: 'tester',
    channel: 'PHONE', referrer: { type: 'POLICE', name: null, organisation: 'Met Police', contactDetails: null },
    children: [{ firstName: 'Ivy', lastName: `Clock${randomUUID().slice(0, 6)}`, dateOfBirth: '2019-01-01', expectedDateOfBirth: null }],
    indicators: ['NEGLECT'], summary: 'Neighbours report children left alone overnight.', consent: 'GIVEN', rulesetVersion: null,
    ...overrides,
  };
  const handle = await env.client.workflow.start(contactWorkflow, { taskQueue, workflowId: contactWorkflowId(contactId), args: [{ contact }] });
  // A workflow left with timers and no worker would hold the test server's clock still for the tests after this one.
  onTestFinished(() => handle.terminate('test finished').then(() => undefined, () => undefined));
  await eventually(() => handle.query(contactStateQuery), (s) => s.status === 'AWAITING_SCREENING');
  return { contactId, handle };
}

const escalationsOf = (contactId: string) =>
  sql<{ stage: string; rung: number; notify: string }[]>`select stage, rung, notify from escalations where case_id = ${contactId} order by escalated_at, rung`;
const eventKinds = async (contactId: string) => (await sql<{ kind: string }[]>`select kind from case_events where case_id = ${contactId} order by at, kind`).map((e) => e.kind);

describe.each(['hf', 'rbkc', 'wcc'])('borough %s', (borough) => {
  it('escalates a late screening decision once per rung, across a worker restart, and stops when decided', async () => {
    const taskQueue = `clocks-${randomUUID()}`;
    const ladder = boroughs.get(borough)!.settings.escalation.SCREENING.rungs;
    let worker = await newWorker(taskQueue);
    let running = worker.run();
    onTestFinished(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });
    const { contactId, handle } = await startContact(taskQueue, borough);
    const dueAt = Date.parse((await handle.query(contactStateQuery)).screeningDueAt!);

    // Just past the deadline: overdue, and the first rung (at the deadline) has fired.
    await skipTo(london(dueAt).plus({ minutes: 1 }));
    await eventually(() => escalationsOf(contactId), (rows) => rows.length === 1);
    expect(await escalationsOf(contactId)).toEqual([{ stage: 'SCREENING', rung: 0, notify: ladder[0]!.notify }]);
    expect((await handle.query(contactStateQuery)).status).toBe('SCREENING_OVERDUE');

    // The worker dies; another takes over. The next rung fires exactly once.
    worker.shutdown();
    await running;
    worker = await newWorker(taskQueue);
    running = worker.run();
    const plan = await createActivities({ sql, boroughs, temporal: env.client, taskQueue }).escalationPlan({ borough, stage: 'SCREENING', dueAt: new Date(dueAt).toISOString() });
    await skipTo(london(Date.parse(plan[1]!.at)).plus({ minutes: 1 }));
    await eventually(() => escalationsOf(contactId), (rows) => rows.length === 2);

    // Decided before the last rung: it never fires.
    const state = await handle.query(contactStateQuery);
    await handle.executeUpdate(recordScreeningDecision, { args: [{ actor: actor('late-lou'), pathway: state.recommendation!.pathway, levelOfNeed: state.recommendation!.levelOfNeed, rag: state.recommendation!.rag, rationale: 'Decided late, after escalation.', overrideReason: null, primaryNeed: null }] });
    expect(plan).toHaveLength(3);
    await skipTo(london(Date.parse(plan[2]!.at)).plus({ hours: 1 }));
    await eventually(() => eventKinds(contactId), (kinds) => kinds.includes('SCREENING_DECIDED'));
    await untilQuiet(handle);
    expect(await escalationsOf(contactId)).toEqual(ladder.slice(0, 2).map((rung, index) => ({ stage: 'SCREENING', rung: index, notify: rung.notify })));
  });
});

describe('the MASH clock', () => {
  it('runs a RED enquiry decided on a Friday afternoon past office hours, passing it to the out-of-hours team', async () => {
    const taskQueue = `red-${randomUUID()}`;
    const worker = await newWorker(taskQueue);
    await worker.runUntil(async () => {
      // Next Friday, 15:00 in London, that is a working day.
      let friday = london(await env.currentTimeMs()).plus({ days: 1 }).set({ hour: 15, minute: 0, second: 0, millisecond: 0 });
      while (friday.weekday !== 5 || !isWorkingDay(friday.toISODate()!, boroughs.get('wcc')!.calendar)) friday = friday.plus({ days: 1 });
      await skipTo(friday);
      const { contactId, handle } = await startContact(taskQueue, 'wcc', { indicators: ['EXPLOITATION'] });
      const rec = (await handle.query(contactStateQuery)).recommendation!;
      await handle.executeUpdate(recordScreeningDecision, { args: [{ actor: actor('fri-fay'), pathway: 'MASH_ENQUIRY', levelOfNeed: 4, rag: 'RED', rationale: 'Exploitation risk: red MASH enquiry now.', overrideReason: rec.pathway === 'MASH_ENQUIRY' && rec.rag === 'RED' && rec.levelOfNeed === 4 ? null : 'Red enquiry needed today.', primaryNeed: null }] });
      const mash = await eventually(() => handle.query(contactStateQuery), (s) => s.mash?.dueAt != null);

      // 4 MASH working hours from Friday 15:00: 2 on Friday, 2 on Monday (or the next working day) morning.
      const due = london(Date.parse(mash.mash!.dueAt!));
      expect(due.hour).toBe(11);
      expect(isWorkingDay(due.toISODate()!, boroughs.get('wcc')!.calendar)).toBe(true);
      let nextWorkingDay = friday.plus({ days: 1 });
      while (!isWorkingDay(nextWorkingDay.toISODate()!, boroughs.get('wcc')!.calendar)) nextWorkingDay = nextWorkingDay.plus({ days: 1 });
      expect(due.toISODate()).toBe(nextWorkingDay.toISODate());

      // At 17:00 it is still open: the out-of-hours team takes it over.
      await skipTo(friday.set({ hour: 17, minute: 5 }));
      await eventually(() => eventKinds(contactId), (kinds) => kinds.includes('PASSED_TO_OUT_OF_HOURS_TEAM'));
      const [row] = await sql<{ outOfHours: boolean; stage: string; rag: string }[]>`select out_of_hours, stage, rag from cases where id = ${contactId}`;
      expect(row).toEqual({ outOfHours: true, stage: 'MASH_ENQUIRY', rag: 'RED' });
      expect(await escalationsOf(contactId)).toEqual([]);

      // Not decided by Monday 11:00: the MASH ladder starts.
      await skipTo(due.plus({ minutes: 1 }));
      await eventually(() => escalationsOf(contactId), (rows) => rows.length === 1);
      expect((await escalationsOf(contactId))[0]).toMatchObject({ stage: 'MASH_ENQUIRY', rung: 0, notify: 'MASH_MANAGER' });

      // Keep this history as a replay fixture (recorded once; delete the file to record it again after checking that
      // the change is safe for running workflows).
      if (!(await fs.stat(RED_MASH_FIXTURE).catch(() => null))) await fs.writeFile(RED_MASH_FIXTURE, historyToFixture(await handle.fetchHistory()));
    });
  });
});

describe('out of hours', () => {
  it('holds a contact received on a bank holiday with the out-of-hours team until the next working day', async () => {
    const taskQueue = `bank-holiday-${randomUUID()}`;
    const worker = await newWorker(taskQueue);
    await worker.runUntil(async () => {
      const calendar = boroughs.get('hf')!.calendar;
      // The next weekday bank holiday in the shipped list (searched in the list itself, so a list that has run out
      // fails here with what to do rather than searching for ever).
      const tomorrow = london(await env.currentTimeMs()).plus({ days: 1 }).toISODate()!;
      const next = [...calendar.bankHolidays].sort().map((date) => DateTime.fromISO(date, { zone: 'Europe/London' })).find((day) => day.toISODate()! >= tomorrow && day.weekday <= 5);
      if (!next) throw new Error(`no weekday bank holiday on or after ${tomorrow} in the shipped list: the shipped bank holidays have run out; refresh them with npx tsx scripts/refresh-bank-holidays.ts FILE (README, "Commands")`);
      const holiday = next.set({ hour: 10, minute: 30, second: 0, millisecond: 0 });
      await skipTo(holiday);
      const { contactId, handle } = await startContact(taskQueue, 'hf', { indicators: ['SCHOOL_ATTENDANCE'], consent: 'NOT_SOUGHT' });

      const [held] = await sql<{ outOfHours: boolean; screeningClockStartsAt: Date }[]>`
        select cases.out_of_hours, contacts.screening_clock_starts_at from cases join contacts on contacts.id = cases.id where cases.id = ${contactId}`;
      expect(held!.outOfHours).toBe(true);
      const opens = london(held!.screeningClockStartsAt.getTime());
      expect(opens.toFormat('HH:mm')).toBe('09:00');
      expect(isWorkingDay(opens.toISODate()!, calendar)).toBe(true);
      for (let day = holiday; day < opens.startOf('day'); day = day.plus({ days: 1 })) expect(isWorkingDay(day.toISODate()!, calendar)).toBe(false);

      const queued = await sql<{ id: string }[]>`select id from cases where borough = 'hf' and out_of_hours and closed_at is null and id = ${contactId}`;
      expect(queued).toHaveLength(1);

      await skipTo(opens.plus({ minutes: 1 }));
      await eventually(() => eventKinds(contactId), (kinds) => kinds.includes('HANDED_OVER_TO_DAY_TEAM'));
      const [after] = await sql<{ outOfHours: boolean }[]>`select out_of_hours from cases where id = ${contactId}`;
      expect(after!.outOfHours).toBe(false);

      // Consent then decision during the day; nothing is lost across the handover. Early help needs the consent
      // given after the handover, so the decision is only accepted if that consent was kept.
      await handle.executeUpdate(recordConsent, { args: [{ actor: actor('day-dee'), status: 'GIVEN', reason: null, note: 'Father agreed.' }] });
      expect((await handle.query(contactStateQuery)).consent).toBe('GIVEN');
      const rec = (await handle.query(contactStateQuery)).recommendation!;
      const decided = await handle.executeUpdate(recordScreeningDecision, { args: [{
        actor: actor('day-dee'), pathway: 'EARLY_HELP', levelOfNeed: 2, rag: 'GREEN', rationale: 'School attendance only; family agreed to early help.',
        overrideReason: rec.pathway === 'EARLY_HELP' && rec.levelOfNeed === 2 && rec.rag === 'GREEN' ? null : 'Family asked for early help support.', primaryNeed: null,
      }] });
      expect(decided).toMatchObject({ status: 'CLOSED', outcome: 'EARLY_HELP' });
      await eventually(() => eventKinds(contactId), (kinds) => kinds.includes('CONTACT_CLOSED'));
      const [closed] = await sql<{ consent: string; status: string; pathway: string; decidedBy: string }[]>`
        select contacts.consent, contacts.status, screening_decisions.pathway, screening_decisions.decided_by
        from contacts join screening_decisions on screening_decisions.contact_id = contacts.id where contacts.id = ${contactId}`;
      expect(closed).toEqual({ consent: 'GIVEN', status: 'CLOSED', pathway: 'EARLY_HELP', decidedBy: 'day-dee' });
    });
  });
});

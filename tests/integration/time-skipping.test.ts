import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { contactIdFor, contactReference } from '../../db/ids';
import { syncSeedRulesets } from '../../db/rulesets';
import { createSql, type Sql } from '../../db/sql';
import { loadBoroughConfigs } from '../../rules/borough-config';
import { screeningDeadline } from '../../rules/calendar';
import { projectRoot } from '../../server/env';
import { contactWorkflow, contactWorkflowId, type ReceivedContact } from '../../workflows/contact';
import { untilQuiet } from '../support/episode-harness';
import { eventually, workflowBundle } from '../support/stack';

// Temporal's time-skipping test server (Java, from Maven Central): timers of days fire in moments of real time.
let env: TestWorkflowEnvironment;
let sql: Sql;
let configDir: string;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServer') } } });
  sql = createSql(inject('databaseUrl'), { max: 3 });
  // A throwaway fourth borough, added as a folder and nothing else, whose screening clock is 10 working days.
  configDir = path.join(inject('scratchDir'), `borough-config-${randomUUID()}`);
  await fs.cp(path.join(projectRoot, 'borough-config'), configDir, { recursive: true });
  await fs.mkdir(path.join(configDir, 'tst'));
  const settings = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'borough.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(configDir, 'tst', 'borough.json'), JSON.stringify({ ...settings, code: 'tst', name: 'Test borough', clocks: { screeningWorkingDays: 10 } }));
  const rules = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'thresholds.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(configDir, 'tst', 'thresholds.json'), JSON.stringify({ ...rules, borough: 'tst' }));
});
afterAll(async () => {
  await sql?.end();
  await env?.teardown();
});

const statusOf = async (id: string) => (await sql<{ status: string }[]>`select status from contacts where borough = 'tst' and id = ${id}`)[0]?.status;

it('waits 10 working days for a screening decision, and marks the contact overdue only once they have passed', async () => {
  const boroughs = await loadBoroughConfigs(configDir);
  await syncSeedRulesets(sql, boroughs);
  const taskQueue = `time-skipping-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: createActivities({ sql, boroughs, temporal: env.client, taskQueue }) });

  await worker.runUntil(async () => {
    const receivedAt = new Date(await env.currentTimeMs());
    const contactId = contactIdFor('tst', `ts-${randomUUID()}`);
    const contact: ReceivedContact = {
      contactId,
      reference: contactReference('tst', contactId, receivedAt),
      borough: 'tst',
      idempotencyKey: null,
      receivedAt: receivedAt.toISOString(),
      receivedBy: 'tester',
      channel: 'PHONE',
      referrer: { type: 'SCHOOL', name: null, organisation: 'A school', contactDetails: null },
      children: [{ firstName: 'Zoe', lastName: 'Example', dateOfBirth: '2015-06-01', expectedDateOfBirth: null }],
      indicators: ['SCHOOL_ATTENDANCE'],
      summary: 'Attendance has fallen to 70% this term.',
      consent: 'GIVEN',
      rulesetVersion: null,
    };
    const handle = await env.client.workflow.start(contactWorkflow, { taskQueue, workflowId: contactWorkflowId(contactId), args: [{ contact }] });

    const [due] = await eventually(
      () => sql<{ screeningDueAt: Date | null }[]>`select screening_due_at from contacts where borough = 'tst' and id = ${contactId}`,
      (rows) => Boolean(rows[0]?.screeningDueAt),
    );
    const dueAt = due!.screeningDueAt!;
    // Ten working days in the borough's calendar: from the receipt in office hours; out of hours the handover day (the
    // next office opening's) is day 1. Some two calendar weeks later either way (at least 11 days: Sunday night to
    // the Friday week).
    const calendar = boroughs.get('tst')!.calendar;
    expect(boroughs.get('tst')!.settings.clocks.screeningWorkingDays).toBe(10);
    const expected = screeningDeadline(receivedAt, 10, calendar);
    expect(dueAt.toISOString()).toBe(expected.dueAt.toISOString());
    expect(dueAt.getTime() - receivedAt.getTime()).toBeGreaterThanOrEqual(11 * 86_400_000);

    // An hour before the deadline: still waiting.
    await env.sleep(dueAt.getTime() - (await env.currentTimeMs()) - 3_600_000);
    await untilQuiet(handle);
    expect(await statusOf(contactId)).toBe('AWAITING_SCREENING');

    // Past it: overdue, recorded at the deadline in workflow time.
    await env.sleep(2 * 3_600_000);
    await eventually(() => statusOf(contactId), (status) => status === 'SCREENING_OVERDUE');
    const [event] = await sql<{ at: Date }[]>`select at from case_events where borough = 'tst' and contact_id = ${contactId} and kind = 'SCREENING_OVERDUE'`;
    expect(event!.at.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
    expect(event!.at.getTime()).toBeLessThan(dueAt.getTime() + 3_600_000);
    expect(await env.currentTimeMs()).toBeGreaterThan(receivedAt.getTime() + 11 * 86_400_000);
  });
});

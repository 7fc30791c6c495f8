import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { childIdFor } from '../../db/ids';
import { createSql, type Sql } from '../../db/sql';
import { loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { projectRoot } from '../../server/env';
import { addPlanAction, completeAssessment, createPlan, recordStrategyDiscussion, scheduleStrategyDiscussion, startAssessment, startSection47 } from '../../workflows/episode';
import { EPISODE_WORKFLOW_TYPE, episodeWorkflowId, referralSignal } from '../../workflows/referral';
import { eventually, workflowBundle } from '../support/stack';
import { aChild, fullAttendance, MANAGER, PRACTITIONER, storeContact, type Harness } from '../support/episode-harness';

// On a real Temporal server, a worker with no workflow cache replays an episode's whole history on every task, as
// any worker does after a restart or an eviction. Steps refused by a validator, steps accepted, and the writes each
// step queues, interleaved quickly, must replay with no nondeterminism: an early version issued a step's writes only
// once earlier writes had finished, and a replay that saw those finish at another point failed here.

let sql: Sql;
let boroughs: BoroughRegistry;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `episode-live-${randomUUID()}`;

beforeAll(async () => {
  sql = createSql(inject('databaseUrl'), { max: 3 });
  boroughs = await loadBoroughConfigs(path.join(projectRoot, 'borough-config'));
  const address = inject('temporalAddress');
  client = new Client({ connection: await Connection.connect({ address }) });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address }), taskQueue, workflowBundle: await workflowBundle(), maxCachedWorkflows: 0,
    activities: createActivities({ sql, boroughs, temporal: client, taskQueue }),
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await sql?.end();
});

it('replays refused and accepted steps, and their writes, deterministically on every task', async () => {
  const h = { sql, boroughs } as Pick<Harness, 'sql' | 'boroughs'> as Harness;
  for (let round = 0; round < 4; round++) {
    const child = aChild();
    const referralAt = new Date();
    const contactId = await storeContact(h, 'hf', child, referralAt);
    const childId = childIdFor('hf', child);
    await client.workflow.signalWithStart(EPISODE_WORKFLOW_TYPE, {
      taskQueue, workflowId: episodeWorkflowId(childId), args: [{ borough: 'hf', childId }], signal: referralSignal,
      signalArgs: [{ borough: 'hf', contactId, contactReference: 'HF-LIVE', childPosition: 0, childId, child, referralAt: referralAt.toISOString(), pathway: 'STRATEGY_DISCUSSION', levelOfNeed: 4, rag: 'RED', decidedBy: 'sw', rationale: 'Test.', referralSourceCode: '2A', primaryNeed: 'N1' }],
    });
    const [row] = await eventually(() => sql<{ episodeId: string }[]>`select episode_id from episode_referrals where contact_id = ${contactId}`, (rows) => rows.length === 1);
    const caseId = row!.episodeId;
    const handle = client.workflow.getHandle(episodeWorkflowId(childId));
    // Refused means refused by the step's validator (as a user is told); any other failure (a nondeterminism, a
    // lost connection, a timeout) fails the test as itself.
    const refusedSchedule = () => handle.executeUpdate(scheduleStrategyDiscussion, {
      args: [{ actor: PRACTITIONER, caseId, scheduledFor: new Date(Date.now() + 3_600_000).toISOString(), invitedAgencies: ['POLICE'], purpose: 'Bruising to a baby' }],
    }).then(() => 'accepted', (error: unknown) => {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && (error.cause.type === 'BadInput' || error.cause.type === 'InvalidState')) return 'refused';
      throw error;
    });

    expect(await refusedSchedule()).toBe('refused');
    await handle.executeUpdate(scheduleStrategyDiscussion, { args: [{ actor: PRACTITIONER, caseId, scheduledFor: new Date(Date.now() + 3_600_000).toISOString(), invitedAgencies: fullAttendance(h, 'hf').map((a) => a.agency), purpose: 'Bruising to a baby' }] });
    expect(await refusedSchedule()).toBe('refused');
    await handle.executeUpdate(recordStrategyDiscussion, { args: [{ actor: MANAGER, caseId, heldAt: new Date().toISOString(), attendees: fullAttendance(h, 'hf', ['HEALTH']), outcome: 'SECTION_47', rationale: 'Unexplained bruising.', actions: [], overrideReason: 'Health visitor on leave today.' }] });
    expect(await refusedSchedule()).toBe('refused');
    await handle.executeUpdate(startSection47, { args: [{ actor: PRACTITIONER, caseId, strategyDiscussionId: null }] });
    await handle.executeUpdate(startAssessment, { args: [{ actor: PRACTITIONER, caseId }] });
    await handle.executeUpdate(completeAssessment, { args: [{ actor: MANAGER, caseId, factors: ['18C'], summary: 'Physical abuse by an adult.', overdueReason: null, childSeen: true }] });
    await handle.executeUpdate(createPlan, { args: [{ actor: PRACTITIONER, caseId, kind: 'CIN', startDate: null }] });
    expect(await refusedSchedule()).toBe('refused');
    await handle.executeUpdate(addPlanAction, { args: [{ actor: PRACTITIONER, caseId, description: 'Health visitor to weigh the baby at home every Tuesday', responsibleAgency: 'HEALTH', responsiblePerson: null, dueDate: '2099-01-01', intendedOutcome: 'Steady weight gain for the baby' }] });

    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes!.failure?.message)).toEqual([]);
    await eventually(() => sql<{ appliedSeq: number }[]>`select applied_seq from episodes where id = ${caseId}`, (rows) => (rows[0]?.appliedSeq ?? 0) > 5);
  }
});

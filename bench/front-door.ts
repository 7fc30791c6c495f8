// "front door": end-to-end throughput of a burst of contacts through GraphQL `receiveContact` (accepted → the rules'
// recommendation stored, seen in PostgreSQL), each contact's wait for its recommendation, and that every contact is
// stored exactly once; beside the baseline, a bare Temporal workflow with four no-op activities started at the same
// burst size on the same Temporal server in the same run, with its own task queue and worker process.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { quantile } from './open-load';
import { spawnNodeProcess } from './processes';
import { BOROUGH, mb, pool, pollUntil, receiveContact, sec, startBenchStack, WORKER_HEAP_MB } from './stack';
import type { Sql } from '../db/sql';
import { projectRoot } from '../server/env';
import type { BenchContext, BenchRow, BenchSection } from './types';

/** How many requests (or workflow starts) the burst keeps in flight at once. */
const CONCURRENCY = 20;
const SECTION = 'front door';

export const frontDoorSection: BenchSection = {
  name: SECTION,
  async run(context: BenchContext): Promise<BenchRow[]> {
    const burst = context.scale === 'smoke' ? 30 : 1000;
    const stack = await startBenchStack(context, SECTION);
    try {
      const idleWorkerRss = await stack.worker.rssBytes();
      // (a) The front door: receiveContact over HTTP, then watch PostgreSQL for each recommendation.
      const run = randomBytes(3).toString('hex');
      const acceptedAt = new Map<string, number>();
      const storedAt = new Map<string, number>();
      context.say(`${SECTION}: sending a burst of ${burst} contacts through receiveContact (${CONCURRENCY} in flight)`);
      const started = Date.now();
      const watching = watchRecommendations(stack.sql, acceptedAt, storedAt, burst);
      await pool(burst, CONCURRENCY, async (i) => {
        const id = await receiveContact(stack, `bench-${run}-${i}`);
        acceptedAt.set(id, Date.now());
      });
      context.say(`${SECTION}: all ${burst} accepted in ${sec(Date.now() - started)}; waiting for their recommendations`);
      await watching(context, burst * 2_000 + 60_000);
      const lastStored = Math.max(...storedAt.values());
      const frontDoorRate = (burst * 1000) / (lastStored - started);
      const waits = [...acceptedAt].map(([id, at]) => storedAt.get(id)! - at);
      const workerRss = await stack.worker.rssBytes();
      const apiRss = await stack.api.rssBytes();

      const [counts] = await stack.sql<{ contacts: number; keys: number; recommendations: number }[]>`
        select count(*)::int as contacts, count(distinct idempotency_key)::int as keys,
          (select count(*)::int from recommendations r where r.borough = ${BOROUGH} and r.contact_id = any(${[...acceptedAt.keys()]}::uuid[])) as recommendations
        from contacts where borough = ${BOROUGH} and idempotency_key like ${`bench-${run}-%`}`;
      const exactlyOnce = counts!.contacts === burst && counts!.keys === burst && counts!.recommendations === burst && acceptedAt.size === burst;

      // (b) The baseline: the bare four-activity workflow, own task queue, own worker process, same burst.
      context.say(`${SECTION}: baseline, a bare workflow with four no-op activities, same burst of ${burst}`);
      const bareQueue = `bench-bare-${run}`;
      const bareWorker = await spawnNodeProcess(path.join(projectRoot, 'bench', 'bare-worker.ts'), { ...stack.env, TEMPORAL_TASK_QUEUE: bareQueue }, { maxOldSpaceMb: WORKER_HEAP_MB, logFile: path.join(context.scratch, 'bare-worker.log') }, { logLine: 'worker running' });
      let bareRate: number;
      let bareWaits: number[];
      try {
        const bareStartedAt = new Map<string, number>();
        const bareStarted = Date.now();
        await pool(burst, CONCURRENCY, async (i) => {
          const id = `bare-${run}-${i}`;
          await stack.temporal.workflow.start('bareWorkflow', { taskQueue: bareQueue, workflowId: id, args: [{ id }] });
          bareStartedAt.set(id, Date.now());
        });
        const query = `TaskQueue="${bareQueue}" AND ExecutionStatus="Completed"`;
        await pollUntil('the bare workflows to complete', async () => (await stack.temporal.workflow.count(query)).count >= burst, burst * 2_000 + 60_000);
        const closedAt = new Map<string, number>();
        for await (const execution of stack.temporal.workflow.list({ query })) closedAt.set(execution.workflowId, execution.closeTime!.getTime());
        bareRate = (burst * 1000) / (Math.max(...closedAt.values()) - bareStarted);
        bareWaits = [...bareStartedAt].map(([id, at]) => closedAt.get(id)! - at);
      } finally {
        await bareWorker.stop();
      }

      const ratio = frontDoorRate / bareRate;
      return [
        { section: SECTION, measure: `end to end, burst of ${burst} (accepted → recommendation stored)`, figure: `${frontDoorRate.toFixed(1)} contacts/s`, baseline: `${bareRate.toFixed(1)} workflows/s (bare, 4 no-op activities)`, ratio, target: '≥ 2× baseline', met: ratio >= 2 },
        { section: SECTION, measure: `wait for a recommendation, p50 (burst of ${burst})`, figure: sec(quantile(waits, 0.5)), baseline: sec(quantile(bareWaits, 0.5)), ratio: quantile(bareWaits, 0.5) / quantile(waits, 0.5), target: '—', met: null },
        { section: SECTION, measure: `wait for a recommendation, p99 (burst of ${burst})`, figure: sec(quantile(waits, 0.99)), baseline: sec(quantile(bareWaits, 0.99)), ratio: quantile(bareWaits, 0.99) / quantile(waits, 0.99), target: '—', met: null },
        { section: SECTION, measure: 'contacts stored exactly once', figure: `${counts!.contacts} stored / ${burst} accepted`, baseline: '—', ratio: null, target: 'all, once each', met: exactlyOnce, note: `${counts!.recommendations} recommendations, ${counts!.keys} distinct keys` },
        { section: SECTION, measure: 'worker RSS after the burst (separate process)', figure: mb(workerRss), baseline: `${mb(idleWorkerRss)} idle`, ratio: workerRss / idleWorkerRss, target: '—', met: null, note: `--max-old-space-size=${WORKER_HEAP_MB}` },
        { section: SECTION, measure: 'API RSS after the burst (separate process)', figure: mb(apiRss), baseline: '—', ratio: null, target: '—', met: null },
      ];
    } finally {
      await stack.stop();
    }
  },
};

/**
 * Polls PostgreSQL for the recommendations of the accepted contacts, noting when each was first seen. Returns a
 * function that waits until `expected` have been seen (or throws after the timeout), printing progress.
 */
function watchRecommendations(sql: Sql, acceptedAt: Map<string, number>, storedAt: Map<string, number>, expected: number) {
  let stopped = false;
  let failure: Error | undefined;
  const loop = (async () => {
    while (!stopped && storedAt.size < expected) {
      const ids = [...acceptedAt.keys()].filter((id) => !storedAt.has(id));
      if (ids.length > 0) {
        const rows = await sql<{ contactId: string }[]>`select contact_id from recommendations where borough = ${BOROUGH} and contact_id = any(${ids}::uuid[])`;
        const now = Date.now();
        for (const row of rows) storedAt.set(row.contactId, now);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })().catch((error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error));
  });
  return async (context: BenchContext, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let lastSaid = 0;
    try {
      while (storedAt.size < expected) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`only ${storedAt.size} of ${expected} recommendations stored after ${sec(timeoutMs)}`);
        if (Date.now() - lastSaid > 10_000) {
          context.say(`  ${storedAt.size}/${expected} recommendations stored`);
          lastSaid = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      stopped = true;
      await loop;
    }
  };
}

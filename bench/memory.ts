// "memory": the worker's resident memory with many open contacts, each waiting on its running screening timer,
// against a ceiling of 1 GB, beside the same worker idle and the API (a separate process) in the same run. The
// contacts are started through the Temporal client directly (as receiveContact would start them: same workflow,
// input and memo): the API is not what is measured here, and at a few contacts a second it would make 20,000 take
// hours. The worker's workflow cache is WORKER_MAX_CACHED_WORKFLOWS (README, settings).
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql';
import { parseEnvironment } from '../server/env';
import { BOROUGH, mb, pool, pollUntil, startBenchStack, startContactDirectly, WORKER_HEAP_MB } from './stack';
import type { BenchContext, BenchRow, BenchSection } from './types';

const SECTION = 'memory';
const GB = 1024 ** 3;

export const memorySection: BenchSection = {
  name: SECTION,
  async run(context: BenchContext): Promise<BenchRow[]> {
    const open = context.scale === 'smoke' ? 200 : 20_000;
    const cache = parseEnvironment().WORKER_MAX_CACHED_WORKFLOWS;
    const stack = await startBenchStack(context, SECTION, { WORKER_MAX_CACHED_WORKFLOWS: String(cache) });
    const run = randomBytes(3).toString('hex');
    try {
      const idle = await stack.worker.rssBytes();
      context.say(`starting ${open} contacts through the Temporal client (worker cache ${cache} workflows)`);
      let startedCount = 0;
      let peak = idle;
      const sampler = setInterval(() => {
        stack.worker.rssBytes().then((rss) => (peak = Math.max(peak, rss)), () => undefined);
      }, 1_000);
      try {
        const progress = setInterval(() => {
          void stored(stack.sql).then((count) => context.say(`  ${startedCount}/${open} started, ${count} with their recommendation, worker ${mb(peak)} peak`), () => undefined);
        }, 15_000);
        try {
          await pool(open, 10, async (i) => {
            await startContactDirectly(stack, `mem-${run}-${i}`);
            startedCount++;
          });
          await pollUntil(`${open} recommendations`, async () => (await stored(stack.sql)) >= open, open * 2_000 + 120_000, 1_000);
        } finally {
          clearInterval(progress);
        }
      } finally {
        clearInterval(sampler);
      }
      const running = (await stack.temporal.workflow.count('TaskQueue="front-door" AND ExecutionStatus="Running"')).count;
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        samples.push(await stack.worker.rssBytes());
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      const held = Math.max(...samples);
      const api = await stack.api.rssBytes();
      return [
        {
          section: SECTION, measure: `worker RSS, ${open} open contacts waiting on screening timers`, figure: mb(held), baseline: `${mb(idle)} (same worker idle)`, ratio: held / idle,
          target: '< 1 GB', met: held < GB && peak < GB && running >= open,
          note: `peak while starting ${mb(peak)}; ${running} workflows running; cache ${cache} workflows; --max-old-space-size=${WORKER_HEAP_MB}`,
        },
        { section: SECTION, measure: 'API RSS beside it (separate process)', figure: mb(api), baseline: '—', ratio: null, target: '—', met: null },
      ];
    } finally {
      await stack.stop();
    }
  },
};

async function stored(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from recommendations where borough = ${BOROUGH}`;
  return row!.count;
}

// "receiveContact latency": open-model load (fixed arrival rate, bench/open-load.ts) on `receiveContact` at 5, 10, 20
// and 50 requests/s while the worker is busy with a burst of contacts started beside it, p50/p95/p99 at each rate,
// beside a trivial query (`{ __typename }`: HTTP, token, GraphQL, no data) on the same API at the same rate; and the
// first rate where the API falls behind its arrivals.
import { randomBytes } from 'node:crypto';
import { openLoad, quantile, type OpenLoadResult } from './open-load';
import { ms, pool, receiveContact, startBenchStack, startContactDirectly, trivialQuery } from './stack';
import type { BenchContext, BenchRow, BenchSection } from './types';

const SECTION = 'receiveContact latency';
const RATES = [5, 10, 20, 50];

export const latencySection: BenchSection = {
  name: SECTION,
  async run(context: BenchContext): Promise<BenchRow[]> {
    const smoke = context.scale === 'smoke';
    const seconds = smoke ? 2 : 20;
    const burst = smoke ? 30 : 1000;
    const stack = await startBenchStack(context, SECTION);
    const run = randomBytes(3).toString('hex');
    try {
      // The worker is kept busy by a burst started through the Temporal client (not the API, whose latency is measured).
      context.say(`starting a background burst of ${burst} contacts through the Temporal client`);
      let backgroundError: Error | undefined;
      const background = pool(burst, 10, async (i) => void (await startContactDirectly(stack, `busy-${run}-${i}`))).catch((error: unknown) => {
        backgroundError = error instanceof Error ? error : new Error(String(error));
      });
      const rows: BenchRow[] = [];
      let saturatedAt: number | null = null;
      for (const rate of RATES) {
        context.say(`receiveContact at ${rate}/s for ${seconds} s, then the trivial query at the same rate`);
        const measured = await openLoad({ rate, seconds, send: (i) => receiveContact(stack, `lat-${run}-${rate}-${i}`).then(() => undefined) });
        const floor = await openLoad({ rate, seconds, send: () => trivialQuery(stack) });
        const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(measured.latencies, q)) as [number, number, number];
        const floorP99 = quantile(floor.latencies, 0.99);
        if (saturatedAt === null && fellBehind(measured, rate, seconds)) saturatedAt = rate;
        rows.push({
          section: SECTION,
          measure: `p99 at ${rate}/s, worker busy (open model, ${measured.sent} requests)`,
          figure: ms(p99),
          baseline: `${ms(floorP99)} (trivial query)`,
          ratio: p99 / floorP99,
          target: rate === 10 ? 'p99 < 100 ms' : '—',
          met: rate === 10 ? p99 < 100 && measured.errors === 0 : null,
          note: `p50 ${ms(p50)}, p95 ${ms(p95)}${measured.errors > 0 ? `, ${measured.errors} errors: ${measured.firstError}` : ''}`,
        });
      }
      // The profile: of what receiveContact does before answering (token, validation, one workflow start; no
      // PostgreSQL), the workflow start alone, through the Temporal client at the same rate, with the worker still busy.
      context.say(`the workflow start alone, through the Temporal client at 10/s for ${seconds} s`);
      const starts = await openLoad({ rate: 10, seconds, send: (i) => startContactDirectly(stack, `start-${run}-${i}`).then(() => undefined) });
      const receiveAt10 = rows[RATES.indexOf(10)]!;
      rows.push({
        section: SECTION,
        measure: 'profile: the workflow start alone at 10/s (Temporal client, no API), p99',
        figure: ms(quantile(starts.latencies, 0.99)),
        baseline: `${receiveAt10.figure} (receiveContact)`,
        ratio: null,
        target: '—',
        met: null,
        note: `p50 ${ms(quantile(starts.latencies, 0.5))}${starts.errors > 0 ? `, ${starts.errors} errors` : ''}`,
      });
      rows.push({
        section: SECTION,
        measure: 'saturates at (answers fall behind arrivals: any error, p99 over 1 s, or under 90% of the rate answered in time)',
        figure: saturatedAt === null ? `> ${RATES[RATES.length - 1]}/s` : `${saturatedAt}/s`,
        baseline: '—', ratio: null, target: '> 10/s', met: saturatedAt === null || saturatedAt > 10,
      });
      await background;
      if (backgroundError) throw backgroundError;
      return rows;
    } finally {
      await stack.stop();
    }
  },
};

function fellBehind(result: OpenLoadResult, rate: number, seconds: number): boolean {
  const answeredRate = (result.latencies.length * 1000) / result.elapsedMs;
  return result.errors > 0 || quantile(result.latencies, 0.99) > 1000 || (seconds >= 5 && answeredRate < 0.9 * rate);
}

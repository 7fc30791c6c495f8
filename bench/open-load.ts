// An open-model load: requests leave at a fixed arrival rate whether or not earlier ones have answered (a closed
// loop, which waits for each answer, hides a slow server by slowing its own arrivals).

export interface OpenLoadResult {
  /** One latency per request that succeeded, in milliseconds, in completion order. */
  latencies: number[];
  /** One message per request that failed (threw). */
  errors: string[];
  /** Requests sent (= latencies + errors). */
  sent: number;
  /** Wall time from the first request leaving to the last answer, in ms. */
  elapsedMs: number;
}

/**
 * Sends `rate` requests a second for `seconds` seconds, each on schedule (request i leaves at i / rate s, never
 * delayed by earlier answers), and waits for every answer. `send(i)` makes request i and throws when it fails.
 */
export async function openLoad(options: { rate: number; seconds: number; send: (index: number) => Promise<void> }): Promise<OpenLoadResult> {
  const { rate, seconds, send } = options;
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  const errors: string[] = [];
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    inFlight.push(
      send(i).then(
        () => void latencies.push(performance.now() - sentAt),
        (error: unknown) => void errors.push(error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies, errors, sent: total, elapsedMs: performance.now() - started };
}

/** The q-quantile (0..1) of a list of numbers, nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

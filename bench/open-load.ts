// Open-model load: requests are sent at a fixed arrival rate whatever the answers do, as real users arrive, so a slow
// answer cannot slow the load down and hide itself (a closed loop of N clients waiting for answers would). Each
// latency is measured from the moment its request was due, not from when it was actually sent: if the sender falls
// behind, the lateness counts against the figure (no coordinated omission).

export interface OpenLoadOptions {
  /** Requests per second. */
  rate: number;
  /** How long to keep sending. */
  seconds: number;
  /** Sends request number `index`; resolves when it is answered well, rejects when it is not (its message is kept). */
  send(index: number): Promise<void>;
}

export interface OpenLoadResult {
  /** Requests sent: rate × seconds. */
  sent: number;
  /** Milliseconds from each answered request's due time to its answer, in the order answered. */
  latencies: number[];
  /** Requests that failed (rejected). */
  errors: number;
  /** The first failure's message, to say why. */
  firstError: string | null;
  /** Requests sent more than one interval after they were due (the sending process could not keep up). */
  late: number;
  /** Wall time from the first request due to the last answer, in ms. */
  elapsedMs: number;
}

/** Sends `rate × seconds` requests at a fixed rate and waits for every answer. */
export async function openLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let firstError: string | null = null;
  let late = 0;
  const start = performance.now();
  for (let index = 0; index < total; ) {
    const now = performance.now();
    for (; index < total && start + index * interval <= now; index++) {
      const due = start + index * interval;
      if (now - due > interval) late++;
      const request = options.send(index).then(
        () => void latencies.push(performance.now() - due),
        (error: unknown) => {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      );
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    if (index < total) await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + index * interval - performance.now())));
  }
  await Promise.all(inFlight);
  return { sent: total, latencies, errors, firstError, late, elapsedMs: performance.now() - start };
}

/** The q-quantile (0–1) of some figures (nearest rank), or NaN for none. */
export function quantile(figures: readonly number[], q: number): number {
  if (figures.length === 0) return Number.NaN;
  const sorted = [...figures].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

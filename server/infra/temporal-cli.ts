import path from 'node:path';
import { isExecutable, onPath, run, ToolUnavailableError, type ToolsCache } from './tools';

/** The CLI release that `go install` can build (newer tags carry replace directives it refuses). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** How to run the Temporal dev server: a binary on disk, or the SDK's own download (machines with internet). */
export type TemporalCli = { type: 'existing-path'; path: string; source: string } | { type: 'cached-download'; downloadDir: string; source: string };

export interface TemporalCliOptions {
  cache: ToolsCache;
  /** TEMPORAL_CLI_PATH: an explicit binary, which must exist. */
  explicitPath?: string | undefined;
  /** The PATH to search for `temporal` and `go`. */
  pathVariable: string | undefined;
  /** Allow the SDK to download the CLI as a last resort (false under CI, where nothing may be downloaded ad hoc). */
  allowDownload: boolean;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the tools cache; otherwise builds it into
 * the cache with `go install`, or as a last resort lets @temporalio/testing download it. Says what it does at each step.
 */
export async function resolveTemporalCli(options: TemporalCliOptions): Promise<TemporalCli> {
  const { cache, say } = { cache: options.cache, say: options.cache.say };
  const attempts: string[] = [];

  if (options.explicitPath) {
    if (await isExecutable(options.explicitPath)) return { type: 'existing-path', path: options.explicitPath, source: 'TEMPORAL_CLI_PATH' };
    throw new ToolUnavailableError('The Temporal CLI', [`TEMPORAL_CLI_PATH=${options.explicitPath}: not an executable file`], 'point TEMPORAL_CLI_PATH at the `temporal` binary, or unset it to let Front Door find or build one.');
  }
  attempts.push('TEMPORAL_CLI_PATH: not set');

  const fromPath = await onPath('temporal', options.pathVariable);
  if (fromPath) return { type: 'existing-path', path: fromPath, source: 'PATH' };
  attempts.push('`temporal` on PATH: not found');

  const cached = path.join(cache.dir, 'bin', 'temporal');
  if (await isExecutable(cached)) return { type: 'existing-path', path: cached, source: 'tools cache' };
  attempts.push(`tools cache ${cached}: not built yet`);

  const go = await onPath('go', options.pathVariable);
  if (go) {
    say(`Building the Temporal CLI into ${path.dirname(cached)} with \`go install ${TEMPORAL_CLI_MODULE}\` (once per machine; a few minutes)...`);
    // `go install` prints nothing for minutes: say every 15 s that it is still going.
    const stopProgress = reportProgress(say, 'still building the Temporal CLI');
    try {
      await run(go, ['install', TEMPORAL_CLI_MODULE], { env: { ...process.env, GOBIN: path.dirname(cached), GOFLAGS: '-buildvcs=false' } }).finally(stopProgress);
      if (await isExecutable(cached)) {
        say(`Built ${cached}.`);
        return { type: 'existing-path', path: cached, source: 'built with go install' };
      }
      attempts.push(`go install ${TEMPORAL_CLI_MODULE}: finished but ${cached} is missing`);
    } catch (error) {
      attempts.push(`go install ${TEMPORAL_CLI_MODULE}: failed: ${(error as Error).message}`);
    }
  } else {
    attempts.push('`go` on PATH (to build the CLI): not found');
  }

  if (options.allowDownload) {
    const downloadDir = path.join(cache.dir, 'download');
    say(`Letting @temporalio/testing download the Temporal CLI into ${downloadDir} (needs internet access)...`);
    return { type: 'cached-download', downloadDir, source: 'SDK download' };
  }
  attempts.push('download through @temporalio/testing: not allowed here (CI=true)');

  throw new ToolUnavailableError(
    'The Temporal CLI',
    attempts,
    `install Go and run \`npm run setup\`, or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH, or point TEMPORAL_ADDRESS at a running Temporal server.`,
  );
}

/** The clock and timer a progress reporter uses (the real ones by default; a test passes its own). */
export interface ProgressClock {
  now(): number;
  every(ms: number, tick: () => void): () => void;
}

const realClock: ProgressClock = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Says `<what> (1m30s)…` every `everyMs` until the returned function is called. */
export function reportProgress(say: (message: string) => void, what: string, options: { everyMs?: number; clock?: ProgressClock } = {}): () => void {
  const clock = options.clock ?? realClock;
  const began = clock.now();
  return clock.every(options.everyMs ?? 15_000, () => say(`${what} (${elapsed(clock.now() - began)})…`));
}

/** `45s`, `1m30s`, `12m05s`. */
export function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds}s` : `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
}

// Front Door's worker and API as separate Node processes, for the bench (and any section that needs them).
//
//   spawnWorker(env, options) / spawnApi(env, options) / spawnNodeProcess(entry, env, options)
//     -> Promise<{ pid, rssBytes(): Promise<number>, stop(): Promise<void> }>
//
// `env` is the process's whole configuration as `server/env.ts` reads it (DATABASE_URL, TEMPORAL_ADDRESS,
// TEMPORAL_TASK_QUEUE, AUTH_SECRET, PAYLOAD_KEYS, PORT, ...); PATH, HOME and TMPDIR are passed through, nothing else from the
// bench's own environment. `options.maxOldSpaceMb` sets the process's own V8 heap limit (`--max-old-space-size`);
// `options.logFile` is where its output goes (it is never printed). Each resolves once the process is ready: the
// worker once it logs "worker running", the API once `/healthz` answers on its PORT; a process that exits first
// rejects with the tail of its log. `rssBytes()` reads the process's resident set size from /proc (Linux).
// `stop()` sends SIGTERM, waits for the process to exit (SIGKILL after 15 s) and is safe to call twice. Every process
// spawned here is also killed if the bench itself exits without stopping it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../server/env';

export interface BenchProcess {
  pid: number;
  /** Resident set size now, in bytes. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** `--max-old-space-size` in MB. */
  maxOldSpaceMb: number;
  /** Where the process's stdout and stderr go. */
  logFile: string;
  /** How long to wait for it to be ready (bundling the workflows takes several seconds). */
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `server/worker.ts`: one Front Door worker on TEMPORAL_TASK_QUEUE. */
export function spawnWorker(env: Record<string, string>, options: SpawnOptions): Promise<BenchProcess> {
  return spawnNodeProcess(path.join(projectRoot, 'server', 'worker.ts'), env, options, { logLine: 'worker running' });
}

/** `server/api.ts`: the GraphQL API on PORT. */
export function spawnApi(env: Record<string, string>, options: SpawnOptions): Promise<BenchProcess> {
  if (!env.PORT) throw new Error('spawnApi needs PORT in its env');
  return spawnNodeProcess(path.join(projectRoot, 'server', 'api.ts'), env, options, { url: `http://127.0.0.1:${env.PORT}/healthz` });
}

/** Any TypeScript entry point under tsx, ready when it prints `ready.logLine` or `ready.url` answers 200. */
export async function spawnNodeProcess(entry: string, env: Record<string, string>, options: SpawnOptions, ready: { logLine?: string; url?: string }): Promise<BenchProcess> {
  await fs.mkdir(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [`--max-old-space-size=${options.maxOldSpaceMb}`, '--import', 'tsx', entry], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let seen = '';
  const watch = (chunk: Buffer) => {
    if (ready.logLine && !seen.includes(ready.logLine)) seen = (seen + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout.on('data', watch);
  child.stderr.on('data', watch);
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => log.end(() => resolve()));
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
      if (ready.logLine && seen.includes(ready.logLine)) break;
      if (ready.url && (await answers(ready.url))) break;
      if (Date.now() > deadline) throw new Error(`not ready within ${(options.readyTimeoutMs ?? 120_000) / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    const tail = (await fs.readFile(options.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n');
    throw new Error(`${path.relative(projectRoot, entry)} did not start: ${(error as Error).message}${tail ? `\nits log (${options.logFile}) ends:\n${tail}` : ''}`, { cause: error });
  }
  return { pid: child.pid!, rssBytes: () => rssOf(child.pid!), stop };
}

/** Resident set size of a process in bytes, from /proc/PID/status. */
export async function rssOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

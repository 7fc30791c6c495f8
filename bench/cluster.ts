// The "cluster" bench section: Front Door in its production shape on one machine. Embedded PostgreSQL, the
// `temporal-server` binary with its persistence and visibility in that PostgreSQL, and the API and the worker as
// separate processes (`server/api.ts`, `server/worker.ts`), first one of each, then two of each with the contacts
// spread over both APIs. A burst of contacts through GraphQL `receiveContact`; each counts once its recommendation
// is found in PostgreSQL. Everything it starts is stopped at the end, also when a step fails.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { signToken } from '../api/auth';
import { startEmbeddedPostgres } from '../db/embedded';
import type { Sql } from '../db/sql';
import { parseEnvironment } from '../server/env';
import { openDatabaseAndBoroughs } from '../server/infra/boot';
import { freeTemporalServerPort, resolveTemporalServer, startTemporalOnPostgres } from '../server/infra/temporal-server';
import { createLogger } from '../server/logger';
import { spawnApi, spawnWorker } from './processes';
import type { BenchContext, BenchRow, BenchSection } from './types';
import { freePort } from '../server/infra/tools';

const SECTION = 'cluster';
/** Requests in flight at once while sending the burst (spread over the APIs in turn). */
const CONCURRENCY = 10;

export const cluster: BenchSection = { name: SECTION, run: runCluster };
export default cluster;

async function runCluster(context: BenchContext): Promise<BenchRow[]> {
  const count = context.scale === 'full' ? 1_000 : 20;
  const env = parseEnvironment();
  const stops: (() => Promise<void>)[] = [];
  try {
    context.say('cluster: starting embedded PostgreSQL');
    const pg = await startEmbeddedPostgres({ dataDir: path.join(context.scratch, 'cluster', 'postgres'), port: await freePort(), database: 'front_door_cluster' });
    stops.push(() => pg.stop());
    // Migrated and seeded once here, so the processes started below find nothing to change and do not race.
    const { sql, boroughs } = await openDatabaseAndBoroughs(env, pg.url, createLogger('silent'));
    stops.push(() => sql.end());
    const borough = boroughs.has('hf') ? 'hf' : [...boroughs.keys()][0]!;

    const tools = await resolveTemporalServer({ cache: { dir: env.FRONT_DOOR_CACHE_DIR, say: (line) => context.say(line) }, explicitPath: env.TEMPORAL_SERVER_PATH, pathVariable: process.env.PATH });
    context.say(`cluster: starting the Temporal server (${tools.server}) on that PostgreSQL`);
    const temporal = await startTemporalOnPostgres({ tools, databaseUrl: pg.url, frontendPort: await freeTemporalServerPort(), namespace: 'default', workDir: path.join(context.scratch, 'cluster', 'temporal') });
    stops.push(() => temporal.stop());

    // What every process shares: the database, the Temporal address and namespace, and the secrets.
    const shared = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      PAYLOAD_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      RATE_LIMIT_PER_MINUTE: '1000000',
      FRONT_DOOR_CACHE_DIR: env.FRONT_DOOR_CACHE_DIR,
      DATA_DIR: path.join(context.scratch, 'cluster', 'data'),
    };
    const token = await signToken({ secret: shared.AUTH_SECRET, issuer: env.AUTH_ISSUER }, { userId: 'bench', roles: ['practitioner'], boroughs: [borough] }, '2h');

    // Each run starts its own processes on a task queue of its own, so the second is not carried by a worker already
    // holding the first run's open workflows in its cache.
    const logDir = path.join(context.scratch, 'cluster', 'logs');
    let processes: Spawned[] = [];
    stops.push(() => Promise.all(processes.map((p) => p.stop())).then(() => undefined));
    const runs: RunResult[] = [];
    for (const size of [1, 2]) {
      const taskQueue = `bench-cluster-${size}-${randomUUID().slice(0, 8)}`;
      context.say(`cluster: starting ${size} worker(s) and ${size} API(s) on task queue ${taskQueue}`);
      const started = await Promise.allSettled([
        ...range(size).map((i) => spawnFrontDoor('worker', `worker ${i + 1} of ${size}`, { ...shared, TEMPORAL_TASK_QUEUE: taskQueue }, logDir)),
        ...range(size).map(async (i) => spawnFrontDoor('api', `API ${i + 1} of ${size}`, { ...shared, TEMPORAL_TASK_QUEUE: taskQueue, PORT: String(await freePort()) }, logDir)),
      ]);
      for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;

      const apis = processes.filter((p) => p.kind === 'api').map((p) => p.url!);
      // A few contacts first, so each new process has loaded the workflow code and opened its connections.
      await sendBurst({ sql, apis, token, borough, count: 2 * apis.length, say: () => {} });
      context.say(`cluster: ${count} contacts through ${size} API(s), waiting for each recommendation`);
      const burst = await sendBurst({ sql, apis, token, borough, count, say: (line) => context.say(line) });
      const rss = await Promise.all(processes.map(async (p) => ({ name: p.name, bytes: await peakRss(p.pid) })));
      runs.push({ size, ...burst, rss });
      await Promise.all(processes.map((p) => p.stop()));
      processes = [];
    }
    const temporalRss = await peakRss(temporal.pid);
    return rows(count, runs, temporalRss);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => context.say(`cluster: cleaning up failed: ${(error as Error).message}`));
  }
}

interface RunResult {
  size: number;
  throughput: number;
  waits: number[];
  rss: { name: string; bytes: number | undefined }[];
}

function rows(count: number, runs: RunResult[], temporalRss: number | undefined): BenchRow[] {
  const [one, two] = runs as [RunResult, RunResult];
  const shape = (size: number) => `${size} worker${size > 1 ? 's' : ''} + ${size} API${size > 1 ? 's' : ''}`;
  const waitNote = (run: RunResult) => `wait accepted → recommendation stored: p50 ${seconds(percentile(run.waits, 0.5))}, p99 ${seconds(percentile(run.waits, 0.99))}`;
  const out: BenchRow[] = [
    {
      section: SECTION,
      measure: `end to end, ${shape(1)} (Temporal server on PostgreSQL), burst of ${count}`,
      figure: `${one.throughput.toFixed(1)} contacts/s`,
      baseline: '—',
      ratio: null,
      target: '—',
      met: null,
      note: waitNote(one),
    },
    {
      section: SECTION,
      measure: `end to end, ${shape(2)}, burst of ${count}`,
      figure: `${two.throughput.toFixed(1)} contacts/s`,
      baseline: `${one.throughput.toFixed(1)} contacts/s`,
      ratio: two.throughput / one.throughput,
      target: 'shows 1 → 2 workers',
      met: null,
      note: `${waitNote(two)}; on one machine every process shares its cores with Temporal and PostgreSQL`,
    },
  ];
  for (const run of runs) {
    for (const { name, bytes } of run.rss) {
      out.push({ section: SECTION, measure: `peak RSS, ${name} (${shape(run.size)} run)`, figure: megabytes(bytes), baseline: '—', ratio: null, target: '—', met: null });
    }
  }
  out.push({ section: SECTION, measure: 'peak RSS, temporal-server (all services, both runs)', figure: megabytes(temporalRss), baseline: '—', ratio: null, target: '—', met: null });
  return out;
}

/**
 * Sends `count` contacts, CONCURRENCY at a time, to the APIs in turn; then polls PostgreSQL until every one has its
 * recommendation. Throughput is contacts over the time from the first request to the last recommendation stored.
 */
async function sendBurst(options: { sql: Sql; apis: string[]; token: string; borough: string; count: number; say: (line: string) => void }): Promise<{ throughput: number; waits: number[] }> {
  const accepted = new Map<string, number>();
  const stored = new Map<string, number>();
  const begin = performance.now();
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < options.count; i = next++) {
      const id = await receiveContact(options.apis[i % options.apis.length]!, options.token, options.borough, i);
      accepted.set(id, performance.now());
    }
  };

  let sending = true;
  let sendError: Error | undefined;
  const sent = Promise.all(range(CONCURRENCY).map(sender)).then(
    () => void (sending = false),
    (error: unknown) => {
      sending = false;
      sendError = error instanceof Error ? error : new Error(String(error));
    },
  );
  const deadline = Date.now() + 120_000 + options.count * 1_000;
  let lastSaid = Date.now();
  while (sending || stored.size < accepted.size) {
    // A failed request ends the burst (and the section) with its reason.
    if (sendError) throw sendError;
    const pending = [...accepted.keys()].filter((id) => !stored.has(id));
    if (pending.length > 0) {
      const found = await options.sql<{ id: string }[]>`select contact_id::text as id from recommendations where contact_id = any(${pending}::uuid[])`;
      const now = performance.now();
      for (const { id } of found) stored.set(id, now);
    }
    if (Date.now() > deadline) throw new Error(`cluster: only ${stored.size} of ${options.count} contacts were recommended in time`);
    if (Date.now() - lastSaid > 15_000) {
      options.say(`cluster: ${accepted.size} accepted, ${stored.size} recommended`);
      lastSaid = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await sent;
  if (sendError) throw sendError;
  const last = Math.max(...stored.values());
  return { throughput: options.count / ((last - begin) / 1000), waits: [...accepted].map(([id, at]) => stored.get(id)! - at) };
}

async function receiveContact(api: string, token: string, borough: string, index: number): Promise<string> {
  const response = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
      variables: {
        input: {
          borough, channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
          children: [{ firstName: 'Bench', lastName: `Cluster-${index}-${randomUUID().slice(0, 8)}`, dateOfBirth: DateTime.now().minus({ years: 2 + (index % 12) }).toISODate() }],
          indicators: ['NEGLECT'], summary: 'Child often arrives hungry and unwashed at nursery.',
        },
      },
    }),
  });
  const body = (await response.json()) as { data?: { receiveContact?: { contactId: string } }; errors?: { message: string }[] };
  const id = body.data?.receiveContact?.contactId;
  if (!id) throw new Error(`cluster: receiveContact on ${api} answered ${response.status}: ${body.errors?.map((e) => e.message).join('; ') ?? 'no contact id'}`);
  return id;
}

export interface Spawned {
  kind: 'api' | 'worker';
  name: string;
  pid: number;
  url: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `server/api.ts` or `server/worker.ts` as its own Node process (bench/processes.ts) with the given settings,
 * its output to a log file in `logDir`, and resolves once it is ready; a process that exits first fails with its log's
 * tail. Each has its own heap limit: 1 GB for a worker, 512 MB for an API.
 */
export async function spawnFrontDoor(kind: 'api' | 'worker', name: string, settings: Record<string, string>, logDir: string): Promise<Spawned> {
  const options = { maxOldSpaceMb: kind === 'api' ? 512 : 1024, logFile: path.join(logDir, `${name.replaceAll(' ', '-')}.log`), readyTimeoutMs: 120_000 };
  const started = kind === 'api' ? await spawnApi(settings, options) : await spawnWorker(settings, options);
  return { kind, name, pid: started.pid, url: kind === 'api' ? `http://${settings.HOST ?? '127.0.0.1'}:${settings.PORT}` : undefined, stop: () => started.stop() };
}

/** The process's peak resident memory so far (VmHWM), where /proc has it. */
async function peakRss(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${Math.round(bytes / (1024 * 1024))} MB`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}


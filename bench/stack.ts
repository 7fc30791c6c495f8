// A throwaway Front Door as `npm start` runs it, for the bench: embedded PostgreSQL and the Temporal CLI dev server
// (server/infra/boot.ts) on free ports under the run's scratch folder, migrated once here, then the API and the worker
// as SEPARATE processes (bench/processes.ts), each with its own heap limit. Everything is stopped by `stop()`.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DateTime } from 'luxon';
import { signToken } from '../api/auth';
import { contactIdFor, contactReference } from '../db/ids';
import type { Sql } from '../db/sql';
import { parseEnvironment } from '../server/env';
import { connectTemporalClient, openDatabaseAndBoroughs, startInfrastructure } from '../server/infra/boot';
import { parsePayloadKeys } from '../server/infra/payload-codec';
import { createLogger } from '../server/logger';
import { freePort } from '../tests/support/ports';
import { contactWorkflow, contactWorkflowId, type ReceivedContact } from '../workflows/contact';
import { spawnApi, spawnWorker, type BenchProcess } from './processes';
import type { BenchContext } from './types';

export const BOROUGH = 'hf';
const ISSUER = 'front-door';
/** Heap limits the bench gives each process (what a deployment would set: `node --max-old-space-size`). */
export const WORKER_HEAP_MB = 1024;
export const API_HEAP_MB = 512;

const active = new Set<() => Promise<void>>();

/** Stops every stack still running (the runner calls it when interrupted). */
export async function stopAllStacks(): Promise<void> {
  for (const stop of [...active]) await stop();
}

export interface BenchStack {
  sql: Sql;
  temporal: Client;
  /** The environment every process of this stack shares (add PORT, TEMPORAL_TASK_QUEUE, ... per process). */
  env: Record<string, string>;
  apiUrl: string;
  api: BenchProcess;
  worker: BenchProcess;
  token: string;
  /** Postgres and Temporal versions, for the machine line. */
  versions: { postgres: string };
  stop(): Promise<void>;
}

/** Starts PostgreSQL, Temporal, the worker and the API; stops what it started if any of it fails. */
export async function startBenchStack(context: BenchContext, name: string, extraWorkerEnv: Record<string, string> = {}): Promise<BenchStack> {
  const dir = path.join(context.scratch, name.replace(/\W+/g, '-'));
  const secret = randomBytes(32).toString('hex');
  const payloadKeys = `bench:${randomBytes(32).toString('base64')}`;
  const [pgPort, temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const base = parseEnvironment({
    DATA_DIR: dir,
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    AUTH_SECRET: secret,
    PAYLOAD_KEYS: payloadKeys,
    ...(process.env.FRONT_DOOR_CACHE_DIR ? { FRONT_DOOR_CACHE_DIR: process.env.FRONT_DOOR_CACHE_DIR } : {}),
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  });
  const log = createLogger('warn', 'bench');
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => context.say(`  (cleaning up: ${(error as Error).message})`));
    stops.length = 0;
    active.delete(stop);
  };
  active.add(stop);
  try {
    context.say(`${name}: starting embedded PostgreSQL (port ${pgPort}) and the Temporal dev server (port ${temporalPort}, UI port ${uiPort})`);
    const infrastructure = await startInfrastructure(base, log);
    stops.push(() => infrastructure.stop());
    const { sql } = await openDatabaseAndBoroughs(base, infrastructure.databaseUrl, log);
    stops.push(() => sql.end());
    const [{ version } = { version: '?' }] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
    const { connection, client } = await connectTemporalClient(infrastructure.temporalAddress, base.TEMPORAL_NAMESPACE, parsePayloadKeys(payloadKeys));
    stops.push(() => connection.close());

    const env: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: infrastructure.databaseUrl,
      TEMPORAL_ADDRESS: infrastructure.temporalAddress,
      TEMPORAL_NAMESPACE: base.TEMPORAL_NAMESPACE,
      AUTH_SECRET: secret,
      AUTH_ISSUER: ISSUER,
      PAYLOAD_KEYS: payloadKeys,
      FRONT_DOOR_CACHE_DIR: base.FRONT_DOOR_CACHE_DIR,
      BOROUGH_CONFIG_DIR: base.BOROUGH_CONFIG_DIR,
    };
    context.say(`${name}: starting the worker and the API (port ${apiPort}) as separate processes`);
    const worker = await spawnWorker({ ...env, TEMPORAL_TASK_QUEUE: 'front-door', ...extraWorkerEnv }, { maxOldSpaceMb: WORKER_HEAP_MB, logFile: path.join(dir, 'worker.log') });
    stops.push(() => worker.stop());
    // The API's per-user rate limit (600/min) would refuse a burst from one bench user: the bench measures the
    // API's own speed, so it lifts the limit for its one user.
    const api = await spawnApi({ ...env, TEMPORAL_TASK_QUEUE: 'front-door', PORT: String(apiPort), RATE_LIMIT_PER_MINUTE: '10000000' }, { maxOldSpaceMb: API_HEAP_MB, logFile: path.join(dir, 'api.log') });
    stops.push(() => api.stop());
    const token = await signToken({ secret, issuer: ISSUER }, { userId: 'bench', roles: ['mash_worker'], boroughs: [BOROUGH] }, '8h');
    return { sql, temporal: client, env, apiUrl: `http://127.0.0.1:${apiPort}/graphql`, api, worker, token, versions: { postgres: version }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const RECEIVE = 'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }';

/** A synthetic contact's GraphQL input: one child under 5, neglect, a health visitor; `key` makes it unique. */
export function contactInput(key: string): Record<string, unknown> {
  return {
    borough: BOROUGH,
    idempotencyKey: key,
    channel: 'PHONE',
    consent: 'NOT_SOUGHT',
    referrer: { type: 'HEALTH_VISITOR', organisation: 'Community health' },
    children: [{ firstName: 'Bench', lastName: `Child-${key}`, dateOfBirth: DateTime.now().minus({ years: 3 }).toISODate() }],
    indicators: ['NEGLECT'],
    summary: 'Synthetic contact for the benchmark.',
  };
}

/** Sends one receiveContact over HTTP; resolves with the contact id, throws with the error on any failure. */
export async function receiveContact(stack: Pick<BenchStack, 'apiUrl' | 'token'>, key: string): Promise<string> {
  const response = await fetch(stack.apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({ query: RECEIVE, variables: { input: contactInput(key) } }),
  });
  const body = (await response.json()) as { data?: { receiveContact?: { contactId: string } } | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const id = body.data?.receiveContact?.contactId;
  if (!id) throw new Error(`receiveContact: HTTP ${response.status} ${body.errors?.map((e) => e.extensions?.code ?? e.message).join(', ') ?? 'no data'}`);
  return id;
}

/** A trivial query on the same API (the framework's floor: HTTP, token, GraphQL, no data). */
export async function trivialQuery(stack: Pick<BenchStack, 'apiUrl' | 'token'>): Promise<void> {
  const response = await fetch(stack.apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await response.json()) as { data?: { __typename?: string } };
  if (body.data?.__typename !== 'Query') throw new Error(`trivial query: HTTP ${response.status}`);
}

/**
 * Starts a contact's workflow through the Temporal client directly, as receiveContact would (same workflow id, input
 * and memo), for sections where the API is not what is measured. Resolves with the contact id.
 */
export async function startContactDirectly(stack: Pick<BenchStack, 'temporal'>, key: string): Promise<string> {
  const contactId = contactIdFor(BOROUGH, key);
  const receivedAt = new Date();
  const reference = contactReference(BOROUGH, contactId, receivedAt);
  const input = contactInput(key) as { children: ReceivedContact['children'] };
  const contact: ReceivedContact = {
    contactId, reference, borough: BOROUGH, idempotencyKey: key, receivedAt: receivedAt.toISOString(), receivedBy: 'bench', channel: 'PHONE',
    referrer: { type: 'HEALTH_VISITOR', name: null, organisation: 'Community health', contactDetails: null },
    children: input.children.map((child) => ({ ...child, expectedDateOfBirth: null })),
    indicators: ['NEGLECT'], summary: 'Synthetic contact for the benchmark.', consent: 'NOT_SOUGHT', rulesetVersion: null,
  };
  await stack.temporal.workflow.start(contactWorkflow, {
    taskQueue: 'front-door', workflowId: contactWorkflowId(contactId), args: [{ contact }],
    memo: { reference, fingerprint: `bench-${key}`, borough: BOROUGH }, workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  return contactId;
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` at once; resolves when all are done. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Polls until `done()` is true, calling it every `everyMs`; throws after `timeoutMs`. */
export async function pollUntil(what: string, done: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
export const ms = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : '—');
export const sec = (value: number) => `${(value / 1000).toFixed(1)} s`;

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { signToken, type Role } from '../../api/auth';
import { createApp, type ApiLimits } from '../../api/app';
import { listenForCaseEvents } from '../../api/events';
import { syncSeedRulesets } from '../../db/rulesets';
import { createSql, type Sql, type StatementHook } from '../../db/sql';
import { loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { projectRoot } from '../../server/env';
import { encryptedDataConverter } from '../../server/infra/boot';
import { createLogger, type Logger } from '../../server/logger';
import { createFrontDoorWorker, installTemporalLogging, stopWorker, workflowInterceptorModules, workflowsPath } from '../../server/infra/worker';
import type { ApiMetrics, Telemetry } from '../../server/infra/telemetry';

export const AUTH = { secret: 'test-secret-test-secret-test-secret-0001', issuer: 'front-door' };
/** The payload key the test stack encrypts workflow history with. */
export const TEST_PAYLOAD_KEYS = [{ id: 'test-2026', key: Buffer.alloc(32, 7) }];
const dataConverter = encryptedDataConverter(TEST_PAYLOAD_KEYS);
export const logger = createLogger('silent', 'test');
installTemporalLogging(createLogger('error', 'temporal-sdk'));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let tracedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file (bundling takes a few seconds); with tracing, with its interceptor module. */
export function workflowBundle(telemetry?: Telemetry | null): Promise<WorkflowBundleWithSourceMap> {
  const build = () => bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowInterceptorModules(telemetry), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  if (telemetry) return (tracedBundle ??= build());
  bundle ??= build();
  return bundle;
}

export interface TestStack {
  /** Base URL of a real HTTP server in front of the API. */
  url: string;
  sql: Sql;
  temporal: Client;
  boroughs: BoroughRegistry;
  taskQueue: string;
  /** Sends a GraphQL request over HTTP as the given caller (or nobody). */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, as?: string | null): Promise<GraphQLResult<T>>;
  token(caller: { user?: string; roles?: Role[]; boroughs: string[] }, expiresIn?: string): Promise<string>;
  /** Opens a GraphQL subscription over server-sent events as the given caller. */
  subscribe(query: string, as: string, variables?: Record<string, unknown>): Subscription;
  /** Stops and restarts the worker (a crash and a redeploy, as far as Temporal can tell). */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface Subscription {
  /** Resolves once the server has accepted the subscription (a refusal comes back as a plain GraphQL error instead). */
  ready(): Promise<void>;
  /** The next event's data; throws with the error codes if the event carries errors. */
  next(): Promise<unknown>;
  close(): void;
}

export interface GraphQLResult<T> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; path?: string[]; extensions?: { code?: string; problems?: { field: string; message: string }[] } }[] | undefined;
}

/**
 * A whole Front Door against the run's real PostgreSQL and Temporal (or those given): a worker on a task queue of
 * its own, and the API on a real HTTP port.
 */
export async function startStack(options: {
  databaseUrl?: string; boroughConfigDir?: string; now?: () => Date; production?: boolean; limits?: Partial<ApiLimits>; logger?: Logger; temporalAddress?: string; onStatement?: StatementHook;
  /** Tracing on (server/infra/telemetry.ts startTelemetry), and the API's metrics. */
  telemetry?: Telemetry; metrics?: ApiMetrics;
} = {}): Promise<TestStack> {
  const sql = createSql(options.databaseUrl ?? inject('databaseUrl'), { max: 5, onStatement: options.onStatement });
  const boroughs = await loadBoroughConfigs(options.boroughConfigDir ?? path.join(projectRoot, 'borough-config'));
  await syncSeedRulesets(sql, boroughs);
  const taskQueue = `test-${randomUUID()}`;
  const address = options.temporalAddress ?? inject('temporalAddress');

  const workerConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: 'default', dataConverter, ...(options.telemetry ? { interceptors: options.telemetry.clientInterceptors('api') } : {}) });
  const activities = createActivities({ sql, boroughs, temporal, taskQueue });
  const startWorker = async () => {
    const worker = await createFrontDoorWorker({ connection: workerConnection, namespace: 'default', taskQueue, activities, dataConverter, workflowBundle: await workflowBundle(options.telemetry), telemetry: options.telemetry ?? null });
    return { worker, running: worker.run() };
  };
  let current = await startWorker();

  const events = await listenForCaseEvents(sql, () => {});
  const app = createApp(
    { sql, temporal, temporalConnection: connection, taskQueue, boroughs, auth: AUTH, events, now: options.now ?? (() => new Date()) },
    { production: options.production ?? false, logger: options.logger ?? logger, limits: options.limits, tracer: options.telemetry?.tracer('api') ?? null, metrics: options.metrics ?? null },
  );
  const server: Server = createServer((request, response) => void app(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    sql,
    temporal,
    boroughs,
    taskQueue,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}, as: string | null = null) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${as}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResult<T>, 'status'>;
      return { status: response.status, data: body.data, errors: body.errors };
    },
    token: ({ user = 'tester', roles = ['practitioner'], boroughs: codes }, expiresIn = '1h') => signToken(AUTH, { userId: user, roles, boroughs: codes }, expiresIn),
    subscribe: (query, as, variables = {}) => subscribeOverSse(url, query, as, variables),
    async restartWorker() {
      await stopWorker(current.worker, current.running);
      current = await startWorker();
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await events.close();
      await stopWorker(current.worker, current.running);
      await connection.close();
      await workerConnection.close();
      await sql.end();
    },
  };
}

function subscribeOverSse(url: string, query: string, token: string, variables: Record<string, unknown>): Subscription {
  const controller = new AbortController();
  const response = fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  let buffer = '';
  const decoder = new TextDecoder();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    async ready() {
      const answer = await response;
      const type = answer.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream')) throw new Error(`subscription refused (${answer.status}): ${await answer.text()}`);
    },
    async next() {
      reader ??= (await response).body!.getReader();
      for (;;) {
        const match = /(?:^|\n)event: next\ndata: (.*)\n\n/.exec(buffer);
        if (match) {
          buffer = buffer.slice(match.index + match[0].length);
          const body = JSON.parse(match[1]!) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
          if (body.errors) throw new Error(body.errors.map((e) => e.extensions?.code).join(','));
          return body.data;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`subscription ended; received: ${buffer}`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

/** Polls `read` until `done` holds, or fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

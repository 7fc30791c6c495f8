import { createHash, timingSafeEqual } from 'node:crypto';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { TokenError, verifyToken } from './auth';
import type { ApiContext, ApiServices } from './context';
import { CONSOLE_BUILD_DIR, useConsole } from './console';
import { apiError } from './errors';
import { schema } from './schema/index';
import { useObservability, type ApiMetrics } from '../server/infra/telemetry';

export type FrontDoorApp = YogaServerInstance<Record<string, unknown>, ApiContext>;

/** Limits that keep one caller from exhausting the API. */
export interface ApiLimits {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Requests per minute per token (or per address for unauthenticated callers). */
  requestsPerMinute: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
}

export const DEFAULT_LIMITS: ApiLimits = { maxBodyBytes: 256 * 1024, requestsPerMinute: 600, maxDepth: 10, maxCost: 20_000, maxAliases: 20, maxTokens: 5_000 };

/**
 * The GraphQL app (graphql-yoga): `/graphql`, `/healthz` (the process is up), `/readyz` (PostgreSQL and Temporal
 * answer) and the console's static files under `/console` (api/console.ts). Built here and served elsewhere, so tests call `app.fetch` without a port. In production, GraphiQL and
 * introspection are off; always, query depth, cost, aliases and tokens are limited, request bodies are capped, each
 * token is rate limited, and unexpected errors are masked.
 */
export function createApp(
  services: ApiServices,
  options: {
    production: boolean;
    logger: Logger;
    limits?: Partial<ApiLimits>;
    /** The built console (dist/console by default). */
    consoleDir?: string;
    /** Spans for each request (tracing on); none when absent. */
    tracer?: Tracer | null;
    /** Counted per operation and served on `/metrics` (see useMetricsEndpoint). */
    metrics?: ApiMetrics | null;
    /** METRICS_TOKEN: when set, `/metrics` needs `Authorization: Bearer <token>`. */
    metricsToken?: string | undefined;
  },
): FrontDoorApp {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return createYoga<Record<string, unknown>, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    graphiql: !options.production,
    // GraphiQL's page, scripts and styles from the installed package, not a CDN: it works on a network without internet.
    renderGraphiQL,
    landingPage: false,
    maskedErrors: true,
    logging: {
      debug: (...args) => options.logger.debug(args.map(String).join(' ')),
      info: (...args) => options.logger.info(args.map(String).join(' ')),
      warn: (...args) => options.logger.warn(args.map(String).join(' ')),
      error: (...args) => options.logger.error({ err: args.find((a) => a instanceof Error) }, 'graphql request failed'),
    },
    context: async ({ request }) => ({
      caller: await callerOf(request, services),
      services,
      purpose: request.headers.get('x-purpose')?.trim().slice(0, 200) || null,
      log: options.logger,
    }),
    plugins: [
      useConsole(options.consoleDir ?? CONSOLE_BUILD_DIR),
      ...(options.tracer || options.metrics ? [useObservability({ tracer: options.tracer ?? null, metrics: options.metrics ?? null })] : []),
      ...(options.metrics ? [useMetricsEndpoint(options.metrics, { production: options.production, token: options.metricsToken })] : []),
      useRequestLimits(limits, services),
      maxTokensPlugin({ n: limits.maxTokens }),
      maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
      maxAliasesPlugin({ n: limits.maxAliases }),
      costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true }),
      ...(options.production ? [useDisableIntrospection()] : []),
      useReadinessCheck({
        endpoint: '/readyz',
        check: async ({ fetchAPI }) => {
          const checks = await Promise.all([
            probe('postgres', () => services.sql`select 1`),
            // A real deadline, so the client stops retrying the call (an abandoned call would retry on a closed channel).
            probe('temporal', () => services.temporalConnection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => services.temporalConnection.healthService.check({}))),
          ]);
          const failing = checks.filter((c) => !c.ok).map((c) => c.name);
          return new fetchAPI.Response(JSON.stringify({ ready: failing.length === 0, failing }), {
            status: failing.length === 0 ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          });
        },
      }),
    ],
  });
}

/**
 * Refuses oversized bodies (413; a body without a declared length, 411) and callers over their per-minute budget
 * (429), before any GraphQL work. The budget is per signed-in user; a request without a valid token counts against
 * its network address, so made-up tokens do not buy a fresh budget each.
 */
function useRequestLimits(limits: ApiLimits, services: ApiServices): Plugin {
  const windows = new Map<string, { start: number; count: number }>();
  const forget = (now: number) => {
    for (const [key, window] of windows) if (now - window.start >= 60_000) windows.delete(key);
  };
  return {
    async onRequest(payload) {
      const { request, url, serverContext, fetchAPI } = payload;
      const refuse = (status: number, code: string, message: string) =>
        payload.endResponse(new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json' } }));
      if (url.pathname !== '/graphql') return;
      const declared = request.headers.get('content-length');
      if (request.method === 'POST' && declared === null) {
        refuse(411, 'REQUEST_TOO_LARGE', `Send the request with a Content-Length header (at most ${limits.maxBodyBytes} bytes); a body of unstated length is not read.`);
        return;
      }
      const length = Number(declared ?? 0);
      if (length > limits.maxBodyBytes) {
        refuse(413, 'REQUEST_TOO_LARGE', `The request body is ${length} bytes; the limit is ${limits.maxBodyBytes}. Send less at once.`);
        return;
      }
      const now = Date.now();
      const caller = await verifiedUser(request, services);
      const key = createHash('sha256').update(caller ? `user:${caller}` : `address:${addressOf(serverContext)}`).digest('base64url');
      const window = windows.get(key);
      if (!window || now - window.start >= 60_000) {
        if (windows.size > 50_000) forget(now);
        windows.set(key, { start: now, count: 1 });
      } else if (++window.count > limits.requestsPerMinute) {
        refuse(429, 'RATE_LIMITED', `More than ${limits.requestsPerMinute} requests in a minute from ${caller ? 'you' : 'this address'}: wait ${Math.ceil((window.start + 60_000 - now) / 1000)} s and try again.`);
      }
    },
  };
}

/**
 * `/metrics` in Prometheus's text format. Outside production it is open (a local run); in production it is served
 * only when METRICS_TOKEN is set, and then only to `Authorization: Bearer <METRICS_TOKEN>` (404 otherwise, as if absent).
 */
function useMetricsEndpoint(metrics: ApiMetrics, access: { production: boolean; token: string | undefined }): Plugin {
  return {
    async onRequest(payload) {
      const { url, request, fetchAPI } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      if (url.pathname !== '/metrics') return;
      const digest = (text: string) => createHash('sha256').update(text).digest();
      const open = access.token === undefined ? !access.production : timingSafeEqual(digest(request.headers.get('authorization') ?? ''), digest(`Bearer ${access.token}`));
      if (!open) {
        endResponse(new fetchAPI.Response(access.token === undefined ? 'Not found' : 'Send Authorization: Bearer <METRICS_TOKEN>.', { status: access.token === undefined ? 404 : 401 }));
        return;
      }
      endResponse(new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }));
    },
  };
}

/** The user id of a valid bearer token, or null (no token, or one that does not verify: the context says why). */
async function verifiedUser(request: Request, services: ApiServices): Promise<string | null> {
  try {
    return (await callerOf(request, services))?.userId ?? null;
  } catch {
    return null;
  }
}

function addressOf(serverContext: unknown): string {
  const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket;
  return socket?.remoteAddress ?? 'unknown';
}

/** The request's caller, verified once per request (the rate limit and the context both need it). */
const callers = new WeakMap<Request, ReturnType<typeof callerFrom>>();
function callerOf(request: Request, services: ApiServices): ReturnType<typeof callerFrom> {
  let caller = callers.get(request);
  if (!caller) {
    caller = callerFrom(request.headers.get('authorization'), services);
    caller.catch(() => undefined);
    callers.set(request, caller);
  }
  return caller;
}

async function callerFrom(header: string | null, services: ApiServices) {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw apiError('UNAUTHENTICATED', 'The Authorization header must be `Bearer <token>`.');
  try {
    return await verifyToken(services.auth, match[1]);
  } catch (error) {
    if (error instanceof TokenError) throw apiError('UNAUTHENTICATED', error.message);
    throw error;
  }
}

const PROBE_TIMEOUT_MS = 3_000;

async function probe(name: string, check: () => Promise<unknown>): Promise<{ name: string; ok: boolean }> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref());
  try {
    await Promise.race([check(), timeout]);
    return { name, ok: true };
  } catch {
    return { name, ok: false };
  }
}

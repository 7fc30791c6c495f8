import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { TokenError, verifyToken } from './auth';
import type { ApiContext, ApiServices } from './context';
import { apiError } from './errors';
import { schema } from './schema/index';

export type FrontDoorApp = YogaServerInstance<Record<string, unknown>, ApiContext>;

/**
 * The GraphQL app (graphql-yoga): `/graphql`, `/healthz` (the process is up) and `/readyz` (PostgreSQL and Temporal
 * answer). Built here and served elsewhere, so tests call `app.fetch` without a port.
 */
export function createApp(services: ApiServices, options: { graphiql: boolean; logger: Logger }): FrontDoorApp {
  return createYoga<Record<string, unknown>, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    graphiql: options.graphiql,
    landingPage: false,
    maskedErrors: true,
    logging: {
      debug: (...args) => options.logger.debug(args.map(String).join(' ')),
      info: (...args) => options.logger.info(args.map(String).join(' ')),
      warn: (...args) => options.logger.warn(args.map(String).join(' ')),
      error: (...args) => options.logger.error({ err: args.find((a) => a instanceof Error) }, 'graphql request failed'),
    },
    context: async ({ request }) => ({ caller: await callerFrom(request.headers.get('authorization'), services), services }),
    plugins: [
      useReadinessCheck({
        endpoint: '/readyz',
        check: async ({ fetchAPI }) => {
          const checks = await Promise.all([
            probe('postgres', () => services.sql`select 1`),
            probe('temporal', () => services.temporalConnection.healthService.check({})),
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

async function probe(name: string, check: () => Promise<unknown>): Promise<{ name: string; ok: boolean }> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3_000).unref());
  try {
    await Promise.race([check(), timeout]);
    return { name, ok: true };
  } catch {
    return { name, ok: false };
  }
}

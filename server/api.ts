import { createServer } from 'node:http';
import { createApp } from '../api/app';
import { listenForCaseEvents } from '../api/events';
import { connectTemporalClient, openDatabaseAndBoroughs } from './infra/boot';
import { activeTelemetry, ApiMetrics } from './infra/telemetry';
import { runEntryPoint } from './main';

// `npm run api`: the GraphQL API alone, against TEMPORAL_ADDRESS and DATABASE_URL (production shape).
runEntryPoint('front-door-api', async (env, log) => {
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    throw new Error('`npm run api` needs DATABASE_URL and TEMPORAL_ADDRESS set; for a local all-in-one run use `npm start`.');
  }
  const { sql, boroughs } = await openDatabaseAndBoroughs(env, env.DATABASE_URL, log);
  const { connection, client } = await connectTemporalClient(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE, env.PAYLOAD_KEYS);
  const events = await listenForCaseEvents(sql, (payload) => log.warn({ length: payload.length }, 'ignored a malformed case notice'));
  const app = createApp(
    { sql, temporal: client, temporalConnection: connection, taskQueue: env.TEMPORAL_TASK_QUEUE, boroughs, auth: { secret: env.AUTH_SECRET, issuer: env.AUTH_ISSUER }, events, now: () => new Date() },
    {
      production: env.NODE_ENV === 'production', logger: log, limits: { requestsPerMinute: env.RATE_LIMIT_PER_MINUTE, maxBodyBytes: env.MAX_REQUEST_BYTES },
      tracer: activeTelemetry()?.tracer('api') ?? null, metrics: new ApiMetrics(), metricsToken: env.METRICS_TOKEN,
    },
  );
  const server = createServer((request, response) => void app(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  log.info({ url: `http://${env.HOST}:${env.PORT}/graphql` }, 'API listening');
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await events.close();
    await connection.close();
    await sql.end();
  };
});

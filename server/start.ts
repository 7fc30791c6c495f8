import { createServer } from 'node:http';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import { listenForCaseEvents } from '../api/events';
import { connectTemporalClient, encryptedDataConverter, openDatabaseAndBoroughs, startInfrastructure } from './infra/boot';
import { ensureConsoleBuilt } from './infra/console-build';
import { createFrontDoorWorker, installTemporalLogging, stopWorker } from './infra/worker';
import { activeTelemetry, ApiMetrics } from './infra/telemetry';
import { runEntryPoint } from './main';

// `npm start`: everything for a newcomer in one process tree. PostgreSQL and Temporal are started here (or the
// configured ones used), with their data under DATA_DIR, so a second `npm start` finds everything it had.
runEntryPoint('front-door', async (env, log) => {
  installTemporalLogging(log, { metricsAddress: env.WORKER_METRICS_ADDRESS });
  // The console's static files, built once and again only when console/ or the installed packages change.
  await ensureConsoleBuilt({ say: (message) => log.info(message) });
  const infra = await startInfrastructure(env, log);
  const closers: [string, () => Promise<unknown>][] = [['PostgreSQL and Temporal', () => infra.stop()]];
  const stop = async () => {
    for (const [name, close] of closers.reverse()) {
      log.debug({ step: name }, 'stopping');
      await close().catch((error: unknown) => log.warn({ err: error, step: name }, 'stopping failed'));
    }
  };
  try {
    const { sql, boroughs } = await openDatabaseAndBoroughs(env, infra.databaseUrl, log);
    closers.push(['database pool', () => sql.end()]);

    const { connection, client } = await connectTemporalClient(infra.temporalAddress, env.TEMPORAL_NAMESPACE, env.PAYLOAD_KEYS);
    closers.push(['client connection', () => connection.close()]);
    const workerConnection = await NativeConnection.connect({ address: infra.temporalAddress });
    closers.push(['worker connection', () => workerConnection.close()]);
    const activities = createActivities({ sql, boroughs, temporal: client, taskQueue: env.TEMPORAL_TASK_QUEUE });
    const worker = await createFrontDoorWorker({ connection: workerConnection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, activities, dataConverter: encryptedDataConverter(env.PAYLOAD_KEYS), maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS, telemetry: activeTelemetry() });
    const running = worker.run();
    closers.push(['worker', () => stopWorker(worker, running)]);
    running.catch((error: unknown) => log.fatal({ err: error }, 'worker stopped unexpectedly'));

    const events = await listenForCaseEvents(sql, (payload) => log.warn({ length: payload.length }, 'ignored a malformed case notice'));
    closers.push(['case event listener', () => events.close()]);
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
    closers.push(['HTTP server', () => new Promise<void>((resolve) => server.close(() => resolve()))]);

    const api = `http://${env.HOST}:${env.PORT}`;
    process.stdout.write(
      [
        '',
        'Front Door is running.',
        `  GraphQL API   ${api}/graphql${env.NODE_ENV !== 'production' ? '   (GraphiQL in your browser)' : ''}`,
        `  Console       ${api}/console/   (paste a token to sign in)`,
        `  Health        ${api}/healthz   ${api}/readyz`,
        `  Temporal      ${infra.temporalAddress}${infra.temporalUi ? `   UI ${infra.temporalUi}` : ''}`,
        `  Data          ${env.DATABASE_URL ? 'DATABASE_URL' : env.DATA_DIR}`,
        '  A development token: npm run token -- --user alice --roles practitioner --boroughs hf',
        '  Ctrl-C stops everything; data is kept for the next start.',
        '',
      ].join('\n'),
    );
    return stop;
  } catch (error) {
    await stop();
    throw error;
  }
});

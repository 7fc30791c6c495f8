import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnFrontDoor, type Spawned } from '../bench/cluster';
import { startEmbeddedPostgres } from '../db/embedded';
import { parseEnvironment } from '../server/env';
import { openDatabaseAndBoroughs } from '../server/infra/boot';
import { resolveTemporalServer, startTemporalOnPostgres } from '../server/infra/temporal-server';
import { createLogger } from '../server/logger';

// `npm run cluster -- [--workers 2] [--apis 2]`: the production shape on one machine. PostgreSQL (DATABASE_URL, or
// embedded with its data under DATA_DIR/cluster), the Temporal server on it (frontend on TEMPORAL_DEV_PORT), then
// N workers and N APIs as separate processes (APIs on PORT, PORT+1, ...), every one with the same settings. Ctrl-C
// stops them all. Each process's log is in DATA_DIR/cluster/logs.
const usage = 'usage: npm run cluster -- [--workers N] [--apis N]   (1 to 8 each; default 2 and 2)';
const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, apis: { type: 'string', default: '2' } } });
const workers = Number(values.workers);
const apis = Number(values.apis);
if (![workers, apis].every((n) => Number.isInteger(n) && n >= 1 && n <= 8)) {
  console.error(`--workers and --apis must be whole numbers from 1 to 8.\n${usage}`);
  process.exit(1);
}

const env = parseEnvironment();
const log = createLogger(env.LOG_LEVEL, 'front-door-cluster');
const dir = path.join(env.DATA_DIR, 'cluster');
const stops: (() => Promise<void>)[] = [];
const processes: Spawned[] = [];
const stopAll = async () => {
  await Promise.all(processes.map((p) => p.stop()));
  for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.warn({ err: error }, 'stopping failed'));
};

try {
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: env.EMBEDDED_POSTGRES_PORT, database: 'front_door' });
    stops.push(() => pg.stop());
    databaseUrl = pg.url;
  }
  // Migrated once here, so the processes below find nothing to change.
  const { sql } = await openDatabaseAndBoroughs(env, databaseUrl, log);
  await sql.end();

  const tools = await resolveTemporalServer({ cache: { dir: env.FRONT_DOOR_CACHE_DIR, say: (message) => log.info(message) }, explicitPath: env.TEMPORAL_SERVER_PATH, pathVariable: process.env.PATH });
  const temporal = await startTemporalOnPostgres({ tools, databaseUrl, frontendPort: env.TEMPORAL_DEV_PORT, namespace: env.TEMPORAL_NAMESPACE, workDir: path.join(dir, 'temporal') });
  stops.push(() => temporal.stop());
  log.info({ address: temporal.address }, 'Temporal server on PostgreSQL running');

  // Every process gets this process's settings (AUTH_SECRET, PAYLOAD_KEYS, ... as they were given), pointed at the same database and Temporal.
  const shared = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  // Each process says it is ready in an info line, so they log at info at least.
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(env.LOG_LEVEL);
  Object.assign(shared, { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, ...(quiet ? { LOG_LEVEL: 'info' } : {}) });
  const logDir = path.join(dir, 'logs');
  const started = await Promise.allSettled([
    ...Array.from({ length: workers }, (_, i) => spawnFrontDoor('worker', `worker ${i + 1}`, shared, logDir)),
    ...Array.from({ length: apis }, (_, i) => spawnFrontDoor('api', `API ${i + 1}`, { ...shared, PORT: String(env.PORT + i) }, logDir)),
  ]);
  for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;

  console.log(
    [
      '',
      `Front Door cluster: ${workers} worker(s) on task queue ${env.TEMPORAL_TASK_QUEUE}, Temporal at ${temporal.address} (PostgreSQL databases ${temporal.databases.persistence}, ${temporal.databases.visibility})`,
      ...processes.filter((p) => p.url).map((p) => `  ${p.name}: ${p.url}/graphql`),
      `Put a load balancer in front of the APIs. Logs: ${logDir}. Ctrl-C stops everything.`,
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping the cluster');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  console.error(`The cluster could not start: ${(error as Error).message}`);
  await stopAll();
  process.exit(1);
}

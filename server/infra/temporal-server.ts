import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import postgres from 'postgres';
import { isExecutable, onPath, run, ToolUnavailableError, type ToolsCache, exists, readTail, stopChild } from './tools';
import { waitUntilServing, type RunningTemporal } from './temporal-dev-server';

// The production-shaped Temporal: the `temporal-server` binary (frontend, history, matching and worker services in one
// process) with its persistence and visibility in PostgreSQL, as a Temporal cluster runs them. The binary and its
// schema tool are built from the Go module once per machine into the tools cache, like the CLI.

/** The server line the Temporal CLI v1.5.1 embeds; the Go module proxy serves it and it builds with Go 1.25 or later. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

/** The two binaries, and the PostgreSQL schema files they were built with (kept for a DBA to read). */
export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** The module's schema/postgresql/v12 folder (temporal/ and visibility/), or undefined when not shipped beside an explicit binary. */
  schemaDir: string | undefined;
  source: string;
}

export interface TemporalServerToolsOptions {
  cache: ToolsCache;
  /** TEMPORAL_SERVER_PATH: an explicit `temporal-server` binary, with `temporal-sql-tool` beside it. */
  explicitPath?: string | undefined;
  /** The PATH to search for `go`. */
  pathVariable: string | undefined;
}

/**
 * Finds `temporal-server` and `temporal-sql-tool`: TEMPORAL_SERVER_PATH (with the SQL tool in the same folder), then
 * the tools cache; otherwise builds both there with Go from the module proxy (minutes on a small machine; a progress
 * line every 30 seconds). Fails with every option tried and how to fix it.
 */
export async function resolveTemporalServer(options: TemporalServerToolsOptions): Promise<TemporalServerTools> {
  const { cache } = options;
  const attempts: string[] = [];

  if (options.explicitPath) {
    const sqlTool = path.join(path.dirname(options.explicitPath), 'temporal-sql-tool');
    const problems = [
      ...((await isExecutable(options.explicitPath)) ? [] : [`TEMPORAL_SERVER_PATH=${options.explicitPath}: not an executable file`]),
      ...((await isExecutable(sqlTool)) ? [] : [`${sqlTool}: missing (temporal-sql-tool must sit beside temporal-server)`]),
    ];
    if (problems.length === 0) {
      const schemaDir = path.join(path.dirname(options.explicitPath), 'schema', 'postgresql', 'v12');
      return { server: options.explicitPath, sqlTool, schemaDir: (await exists(schemaDir)) ? schemaDir : undefined, source: 'TEMPORAL_SERVER_PATH' };
    }
    throw new ToolUnavailableError('The Temporal server', problems, 'point TEMPORAL_SERVER_PATH at a `temporal-server` binary with `temporal-sql-tool` in the same folder, or unset it to let Front Door build both.');
  }
  attempts.push('TEMPORAL_SERVER_PATH: not set');

  const dir = temporalServerCacheDir(cache);
  const cached = laidOut(dir);
  if ((await isExecutable(cached.server)) && (await isExecutable(cached.sqlTool))) return { ...cached, source: 'tools cache' };
  attempts.push(`tools cache ${dir}: not built yet`);

  const go = await onPath('go', options.pathVariable);
  if (!go) {
    attempts.push('`go` on PATH (to build the server): not found');
    throw new ToolUnavailableError('The Temporal server', attempts, 'install Go 1.25 or later and run `npm run setup`, or set TEMPORAL_SERVER_PATH to a `temporal-server` binary with `temporal-sql-tool` beside it.');
  }
  try {
    await buildIntoCache(go, dir, cache.say);
    return { ...cached, source: `built with Go from ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}` };
  } catch (error) {
    attempts.push(`building ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} with ${go}: failed: ${(error as Error).message}`);
    throw new ToolUnavailableError(
      'The Temporal server',
      attempts,
      'check that the Go module proxy is reachable (GOPROXY) and Go is 1.25 or later, then run `npm run setup` again; or set TEMPORAL_SERVER_PATH to a `temporal-server` binary with `temporal-sql-tool` beside it.',
    );
  }
}

export function temporalServerCacheDir(cache: ToolsCache): string {
  return path.join(cache.dir, `temporal-server-${TEMPORAL_SERVER_VERSION.slice(1)}`);
}

function laidOut(dir: string): Omit<TemporalServerTools, 'source'> {
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool'), schemaDir: path.join(dir, 'schema', 'postgresql', 'v12') };
}

/**
 * `go install` of cmd/server and cmd/tools/sql at the pinned version (the server's go.mod has no replace directives,
 * so Go accepts it outside a module), into a fresh folder that is renamed into place only when complete: an
 * interrupted build leaves nothing that looks finished.
 */
async function buildIntoCache(go: string, dir: string, say: (message: string) => void): Promise<void> {
  const partial = `${dir}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(partial, { recursive: true });
  const env = { ...process.env, GOBIN: partial, GOFLAGS: '-buildvcs=false' };
  const modules = [`${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`];
  say(`Building the Temporal server and its SQL tool into ${dir} with \`go install ${modules.join(' ')}\` (once per machine; 5-15 minutes on 2 cores)...`);
  const started = Date.now();
  const progress = setInterval(() => say(`  still building the Temporal server (${Math.round((Date.now() - started) / 60_000)} min so far)...`), 30_000);
  try {
    await run(go, ['install', ...modules], { env });
    await fs.rename(path.join(partial, 'server'), path.join(partial, 'temporal-server'));
    await fs.rename(path.join(partial, 'sql'), path.join(partial, 'temporal-sql-tool'));
    // The schema files, from the module the binaries were built from.
    const module = JSON.parse(await run(go, ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], { env })) as { Dir?: string };
    if (!module.Dir) throw new Error(`go mod download did not say where ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} is`);
    await fs.cp(path.join(module.Dir, 'schema', 'postgresql', 'v12'), path.join(partial, 'schema', 'postgresql', 'v12'), { recursive: true });
    await fs.chmod(path.join(partial, 'schema'), 0o755);
    await makeWritable(path.join(partial, 'schema'));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(partial, dir);
    say(`Built ${path.join(dir, 'temporal-server')} in ${Math.round((Date.now() - started) / 1000)} s.`);
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true });
    throw error;
  } finally {
    clearInterval(progress);
  }
}

/** Files copied from the module cache are read-only; let the cache folder be removed like any other. */
async function makeWritable(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    await fs.chmod(full, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) await makeWritable(full);
  }
}

export interface TemporalOnPostgresOptions {
  tools: TemporalServerTools;
  /** Any database on the PostgreSQL server to use; its user must be allowed to create databases. */
  databaseUrl: string;
  /** The databases to hold Temporal's persistence and visibility (created when missing). */
  databases?: { persistence: string; visibility: string };
  /**
   * The frontend's gRPC port (what TEMPORAL_ADDRESS points at), below 32768 (see freeTemporalServerPort); the
   * internal services take free ports of their own.
   */
  frontendPort: number;
  namespace: string;
  /** The server's config, dynamic config and log go here. */
  workDir: string;
  /**
   * History shards: fixed when the persistence database is first set up and never changeable afterwards. 4 here:
   * each shard costs a lease and its own task-queue readers whether busy or not, and one shard carries hundreds of
   * workflow transitions a second, more than two cores can feed. A production cluster picks 512 or more, once.
   */
  historyShards?: number;
  readyTimeoutMs?: number;
}

export interface RunningTemporalServer extends RunningTemporal {
  pid: number;
  databases: { persistence: string; visibility: string };
}

/**
 * Sets up Temporal's two databases on the given PostgreSQL (created when missing, schema set up once and updated on
 * every start, so a second start changes nothing), writes a config, starts `temporal-server` with every service on
 * 127.0.0.1, waits until the frontend answers, and registers the namespace (the server does not create it). Fails
 * with the tail of the server's log when it does not come up.
 */
export async function startTemporalOnPostgres(options: TemporalOnPostgresOptions): Promise<RunningTemporalServer> {
  const databases = options.databases ?? { persistence: 'temporal', visibility: 'temporal_visibility' };
  if (options.frontendPort > MAX_TEMPORAL_PORT) {
    throw new Error(`The Temporal server's frontend port must be at most ${MAX_TEMPORAL_PORT} (Temporal stores it in PostgreSQL as a smallint); ${options.frontendPort} was given.`);
  }
  const target = parsePostgresUrl(options.databaseUrl);
  await fs.mkdir(options.workDir, { recursive: true });
  const logFile = path.join(options.workDir, 'temporal-server.log');

  await createDatabases(options.databaseUrl, databases);
  await setUpSchema(options.tools, target, databases.persistence, 'postgresql/v12/temporal', logFile);
  await setUpSchema(options.tools, target, databases.visibility, 'postgresql/v12/visibility', logFile);

  const configDir = path.join(options.workDir, 'config');
  await fs.mkdir(configDir, { recursive: true });
  const ports = { frontend: options.frontendPort, ...(await internalPorts()) };
  await fs.writeFile(path.join(configDir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
  await fs.writeFile(path.join(configDir, 'front-door.yaml'), serverConfig({ target, databases, ports, historyShards: options.historyShards ?? 4, dynamicConfig: path.join(configDir, 'dynamicconfig.yaml') }), { mode: 0o600 });

  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(options.tools.server, ['--root', options.workDir, '--config', 'config', '--env', 'front-door', '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${options.frontendPort}`;
  const stop = async () => {
    await stopChild(child, exited, 15_000);
    log.end();
  };

  try {
    await waitUntilServing(address, exited, options.readyTimeoutMs ?? 120_000);
    await registerNamespace(address, options.namespace, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await stop();
    const tail = await readTail(logFile);
    throw new Error(`The Temporal server (${options.tools.server}) did not start on ${address} over PostgreSQL: ${(error as Error).message}${tail ? `\nIts log (${logFile}) ends:\n${tail}` : ''}`, { cause: error });
  }
  return { address, uiAddress: undefined, pid: child.pid!, databases, stop };
}

interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

function parsePostgresUrl(url: string): PostgresTarget {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432), user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

async function createDatabases(databaseUrl: string, databases: { persistence: string; visibility: string }): Promise<void> {
  for (const name of [databases.persistence, databases.visibility]) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Temporal database name "${name}" must be lower-case letters, digits and underscores.`);
  }
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    for (const name of [databases.persistence, databases.visibility]) {
      const [found] = await admin`select 1 from pg_database where datname = ${name}`;
      if (!found) await admin.unsafe(`create database "${name}"`);
    }
  } catch (error) {
    throw new Error(`Could not create Temporal's databases ${databases.persistence} and ${databases.visibility} (the PostgreSQL user needs CREATEDB, or create them yourself): ${(error as Error).message}`, { cause: error });
  } finally {
    await admin.end();
  }
}

/**
 * `setup-schema -v 0.0` once (only while the database has no schema_version table: running it again would reset the
 * recorded version), then `update-schema` to the binary's own schema version, which applies only what is missing.
 * The schema comes from the files embedded in the binary, so it always matches the server.
 */
async function setUpSchema(tools: TemporalServerTools, target: PostgresTarget, database: string, schemaName: string, logFile: string): Promise<void> {
  const url = `postgres://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}@${target.host}:${target.port}/${database}`;
  const db = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  let versioned: boolean;
  try {
    const [row] = await db<{ exists: boolean }[]>`select to_regclass('schema_version') is not null as exists`;
    versioned = row?.exists ?? false;
  } finally {
    await db.end();
  }
  // The password goes by environment, never on a command line another user could read.
  const env = { ...process.env, SQL_PASSWORD: target.password };
  const common = ['--plugin', 'postgres12', '--endpoint', target.host, '--port', String(target.port), '--user', target.user, '--database', database];
  try {
    if (!versioned) await fs.appendFile(logFile, await run(tools.sqlTool, [...common, 'setup-schema', '-v', '0.0'], { env }));
    await fs.appendFile(logFile, await run(tools.sqlTool, [...common, 'update-schema', '--schema-name', schemaName], { env }));
  } catch (error) {
    throw new Error(`Setting up Temporal's schema in database ${database} with ${tools.sqlTool} failed: ${(error as Error).message}`, { cause: error });
  }
}

async function registerNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
    }
    // The frontend learns of a new namespace on its next registry refresh; wait until it does.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`namespace ${namespace} was registered but not served within ${timeoutMs / 1000} s: ${(error as Error).message}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await connection.close();
  }
}

const ALREADY_EXISTS = 6;

interface Ports {
  frontend: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

async function internalPorts(): Promise<Omit<Ports, 'frontend'>> {
  return {
    frontendMembership: await freeTemporalServerPort(),
    history: await freeTemporalServerPort(),
    historyMembership: await freeTemporalServerPort(),
    matching: await freeTemporalServerPort(),
    matchingMembership: await freeTemporalServerPort(),
    worker: await freeTemporalServerPort(),
    workerMembership: await freeTemporalServerPort(),
  };
}

// What the CLI's dev server turns on that Front Door relies on (workflow updates for the episode steps).
const DYNAMIC_CONFIG = `frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

function serverConfig(options: { target: PostgresTarget; databases: { persistence: string; visibility: string }; ports: Ports; historyShards: number; dynamicConfig: string }): string {
  const { target, databases, ports } = options;
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: ${JSON.stringify(database)}
        connectAddr: ${JSON.stringify(`${target.host}:${target.port}`)}
        connectProtocol: "tcp"
        user: ${JSON.stringify(target.user)}
        password: ${JSON.stringify(target.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true`;
  return `# Written by Front Door (server/infra/temporal-server.ts) on each start.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${options.historyShards}
  datastores:
    postgres-default:
${store(databases.persistence, 20)}
    postgres-visibility:
${store(databases.visibility, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(ports.frontend, ports.frontendMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  history:
${service(ports.history, ports.historyMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${JSON.stringify(options.dynamicConfig)}
  pollInterval: "10s"
`;
}

/**
 * A port free on 127.0.0.1 below 32768. Temporal records each service's membership port in PostgreSQL as a smallint,
 * so the ports the operating system hands out (32768 and up on Linux) are refused there; this picks at random in
 * 20000-32767 and keeps the first that binds.
 */
export async function freeTemporalServerPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (MAX_TEMPORAL_PORT - 20_000));
    if (await bindable(port)) return port;
  }
  throw new Error('No free port between 20000 and 32767 on 127.0.0.1 for the Temporal server.');
}

const MAX_TEMPORAL_PORT = 32_767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}




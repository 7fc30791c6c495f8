import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded';
import { syncBoroughSettings } from '../../db/borough-settings';
import { migrate } from '../../db/migrate';
import { syncSeedRulesets } from '../../db/rulesets';
import { createSql, type Sql } from '../../db/sql';
import { loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { bankHolidaysRunningOut } from '../../rules/calendar';
import { isCi, type Environment } from '../env';
import { resolveTemporalCli } from './temporal-cli';
import { EncryptionCodec, type EncryptionKey } from './payload-codec';
import { startTemporalDevServer, type RunningTemporal } from './temporal-dev-server';
import { activeTelemetry, type TelemetryRole } from './telemetry';

/** PostgreSQL and Temporal: connected to the configured ones, or started here for a local run. */
export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUi: string | undefined;
  /** Stops whatever this process started (nothing, when both were configured). */
  stop(): Promise<void>;
}

/** Uses DATABASE_URL and TEMPORAL_ADDRESS when set; otherwise starts embedded PostgreSQL and the Temporal dev server with their data under DATA_DIR. */
export async function startInfrastructure(env: Environment, log: Logger): Promise<Infrastructure> {
  const started: (RunningPostgres | RunningTemporal)[] = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping a service failed'));
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = path.join(env.DATA_DIR, 'postgres');
      log.info({ dataDir, port: env.EMBEDDED_POSTGRES_PORT }, 'starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_POSTGRES_PORT, database: 'front_door' });
      started.push(pg);
      databaseUrl = pg.url;
    }

    let temporalAddress = env.TEMPORAL_ADDRESS;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      const cli = await resolveTemporalCli({
        cache: { dir: env.FRONT_DOOR_CACHE_DIR, say: (message) => log.info(message) },
        explicitPath: env.TEMPORAL_CLI_PATH,
        pathVariable: process.env.PATH,
        allowDownload: !isCi(),
      });
      const dbFile = path.join(env.DATA_DIR, 'temporal.sqlite');
      log.info({ cli: cli.type === 'existing-path' ? cli.path : cli.downloadDir, source: cli.source, dbFile }, 'starting the Temporal dev server');
      const temporal = await startTemporalDevServer({
        cli,
        dbFile,
        port: env.TEMPORAL_DEV_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        namespace: env.TEMPORAL_NAMESPACE,
        logFile: path.join(env.DATA_DIR, 'temporal.log'),
      });
      started.push(temporal);
      temporalAddress = temporal.address;
      temporalUi = temporal.uiAddress;
    }
    return { databaseUrl, temporalAddress, temporalUi, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Opens the database (migrating it) and loads every borough's configuration, failing on any problem. */
export async function openDatabaseAndBoroughs(env: Environment, databaseUrl: string, log: Logger): Promise<{ sql: Sql; boroughs: BoroughRegistry }> {
  const boroughs = await loadBoroughConfigs(env.BOROUGH_CONFIG_DIR);
  log.info({ boroughs: [...boroughs.keys()] }, 'borough configuration loaded');
  for (const borough of boroughs.values()) {
    const warning = bankHolidaysRunningOut(borough.calendar, new Date());
    if (warning) log.warn({ borough: borough.code }, `borough ${borough.code}: ${warning}`);
  }
  const sql = createSql(databaseUrl);
  try {
    const applied = await migrate(sql);
    if (applied.length > 0) log.info({ applied }, 'database migrated');
    // Each borough's thresholds.json is the seed of its published rules; settings changes are versioned too.
    const seeded = (await syncSeedRulesets(sql, boroughs)).filter((r) => r.seeded);
    if (seeded.length > 0) log.info({ seeded }, 'threshold rulesets seeded from borough-config');
    await syncBoroughSettings(sql, boroughs);
  } catch (error) {
    await sql.end();
    throw error;
  }
  return { sql, boroughs };
}

/**
 * A Temporal client for the configured namespace, encrypting every payload it sends and decrypting what it reads;
 * with tracing on, each workflow start or update is a span of the caller's trace (`role` names the service).
 */
export async function connectTemporalClient(address: string, namespace: string, keys: readonly EncryptionKey[], role: TelemetryRole = 'api'): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address });
  const interceptors = activeTelemetry()?.clientInterceptors(role);
  return { connection, client: new Client({ connection, namespace, dataConverter: encryptedDataConverter(keys), ...(interceptors ? { interceptors } : {}) }) };
}

/** The data converter every Front Door client and worker uses: JSON payloads, encrypted with AES-256-GCM. */
export function encryptedDataConverter(keys: readonly EncryptionKey[]): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}

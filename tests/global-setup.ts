import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { createSql } from '../db/sql';
import { syncSeedRulesets } from '../db/rulesets';
import { loadBoroughConfigs } from '../rules/borough-config';
import { isCi, parseEnvironment, projectRoot } from '../server/env';
import { ensureCinValidator } from '../server/infra/cin-validator';
import { ensureConsoleBuilt } from '../server/infra/console-build';
import { resolveTemporalCli } from '../server/infra/temporal-cli';
import { startTemporalDevServer } from '../server/infra/temporal-dev-server';
import { resolveTemporalServer, type TemporalServerTools } from '../server/infra/temporal-server';
import { ensureTimeSkippingServer } from '../server/infra/time-skipping-server';
import { freePort } from './support/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    timeSkippingServer: string;
    scratchDir: string;
    /** The CIN census validator's Python, or why it could not be installed (the census tests fail with that reason). */
    cinValidator: { python: string | null; problem: string | null };
    /** The Temporal server and SQL tool built from the Go module, or why they could not be (that test fails saying so). */
    temporalServer: { tools: TemporalServerTools | null; problem: string | null };
  }
}

// One real PostgreSQL (fresh cluster, or DATABASE_URL) and one real Temporal dev server (in memory) for the whole
// integration run; each test file then runs its own worker on its own task queue. Binaries come from the tools cache.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = parseEnvironment();
  const say = (message: string) => process.stdout.write(`[test setup] ${message}\n`);
  const cache = { dir: env.FRONT_DOOR_CACHE_DIR, say };
  const scratchDir = await fs.mkdtemp(path.join(os.tmpdir(), 'front-door-test-'));
  await fs.chmod(scratchDir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`teardown: ${String(error)}`));
    await fs.rm(scratchDir, { recursive: true, force: true });
  };

  try {
    const timeSkippingServer = await ensureTimeSkippingServer(cache, process.env.PATH);
    // The console the API serves under /console (the browser tests use it): built when its sources changed.
    await ensureConsoleBuilt({ say });

    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(scratchDir, 'postgres'), port: await freePort(), database: 'front_door_test' });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    const sql = createSql(databaseUrl, { max: 1 });
    try {
      await migrate(sql);
      // The shipped boroughs' rules, published as they are at start-up (throwaway boroughs seed their own).
      await syncSeedRulesets(sql, await loadBoroughConfigs(path.join(projectRoot, 'borough-config')));
    } finally {
      await sql.end();
    }

    let temporalAddress = env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const cli = await resolveTemporalCli({ cache, explicitPath: env.TEMPORAL_CLI_PATH, pathVariable: process.env.PATH, allowDownload: !isCi() });
      const temporal = await startTemporalDevServer({ cli, port: await freePort(), namespace: 'default', logFile: path.join(scratchDir, 'temporal.log') });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
    }

    // The CIN census validator: built once into the tools cache; without it only the census tests fail, saying why.
    const cinValidator = await ensureCinValidator(cache, process.env.PATH).then(
      (python) => ({ python, problem: null }),
      (error: unknown) => ({ python: null, problem: (error as Error).message }),
    );

    // The Temporal server on PostgreSQL: built once into the tools cache (minutes, the first time), like the CLI.
    const temporalServer = await resolveTemporalServer({ cache, explicitPath: env.TEMPORAL_SERVER_PATH, pathVariable: process.env.PATH }).then(
      (tools) => ({ tools, problem: null }),
      (error: unknown) => ({ tools: null, problem: (error as Error).message }),
    );

    project.provide('databaseUrl', databaseUrl);
    project.provide('temporalServer', temporalServer);
    project.provide('cinValidator', cinValidator);
    project.provide('temporalAddress', temporalAddress);
    project.provide('timeSkippingServer', timeSkippingServer);
    project.provide('scratchDir', scratchDir);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}

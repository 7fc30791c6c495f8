// `npm run bench`: how long a what-if simulation of a draft ruleset takes over 10,000 past contacts, on a real
// PostgreSQL. Starts a throwaway embedded PostgreSQL in a temporary folder (or uses DATABASE_URL, writing synthetic
// contacts into a borough of its own: never point it at a database holding real cases), stores 10,000 synthetic
// contacts with the recommendations the seed rules gave them, drafts stricter rules and simulates them several times.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { createRulesetDraft, rulesetVersion, syncSeedRulesets } from '../db/rulesets';
import { pastContacts, simulateRuleset, type SimulationReport } from '../db/simulation';
import { createSql, type Sql } from '../db/sql';
import { insertPastContacts, syntheticContacts } from '../db/synthetic-contacts';
import { loadBoroughConfigs, type Borough } from '../rules/borough-config';
import { evaluateThresholds, parseRuleset } from '../rules/thresholds';
import { parseEnvironment } from '../server/env';

const CONTACTS = 10_000;
const RUNS = 5;
const PERIOD = { from: new Date('2026-07-01T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z') };

const env = parseEnvironment();
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'front-door-bench-'));
await fs.chmod(scratch, 0o755);
let pg: RunningPostgres | undefined;
let sql: Sql | undefined;
try {
  let url = env.DATABASE_URL;
  if (!url) {
    console.log('starting a throwaway embedded PostgreSQL ...');
    pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'postgres'), port: await freePort(), database: 'front_door_bench' });
    url = pg.url;
  }
  sql = createSql(url, { max: 4 });
  await migrate(sql);
  const [{ version: pgVersion } = { version: '?' }] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;

  // A borough of the benchmark's own, seeded with H&F's rules.
  const code = `bench-${randomBytes(3).toString('hex')}`;
  const hf = (await loadBoroughConfigs(env.BOROUGH_CONFIG_DIR)).get('hf')!;
  const seed = parseRuleset({ ...hf.ruleset, borough: code });
  if (!seed.ok) throw new Error('the hf rules do not parse');
  const borough: Borough = { ...hf, code, ruleset: seed.ruleset, rulesetHash: seed.hash };
  await syncSeedRulesets(sql, new Map([[code, borough]]), 'bench');
  const v1 = await rulesetVersion(sql, code, 1);

  let started = performance.now();
  const contacts = syntheticContacts(CONTACTS, PERIOD, 42);
  const items = [];
  for (const contact of contacts) items.push({ contact, recommendation: await evaluateThresholds(v1.ruleset, v1.hash, contact) });
  await insertPastContacts(sql, code, items);
  console.log(`stored ${CONTACTS} synthetic past contacts with their recommendations in ${seconds(performance.now() - started)}`);

  // The draft: domestic abuse with a child under 5 at level 4 RED, and repeat contacts counted from 2 rather than 3.
  const stricter = structuredClone(v1.ruleset);
  const daU5 = stricter.rules.find((r) => r.id === 'da-u5')!;
  daU5.outcome = { levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED' };
  for (const rule of stricter.rules.filter((r) => r.id === 'repeat-l2' || r.id === 'neglect-repeat')) {
    rule.conditions = JSON.parse(JSON.stringify(rule.conditions).replace('"value":3', '"value":2')) as typeof rule.conditions;
  }
  const actor = { userId: 'bench', role: 'administrator' };
  const draft = await createRulesetDraft(sql, { borough: code, actor, now: new Date(), reason: 'benchmark', content: stricter });

  const timings: { wall: number; report: SimulationReport }[] = [];
  for (let run = 0; run <= RUNS; run++) {
    started = performance.now();
    const report = await simulateRuleset(sql, { borough: code, version: draft.version, ...PERIOD, actor, now: new Date() });
    if (run > 0) timings.push({ wall: performance.now() - started, report });
  }
  const reads: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    started = performance.now();
    await pastContacts(sql, code, PERIOD);
    reads.push(performance.now() - started);
  }
  reads.sort((a, b) => a - b);
  const walls = timings.map((t) => t.wall).sort((a, b) => a - b);
  const { summary } = timings[0]!.report;
  console.log(
    [
      '',
      `simulateRuleset over ${summary.contactsInPeriod} past contacts (${summary.compared} compared, ${summary.changed} changed: ` +
        `${summary.pathwayChanged} pathway, ${summary.ragChanged} RAG), ${RUNS} runs after one warm-up:`,
      `  median ${seconds(walls[Math.floor(walls.length / 2)]!)}, fastest ${seconds(walls[0]!)}, slowest ${seconds(walls[walls.length - 1]!)} (wall clock, report written)`,
      `  of which reading the contacts, children and stored recommendations from PostgreSQL: median ${seconds(reads[Math.floor(reads.length / 2)]!)}`,
      `  machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.versions.node}, PostgreSQL ${pgVersion}${pg ? ' (embedded, same machine)' : ''}`,
    ].join('\n'),
  );
} finally {
  await sql?.end();
  await pg?.stop();
  await fs.rm(scratch, { recursive: true, force: true });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

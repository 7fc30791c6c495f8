// "simulation": how long a what-if simulation of a draft ruleset takes over 10,000 past contacts, on a real
// PostgreSQL. Starts a throwaway embedded PostgreSQL in the run's scratch folder (or uses DATABASE_URL, writing
// synthetic contacts into a borough of its own: never point it at a database holding real cases), stores 10,000
// synthetic contacts (smoke: 500) with the recommendations the seed rules gave them, drafts stricter rules and
// simulates them several times. The baseline is reading the same contacts from PostgreSQL alone.
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
import { freePort } from '../tests/support/ports';
import type { BenchContext, BenchRow, BenchSection } from './types';

const RUNS = 5;
const PERIOD = { from: new Date('2026-07-01T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z') };

export const simulationSection: BenchSection = {
  name: 'simulation',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const CONTACTS = context.scale === 'smoke' ? 500 : 10_000;
    const env = parseEnvironment();
    let pg: RunningPostgres | undefined;
    let sql: Sql | undefined;
    try {
      let url = env.DATABASE_URL;
      if (!url) {
        context.say('starting a throwaway embedded PostgreSQL');
        pg = await startEmbeddedPostgres({ dataDir: path.join(context.scratch, 'postgres'), port: await freePort(), database: 'front_door_bench' });
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
      context.say(`stored ${CONTACTS} synthetic past contacts with their recommendations in ${seconds(performance.now() - started)}`);

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
      const median = (list: number[]) => list[Math.floor(list.length / 2)]!;
      const simulated = median(walls);
      const read = median(reads);
      return [
        {
          section: 'simulation',
          measure: `simulateRuleset over ${summary.contactsInPeriod} past contacts, median of ${RUNS} after a warm-up`,
          figure: seconds(simulated),
          baseline: `${seconds(read)} (reading them from PostgreSQL)`,
          ratio: simulated / read,
          target: '—',
          met: null,
          note: `${summary.changed} changed; fastest ${seconds(walls[0]!)}, slowest ${seconds(walls[walls.length - 1]!)}; PostgreSQL ${pgVersion}`,
        },
      ];
    } finally {
      await sql?.end();
      await pg?.stop();
    }
  },
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

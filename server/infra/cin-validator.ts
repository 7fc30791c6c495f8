import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../env';
import { isExecutable, onPath, run, ToolUnavailableError, type ToolsCache, exists } from './tools';

/** The community CIN census validator (PyPI `csc-validator-be-cin`, MIT) the census export is checked against. */
export const CIN_VALIDATOR_VERSION = '0.1.13';
const PACKAGES = [`csc-validator-be-cin==${CIN_VALIDATOR_VERSION}`, 'numpy<2', 'pytest'];

/**
 * Returns the Python of a venv in the tools cache with the CIN census validator installed; builds it once with
 * `python3.11 -m venv` and `pip install csc-validator-be-cin==0.1.13 'numpy<2' pytest`. The validator's pandas 1.5.3
 * has no wheels for Python 3.12+, pandas crashes at import under numpy 2, and the validator imports pytest.
 */
export async function ensureCinValidator(cache: ToolsCache, pathVariable: string | undefined): Promise<string> {
  const home = path.join(cache.dir, `cin-validator-${CIN_VALIDATOR_VERSION}`);
  const python = path.join(home, 'bin', 'python');
  const marker = path.join(home, '.installed');
  if ((await isExecutable(python)) && (await exists(marker))) return python;

  const python311 = await onPath('python3.11', pathVariable);
  const attempts = [`tools cache ${home}: not built yet`, `python3.11 on PATH: ${python311 ?? 'not found'}`];
  if (!python311) {
    throw new ToolUnavailableError('The CIN census validator', attempts, 'install Python 3.11 (the validator\'s pandas 1.5.3 has no wheels for 3.12 or newer) so that `python3.11` is on PATH, then run `npm run setup`.');
  }
  cache.say(`Building a Python 3.11 venv with ${PACKAGES.join(' ')} in ${home} (once per machine)...`);
  await fs.rm(home, { recursive: true, force: true });
  try {
    await run(python311, ['-m', 'venv', home]);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES]);
    await run(python, ['-c', 'import cin_validator.rules.cin2025_26']);
  } catch (error) {
    attempts.push(`python3.11 -m venv ${home} && pip install ${PACKAGES.join(' ')}: ${(error as Error).message}`);
    throw new ToolUnavailableError('The CIN census validator', attempts, 'check that pip can reach PyPI (PIP_INDEX_URL, proxies), then run `npm run setup` again.');
  }
  await fs.writeFile(marker, `${PACKAGES.join(' ')}\n`);
  cache.say(`CIN census validator ready: ${python}`);
  return python;
}


/** What the validator found: child-level issues, header and return-level issues, and rules that raised instead of running. */
export interface CinValidation {
  ruleset: string;
  childIssues: { child_id: string | null; rule_code: string; rule_description: string; tables_affected: string | null; columns_affected: string | null; row_id: string | null }[];
  returnIssues: { rule_code: string; rule_description: string }[];
  ruleErrors: { rule: string; error: string }[];
}

/**
 * Runs scripts/validate-cin.py (the validator's Python API, not its CLI, which exits 0 and hides header issues) on a
 * census XML file with the venv's Python; resolves with every issue it found. Rejects when the validator cannot run.
 */
export async function validateCinCensus(python: string, xmlFile: string, ruleset = 'cin2025_26'): Promise<CinValidation> {
  const script = path.join(projectRoot, 'scripts', 'validate-cin.py');
  // Run from outside the validator's own package folder (it imports its rules by package name).
  const output = await run(python, [script, xmlFile, ruleset], { cwd: path.dirname(xmlFile) });
  const parsed = JSON.parse(output.trim().split('\n').at(-1)!) as CinValidation | { error: string };
  if ('error' in parsed) throw new Error(`The CIN census validator could not check ${xmlFile}: ${parsed.error}`);
  return parsed;
}

/**
 * The one check every threshold ruleset passes before anything uses it (start-up, validation, publishing, rollback).
 * It reports every problem at once, each with its path in the ruleset.
 */
import { checkCoverage, type CoverageReport } from './coverage';
import { parseRuleset, type Ruleset, type RulesetProblem } from './thresholds';

/** The outcome of validateRuleset: `valid` only when there are no problems; warnings never block. */
export type RulesetValidation =
  | { valid: true; ruleset: Ruleset; hash: string; problems: []; warnings: RulesetProblem[]; coverage: CoverageReport }
  | { valid: false; problems: RulesetProblem[]; warnings: RulesetProblem[]; coverage: CoverageReport | null };

/**
 * Checks a whole ruleset: its shape (zod); that json-rules-engine accepts every rule; that every fact, operator and
 * value is in the fact vocabulary; that every outcome is a known level, pathway and RAG rating; that the ruleset is
 * for `expected.borough` (and `expected.version`, when given); and coverage and conflicts on a grid of
 * representative contacts (checkCoverage): every contact gets exactly one recommendation, and every rule can fire.
 */
export function validateRuleset(json: unknown, expected: { borough?: string; version?: number; source?: string } = {}): RulesetValidation {
  const parsed = parseRuleset(json, expected.source);
  if (!parsed.ok) return { valid: false, problems: parsed.problems, warnings: [], coverage: null };
  const { ruleset, hash } = parsed;
  const problems: RulesetProblem[] = [];
  if (expected.borough !== undefined && ruleset.borough !== expected.borough) {
    problems.push({ path: 'borough', message: `is "${ruleset.borough}" but this ruleset is for borough "${expected.borough}"` });
  }
  if (expected.version !== undefined && ruleset.version !== expected.version) {
    problems.push({ path: 'version', message: `is ${ruleset.version} but this is version ${expected.version}` });
  }
  const coverage = checkCoverage(ruleset);
  problems.push(...coverage.problems);
  if (problems.length > 0) return { valid: false, problems, warnings: coverage.warnings, coverage: coverage.coverage };
  return { valid: true, ruleset, hash, problems: [], warnings: coverage.warnings, coverage: coverage.coverage };
}

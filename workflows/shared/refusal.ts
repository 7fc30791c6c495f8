import { ApplicationFailure } from '@temporalio/workflow';

// How a workflow refuses a human step (the API maps each type to its error code, api/updates.ts):
//  - 'Forbidden'    the caller lacks the role this step (or this variant of it) needs  → FORBIDDEN
//  - 'InvalidState' not possible at this stage; the message says what comes first       → INVALID_STATE
//  - 'BadInput'     the content breaks a rule: every problem at once, each with its field → BAD_USER_INPUT
// Role and stage refusals stop the check at once; content problems are collected while a validator runs (see
// `validating`) and refused together, each with the field it is about in the workflow's own input (`note`,
// `actions[0].owner`, or '' for the input as a whole); the API turns those into paths in the caller's request.

/** One content problem, with its field in the workflow's input ('' for the input as a whole). */
export interface StepProblem {
  field: string;
  message: string;
}

let collecting: StepProblem[] | null = null;

/** Refuses at once: the caller lacks the role (say which role may do it). */
export function forbid(message: string): never {
  throw ApplicationFailure.create({ type: 'Forbidden', message, nonRetryable: true });
}

/** Refuses at once: not possible at this stage (say what comes first). */
export function invalidState(message: string): never {
  throw ApplicationFailure.create({ type: 'InvalidState', message, nonRetryable: true });
}

/**
 * A content problem, "field: what to fix" (several fields may follow one another: "a: …. b: …"); a message that
 * names no field is about the input as a whole. Inside `validating` it is collected and the check goes on; outside
 * (in a handler) it refuses at once.
 */
export function problem(message: string): void {
  const found = splitProblems(message);
  if (collecting) collecting.push(...found);
  else throw badInput(found);
}

/**
 * Runs a validator's checks, collecting every content problem, and refuses once with all of them. A role or stage
 * refusal still stops the check at once (and wins over any content problem found before it).
 */
export function validating(check: () => void): void {
  const outer = collecting;
  const found: StepProblem[] = [];
  collecting = found;
  try {
    check();
  } finally {
    collecting = outer;
  }
  if (found.length > 0) throw badInput(found);
}

function badInput(problems: StepProblem[]): ApplicationFailure {
  const message = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join(' ');
  return ApplicationFailure.create({ type: 'BadInput', message, details: [problems], nonRetryable: true });
}

/** "heldOn: … is a weekend" is one problem with `heldOn`; "a: …. b: …" two; a message naming no field, one with ''. */
export function splitProblems(message: string): StepProblem[] {
  const FIELD = /(?:^|(?<=[.;] ))([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+|\[\d+\])*): /g;
  const starts = [...message.matchAll(FIELD)];
  if (starts.length === 0 || starts[0]!.index !== 0) return [{ field: '', message }];
  return starts.map((match, i) => ({
    field: match[1]!,
    message: message.slice(match.index + match[0].length, starts[i + 1]?.index ?? message.length).trim(),
  }));
}

import { GraphQLError } from 'graphql';

/**
 * Every error code the API returns on purpose, with what the caller should do. The README's error catalogue lists
 * the same codes; anything else is masked as INTERNAL_SERVER_ERROR.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 'No valid bearer token: send `Authorization: Bearer <token>` with a current token.',
  FORBIDDEN: 'Your token does not grant this role or borough: ask an administrator for access.',
  BAD_USER_INPUT: 'The input breaks a rule: `extensions.problems` lists each field and what to fix.',
  NOT_FOUND: 'Nothing with that id is visible to you: check the id, or your boroughs.',
  CASELOAD_LIMIT: 'The worker is at the borough\'s caseload limit: allocate to someone else, or close or transfer a case first.',
  INVALID_STATE: 'The case is not at a stage where this can be done; the message says why and what comes first.',
  RULESET_INVALID: 'The ruleset has problems, so it cannot be published (or simulated): `extensions.problems` lists each with its path in the ruleset.',
  RULESET_WRONG_STATE: 'The ruleset version is not at the lifecycle step this needs (e.g. publishing an unapproved draft, changing a published version); the message says what comes first.',
  SECOND_ADMINISTRATOR_REQUIRED: 'An administrator cannot approve their own ruleset draft: ask a second administrator of the borough to approve it.',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key already recorded a different contact: use a new key for a new contact.',
  REQUEST_TOO_LARGE: 'The request body is over the size limit (HTTP 413): send less at once.',
  RATE_LIMITED: 'Too many requests from this token in a minute (HTTP 429): wait and try again.',
  SERVICE_UNAVAILABLE: 'A service Front Door needs is unreachable; nothing was recorded: try again shortly.',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** One field-level problem with the input: `field` is the input path, e.g. `input.children[0].dateOfBirth`. */
export interface InputProblem {
  field: string;
  message: string;
}

/**
 * An expected failure, shown to the caller as is (yoga masks every other error). A BAD_USER_INPUT always carries
 * `extensions.problems`: given, or read from the message, which names its field first ("first: must be …").
 */
export function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const problems = code === 'BAD_USER_INPUT' && !('problems' in extra) ? { problems: problemsIn(message) } : {};
  return new GraphQLError(message, { extensions: { code, ...problems, ...extra } });
}

/**
 * The problems a refusal's message names: "heldOn: … is a weekend" is one problem with `heldOn`; several problems
 * with one input come as one message with a field each ("description: …. dueDate: …"). Fields are given `under`
 * a prefix (e.g. `input`); a message that names no field is one problem with the whole (`under`, or `input`).
 */
export function problemsIn(message: string, under = ''): InputProblem[] {
  const FIELD = /(?:^|(?<=[.;] ))([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+|\[\d+\])*): /g;
  const starts = [...message.matchAll(FIELD)];
  if (starts.length === 0 || starts[0]!.index !== 0) return [{ field: under || 'input', message }];
  return starts.map((match, i) => ({
    field: under ? `${under}.${match[1]!}` : match[1]!,
    message: message.slice(match.index + match[0].length, starts[i + 1]?.index ?? message.length).trim(),
  }));
}

/** A BAD_USER_INPUT error naming every problem at once. */
export function inputError(problems: InputProblem[]): GraphQLError {
  const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return apiError('BAD_USER_INPUT', `The input has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${list}`, { problems });
}

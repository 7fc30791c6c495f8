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
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key already recorded a different contact: use a new key for a new contact.',
  SERVICE_UNAVAILABLE: 'A service Front Door needs is unreachable; nothing was recorded: try again shortly.',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** One field-level problem with the input: `field` is the input path, e.g. `input.children[0].dateOfBirth`. */
export interface InputProblem {
  field: string;
  message: string;
}

/** An expected failure, shown to the caller as is (yoga masks every other error). */
export function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** A BAD_USER_INPUT error naming every problem at once. */
export function inputError(problems: InputProblem[]): GraphQLError {
  const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return apiError('BAD_USER_INPUT', `The input has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${list}`, { problems });
}

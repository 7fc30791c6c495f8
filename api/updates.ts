import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { splitProblems, type StepProblem } from '../workflows/shared/refusal';
import { apiError, type InputProblem } from './errors';

/**
 * Where a workflow's field names are in the caller's request: each operation says how its arguments carry the step's
 * input, so `extensions.problems[].field` is always a path in the caller's own request.
 */
export type FieldPaths = (field: string) => string;
/** The step's input is the operation's `input` argument: `note` → `input.note`; the input as a whole → `input`. */
export const underInput: FieldPaths = (field) => (field ? `input.${field}` : 'input');
/** The step's fields are the operation's own arguments: `reason` → `reason`; the input as a whole → `whole`. */
export const asArguments = (whole: string): FieldPaths => (field) => field || whole;

/**
 * Sends a human step to a case's workflow as a Temporal update and waits for its validator and handler. A refusal
 * comes back as FORBIDDEN (a role the step needs), INVALID_STATE (not possible at this stage) or BAD_USER_INPUT
 * (every problem with the content, each with its path in the caller's request, by `paths`), with the workflow's
 * reason; a finished case as INVALID_STATE; an unreachable Temporal as SERVICE_UNAVAILABLE.
 */
export async function runCaseUpdate<Ret, Arg>(temporal: Client, workflowId: string, update: UpdateDefinition<Ret, [Arg]>, args: [Arg], paths: FieldPaths): Promise<Ret> {
  try {
    return await temporal.workflow.getHandle(workflowId).executeUpdate(update, { args });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      if (error.cause.type === 'InvalidState') throw apiError('INVALID_STATE', error.cause.message);
      if (error.cause.type === 'Forbidden') throw apiError('FORBIDDEN', error.cause.message);
      throw apiError('BAD_USER_INPUT', error.cause.message, { problems: problemsOf(error.cause, paths) });
    }
    if (error instanceof WorkflowNotFoundError) {
      throw apiError('INVALID_STATE', 'This stage of the case has finished, so nothing more can be recorded on it here.');
    }
    // Anything else means the step's fate is unknown to us here: say so, and name the failure for whoever debugs it.
    // Only the failure's name: its message may carry internals that are no business of the caller.
    throw apiError('SERVICE_UNAVAILABLE', 'Front Door could not confirm the step with its workflow service, so treat it as not recorded and try again shortly.', {
      cause: error instanceof Error ? error.name : 'unknown',
    });
  }
}


/** A content refusal's problems (listed by the workflow, or read from its message), at their paths in the request. */
function problemsOf(failure: ApplicationFailure, paths: FieldPaths): InputProblem[] {
  const listed = failure.details?.[0];
  const problems: StepProblem[] = Array.isArray(listed) ? (listed as StepProblem[]) : splitProblems(failure.message);
  return problems.map((p) => ({ field: paths(p.field), message: p.message }));
}

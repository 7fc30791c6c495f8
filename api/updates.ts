import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { apiError, problemsIn } from './errors';

/**
 * Sends a human step to a case's workflow as a Temporal update and waits for its validator and handler. A refusal
 * comes back as BAD_USER_INPUT (the input breaks a rule) or INVALID_STATE (not possible at this stage), with the
 * workflow's reason; a finished case as INVALID_STATE; an unreachable Temporal as SERVICE_UNAVAILABLE.
 */
export async function runCaseUpdate<Ret, Arg>(temporal: Client, workflowId: string, update: UpdateDefinition<Ret, [Arg]>, args: [Arg]): Promise<Ret> {
  try {
    return await temporal.workflow.getHandle(workflowId).executeUpdate(update, { args });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      if (error.cause.type === 'InvalidState') throw apiError('INVALID_STATE', error.cause.message);
      throw apiError('BAD_USER_INPUT', error.cause.message, { problems: problemsIn(error.cause.message, 'input') });
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


import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const { escalationPlan, escalate } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** What is being waited for, on which case, and the stage whose escalation ladder applies. */
export interface Watched {
  borough: string;
  caseId: string;
  contactId: string;
  stage: string;
  /** What within the stage is watched, when a stage has several (e.g. an agency); part of each escalation's key. */
  subject?: string;
  /** ISO instant the step is due. */
  dueAt: string;
  /** Said in each escalation, e.g. "Screening decision not made". */
  reason: string;
  /** Runs once at the deadline, before the first rung (e.g. to mark the step overdue). */
  onOverdue?: () => Promise<void>;
}

/**
 * Waits until `done()` holds. At the deadline and at each later rung of the borough's escalation ladder for the
 * stage, records one escalation (at most once per rung, even across worker restarts, since each is an activity
 * in the workflow's history and its row is keyed by stage, deadline and rung). Returns true when done in time.
 */
export async function untilDoneOrEscalate(done: () => boolean, watched: Watched): Promise<boolean> {
  if (await condition(done, msUntil(watched.dueAt))) return true;
  await watched.onOverdue?.();
  const rungs = await escalationPlan({ borough: watched.borough, stage: watched.stage, dueAt: watched.dueAt });
  for (const rung of rungs) {
    if (await condition(done, msUntil(rung.at))) return false;
    await escalate({
      borough: watched.borough, caseId: watched.caseId, contactId: watched.contactId, stage: watched.stage, subject: watched.subject, rung: rung.rung, notify: rung.notify,
      dueAt: watched.dueAt, at: new Date().toISOString(), reason: watched.reason, raisedBy: 'front-door',
    });
  }
  await condition(done);
  return false;
}

/** Milliseconds of workflow time until an ISO instant (0 when it has passed). */
export function msUntil(isoInstant: string): number {
  return Math.max(0, Date.parse(isoInstant) - Date.now());
}

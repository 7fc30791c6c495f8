import { deterministicUuid } from './ids';
import type { Sql } from './sql';

/** The decisions a referrer hears the outcome of: the screening decision, then (after a MASH enquiry) the MASH decision. */
export const FEEDBACK_DECISIONS = ['SCREENING', 'MASH'] as const;
export type FeedbackDecision = (typeof FEEDBACK_DECISIONS)[number];

// The keys db/front-door.ts stores each decision's REFERRER_FEEDBACK_PREPARED event and SEND_REFERRER_FEEDBACK task under.
const KEYS: Record<FeedbackDecision, { decided: string; event: string; task: string }> = {
  SCREENING: { decided: 'SCREENING_DECIDED', event: 'REFERRER_FEEDBACK_PREPARED', task: 'SEND_REFERRER_FEEDBACK' },
  MASH: { decided: 'MASH_DECIDED', event: 'referrer-feedback:mash', task: 'referrer-feedback:mash' },
};

/** What the referrer was to be told about one decision, or that they were owed nothing. */
export interface ReferrerFeedbackRecord {
  decision: FeedbackDecision;
  decidedAt: Date;
  decidedBy: string;
  /** Null when none was prepared (an anonymous or unknown referrer). */
  prepared: { audience: string; text: string; at: Date } | null;
  /** The task to send it: OPEN until someone marks it done. */
  task: { status: string; completedAt: Date | null } | null;
}

/** The referrer feedback for each decision taken on a contact so far, oldest first. */
export async function referrerFeedbackFor(sql: Sql, borough: string, contactId: string): Promise<ReferrerFeedbackRecord[]> {
  const events = await sql<{ id: string; kind: string; at: Date; actor: string; detail: { audience?: string; text?: string } }[]>`
    select id, kind, at, actor, detail from case_events
    where borough = ${borough} and case_id = ${contactId} and kind in ('SCREENING_DECIDED', 'MASH_DECIDED', 'REFERRER_FEEDBACK_PREPARED') order by at`;
  const tasks = await sql<{ id: string; status: string; completedAt: Date | null }[]>`
    select id, status, completed_at from tasks where borough = ${borough} and case_id = ${contactId} and kind = 'SEND_REFERRER_FEEDBACK'`;
  const records: ReferrerFeedbackRecord[] = [];
  for (const decision of FEEDBACK_DECISIONS) {
    const keys = KEYS[decision];
    const decided = events.find((e) => e.kind === keys.decided);
    if (!decided) continue;
    const prepared = events.find((e) => e.id === deterministicUuid('event', contactId, keys.event));
    const task = tasks.find((t) => t.id === deterministicUuid('task', contactId, keys.task));
    records.push({
      decision, decidedAt: decided.at, decidedBy: decided.actor,
      prepared: prepared?.detail.audience && prepared.detail.text ? { audience: prepared.detail.audience, text: prepared.detail.text, at: prepared.at } : null,
      task: task ? { status: task.status, completedAt: task.completedAt } : null,
    });
  }
  return records;
}

import { z } from 'zod';
import { EVENTS_CHANNEL, type CaseNotice } from '../db/casework';
import type { Sql } from '../db/sql';

/** Case events and escalations as they are committed, from any worker, for this API process's subscribers. */
export interface CaseEventBus {
  subscribe(accept: (notice: CaseNotice) => boolean): AsyncIterable<CaseNotice>;
  close(): Promise<void>;
}

const NoticeSchema = z.object({
  type: z.enum(['CASE_EVENT', 'ESCALATION']),
  id: z.string(),
  borough: z.string(),
  caseId: z.string(),
  kind: z.string(),
  caseKind: z.enum(['CONTACT', 'EPISODE']).optional(),
  at: z.string(),
});

/**
 * Listens on PostgreSQL's notification channel (activities NOTIFY in the same transaction as each write, so a notice
 * means the row is there) and fans notices out to subscribers. postgres.js re-listens after a reconnect.
 */
export async function listenForCaseEvents(sql: Sql, onBadNotice: (payload: string) => void): Promise<CaseEventBus> {
  const subscribers = new Set<(notice: CaseNotice) => void>();
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    const notice = NoticeSchema.safeParse(parsed);
    if (notice.success) for (const deliver of subscribers) deliver(notice.data);
    else onBadNotice(payload);
  });
  return {
    subscribe(accept) {
      // Registered at once (not on first read), so nothing committed after subscribing is missed.
      const queue: CaseNotice[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const deliver = (notice: CaseNotice) => {
        if (!accept(notice)) return;
        queue.push(notice);
        wake?.();
      };
      subscribers.add(deliver);
      const finish = (): Promise<IteratorResult<CaseNotice>> => {
        done = true;
        subscribers.delete(deliver);
        wake?.();
        return Promise.resolve({ value: undefined, done: true });
      };
      return {
        [Symbol.asyncIterator]: () => ({
          async next(): Promise<IteratorResult<CaseNotice>> {
            while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
            const notice = queue.shift();
            return notice ? { value: notice, done: false } : { value: undefined, done: true };
          },
          return: finish,
        }),
      };
    },
    close: async () => {
      subscribers.clear();
      await listener.unlisten();
    },
  };
}

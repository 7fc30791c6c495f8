import { setTimeout as sleep } from 'node:timers/promises';
import { contactProgress, episodeAppliedSeq, type ContactProgress } from '../db/progress';
import type { ContactState } from '../workflows/contact';
import type { EpisodeStep } from '../workflows/episode';
import type { ApiContext } from './context';

/**
 * How a step answers (README "How a step answers"): the workflow's update returns the state the step produced, and
 * the mutation returns it once the case records show at least as much, so a read straight after the answer never
 * shows less than it did. The wait is bounded: while PostgreSQL is unreachable (front-door steps are still accepted
 * then, and reads are refused as SERVICE_UNAVAILABLE) or slower than this, the answer comes without it.
 */
const RECORDS_WAIT_MS = 10_000;

async function untilRecorded(context: ApiContext, what: string, recorded: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + RECORDS_WAIT_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    try {
      if (await recorded()) return;
    } catch (error) {
      // The records are unreachable: the step is accepted and will be stored; the answer says what it produced.
      context.log.warn({ err: error, what }, 'answering a step without waiting for the records');
      return;
    }
    if (Date.now() >= giveUpAt) {
      context.log.warn({ what }, 'answering a step before the records caught up');
      return;
    }
    await sleep(pause);
  }
}

// The order a contact moves through; the records are behind while they show an earlier status than the answer.
const CONTACT_ORDER: Record<string, number> = { RECEIVED: 0, AWAITING_SCREENING: 1, SCREENING_OVERDUE: 2, SCREENED: 3, MASH_ENQUIRY: 4, CLOSED: 5, REFERRED: 5 };
const REQUEST_ORDER: Record<string, number> = { REQUESTED: 0, RESPONDED: 1, WITHDRAWN: 1 };

/** The records show at least what this contact step answered. */
export function contactRecordsShow(stored: ContactProgress | null, answer: ContactState): boolean {
  if (!stored) return false;
  if ((CONTACT_ORDER[stored.status] ?? 0) < (CONTACT_ORDER[answer.status] ?? 0)) return false;
  if (stored.consentSequence < answer.consentChanges) return false;
  if (answer.urgent && !stored.urgent) return false;
  return (answer.mash?.requests ?? []).every((request) => {
    const row = stored.requests.find((r) => r.agency === request.agency);
    return row !== undefined && (REQUEST_ORDER[row.status] ?? 0) >= (REQUEST_ORDER[request.status] ?? 0);
  });
}

/** Returns a contact step's answer once the records show it (bounded; see above). */
export async function answerContactStep(context: ApiContext, borough: string, contactId: string, answer: ContactState): Promise<ContactState & { contactId: string }> {
  await untilRecorded(context, `contact ${contactId}`, async () => contactRecordsShow(await contactProgress(context.services.sql, borough, contactId), answer));
  return { ...answer, contactId };
}

/** Returns an episode step's answer once PostgreSQL has applied every write the step issued (bounded; see above). */
export async function answerEpisodeStep(context: ApiContext, borough: string, answer: EpisodeStep): Promise<EpisodeStep> {
  const through = answer.writesThrough;
  if (through !== undefined && through > 0) {
    await untilRecorded(context, `episode ${answer.caseId}`, async () => ((await episodeAppliedSeq(context.services.sql, borough, answer.caseId)) ?? 0) >= through);
  }
  return answer;
}

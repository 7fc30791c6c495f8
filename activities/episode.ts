import { setTimeout } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import * as store from '../db/episodes';
import { deterministicUuid } from '../db/ids';
import type { Sql } from '../db/sql';
import { STATUTORY_STRATEGY_AGENCIES, type Borough, type BoroughRegistry } from '../rules/borough-config';
import { addCalendarMonths, localDateOf } from '../rules/calendar';
import type { EpisodeSettings } from '../workflows/episode/types';
import type { Referral } from '../workflows/referral';

// A batch whose predecessor is still on its way waits this long, in steps, before leaving it to Temporal's retries.
const WAIT_MS = 100;
const WAIT_ATTEMPTS = 50;

/** The episode as opened: its case id, the referral's local date, and whether it is a re-referral. */
export type EpisodeOpened =
  | { duplicate: true; caseId: string }
  | { duplicate: false; caseId: string; referralDate: string; reReferral: boolean; previousEpisodeId: string | null };

/**
 * Activities of a child's episode (activities/index.ts spreads them into the worker's set): its settings, its
 * opening, and its writes, in numbered batches applied exactly once and in order, so Temporal may retry any of them.
 * Times are the workflow's (`at`), never the activity's clock.
 */
export function createEpisodeActivities({ sql, boroughs }: { sql: Sql; boroughs: BoroughRegistry }) {
  const boroughFor = (code: string): Borough => {
    const borough = boroughs.get(code);
    if (!borough) throw ApplicationFailure.create({ type: 'UnknownBorough', message: `No configuration for borough "${code}" on this worker.`, nonRetryable: true });
    return borough;
  };

  return {
    /**
     * The borough's settings an episode's validators and clocks need, as in force now: required strategy discussion
     * agencies, the ICPC anchor, the clocks, and the working calendar (bank holidays from a year back to five on).
     */
    episodeSettings({ borough: code, at }: { borough: string; at: string }): Promise<EpisodeSettings> {
      const { settings, calendar } = boroughFor(code);
      const year = Number(at.slice(0, 4));
      const holidays = [...calendar.bankHolidays].filter((d) => Number(d.slice(0, 4)) >= year - 1 && Number(d.slice(0, 4)) <= year + 5).sort();
      const { assessmentWorkingDays, icpcWorkingDays, coreGroupWorkingDays, firstReviewMonths, subsequentReviewMonths, cinReviewMonths, cpVisitWorkingDays, cinVisitWorkingDays } = settings.clocks;
      return Promise.resolve({
        requiredAgencies: [...new Set([...STATUTORY_STRATEGY_AGENCIES, ...settings.strategyDiscussion.requiredAgencies])],
        icpcAnchor: settings.clocks.icpcAnchor,
        clocks: { assessmentWorkingDays, icpcWorkingDays, coreGroupWorkingDays, firstReviewMonths, subsequentReviewMonths, cinReviewMonths, cpVisitWorkingDays, cinVisitWorkingDays },
        calendar: { timeZone: calendar.timeZone, officeHours: { ...calendar.officeHours, days: [...calendar.officeHours.days] }, holidays },
      });
    },

    /**
     * Opens the child's episode for its first referral: case id derived from the child and the contact, so a retry
     * finds the same one; a referral this child already had from this contact in an earlier episode is a duplicate.
     */
    async openEpisode({ referral, assessmentDue }: { referral: Referral; assessmentDue: store.DueAt }): Promise<EpisodeOpened> {
      const { calendar } = boroughFor(referral.borough);
      const caseId = deterministicUuid('episode', referral.childId, referral.contactId);
      const referralDate = localDateOf(new Date(referral.referralAt), calendar);
      const opened = await store.openEpisode(sql, {
        caseId, borough: referral.borough, childId: referral.childId, contactId: referral.contactId, contactReference: referral.contactReference,
        childPosition: referral.childPosition, referralAt: referral.referralAt, referralDate, referralSource: referral.referralSourceCode,
        primaryNeed: referral.primaryNeed, pathway: referral.pathway, levelOfNeed: referral.levelOfNeed, rag: referral.rag, decidedBy: referral.decidedBy, assessmentDue,
      }, (previousDate, date) => date <= addCalendarMonths(previousDate, 12));
      if (opened.duplicate) return { duplicate: true, caseId: opened.episodeId };
      return { duplicate: false, caseId, referralDate, reReferral: opened.reReferral, previousEpisodeId: opened.previousEpisodeId };
    },

    /**
     * Applies batch `seq` of an episode's writes, exactly once and after every earlier batch: a batch that arrives
     * before its predecessor waits for it (briefly here, then through Temporal's retries).
     */
    async applyEpisodeWrites(batch: { borough: string; caseId: string; seq: number; writes: store.EpisodeWrite[] }): Promise<void> {
      boroughFor(batch.borough);
      for (let attempt = 0; ; attempt++) {
        const { waitingFor } = await store.applyEpisodeWrites(sql, batch);
        if (waitingFor === null) return;
        if (attempt === WAIT_ATTEMPTS) {
          throw ApplicationFailure.retryable(`Episode ${batch.caseId}: write batch ${batch.seq} waits for batch ${waitingFor}, not yet applied.`, 'EarlierWritesPending');
        }
        await setTimeout(WAIT_MS);
      }
    },
  };
}

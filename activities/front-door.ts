import type { Client } from '@temporalio/client';
import { closeContactCase, insertAgencyRequest, insertAgencyResponse, insertConsent, insertMashDecision, insertScreeningDecision, startMashEnquiry, type ScreeningDecisionRecord } from '../db/front-door';
import { childIdFor } from '../db/ids';
import type { Sql } from '../db/sql';
import type { BoroughRegistry } from '../rules/borough-config';
import { addOfficeHours, addWorkingDays, isOfficeHours, localDateOf } from '../rules/calendar';
import type { RagRating } from '../rules/vocabulary';
import { EPISODE_WORKFLOW_TYPE, episodeWorkflowId, referralSignal, type EpisodeWorkflowInput, type Referral } from '../workflows/referral';


/**
 * Activities of the front door (screening, consent, MASH, closing or referring a contact). Each is idempotent.
 * `temporal` is used only to hand referrals to each child's episode workflow.
 */
export function createFrontDoorActivities({ sql, boroughs, temporal, taskQueue }: { sql: Sql; boroughs: BoroughRegistry; temporal: Client; taskQueue: string }) {
  return {
    /** Stores a screening decision, closes the screening task, and prepares the referrer's feedback. */
    async storeScreeningDecision(decision: ScreeningDecisionRecord): Promise<void> {
      await insertScreeningDecision(sql, decision);
    },

    /** Stores a change of consent (the n-th change of this contact's consent; idempotent). */
    async storeConsent(change: Parameters<typeof insertConsent>[1]): Promise<void> {
      await insertConsent(sql, change);
    },

    /**
     * Starts a MASH enquiry: computes its deadline from the RAG clock in the borough's settings (office or calendar
     * hours from `from`) and, for a RED enquiry, the close of the office day by which it passes to the out-of-hours
     * team if still open (`from` itself when it is outside office hours: the enquiry is out of hours from the start).
     * Stores the stage, deadline and MASH decision task.
     */
    async beginMashEnquiry({ borough: code, contactId, rag, from, actor, dueAt: answered }: { borough: string; contactId: string; rag: RagRating; from: string; actor: string; dueAt?: string | null }): Promise<{ dueAt: string; dueDate: string; officeCloseAt: string }> {
      const computed = mashDeadlineIn(boroughs, code, rag, from);
      // The deadline the decision was answered with, when there was one: what the caller was told is what is stored.
      const dueAt = answered ?? computed.dueAt;
      const dueDate = answered ? localDateOf(new Date(answered), boroughs.get(code)!.calendar) : computed.dueDate;
      await startMashEnquiry(sql, { borough: code, contactId, rag, dueAt, dueDate, at: from, actor });
      return { dueAt, dueDate, officeCloseAt: computed.officeCloseAt };
    },

    /**
     * A MASH enquiry's deadline and close of office (as beginMashEnquiry computes them), from the borough calendar in
     * this worker's memory: no database, so the decision that starts an enquiry is answered with its deadline even
     * while PostgreSQL is down.
     */
    mashDeadline({ borough, rag, from }: { borough: string; rag: RagRating; from: string }): Promise<{ dueAt: string; dueDate: string; officeCloseAt: string }> {
      return Promise.resolve(mashDeadlineIn(boroughs, borough, rag, from));
    },

    /** Stores an information request to an agency. */
    async storeAgencyRequest(request: Parameters<typeof insertAgencyRequest>[1]): Promise<void> {
      await insertAgencyRequest(sql, request);
    },

    /** Stores an agency's response. */
    async storeAgencyResponse(response: Parameters<typeof insertAgencyResponse>[1]): Promise<void> {
      await insertAgencyResponse(sql, response);
    },

    /** Stores the MASH decision. */
    async storeMashDecision(decision: Parameters<typeof insertMashDecision>[1]): Promise<void> {
      await insertMashDecision(sql, decision);
    },

    /** Closes the contact's front-door case with its outcome. */
    async closeContact(closure: Parameters<typeof closeContactCase>[1]): Promise<void> {
      await closeContactCase(sql, closure);
    },

    /**
     * Hands each child's referral to that child's episode workflow: joins the open episode, or starts one
     * (signal-with-start on one workflow id per child). Safe to repeat: a repeated signal carries the same contact
     * and child, which the episode ignores. Returns the episode workflow ids.
     */
    async referToEpisodes({ referrals }: { referrals: Omit<Referral, 'childId'>[] }): Promise<string[]> {
      const ids: string[] = [];
      for (const referral of referrals) {
        const childId = childIdFor(referral.borough, referral.child);
        const workflowId = episodeWorkflowId(childId);
        const input: EpisodeWorkflowInput = { borough: referral.borough, childId };
        await temporal.workflow.signalWithStart(EPISODE_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [input],
          signal: referralSignal,
          signalArgs: [{ ...referral, childId }],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
        ids.push(workflowId);
      }
      return ids;
    },
  };
}

/** A MASH enquiry's deadline from the RAG clock in the borough's settings, and the close of the office day it starts in. */
function mashDeadlineIn(boroughs: BoroughRegistry, code: string, rag: RagRating, from: string): { dueAt: string; dueDate: string; officeCloseAt: string } {
  const borough = boroughs.get(code)!;
  const clock = borough.settings.clocks.mash[rag];
  const start = new Date(from);
  const due = clock.counting === 'OFFICE_HOURS' ? addOfficeHours(start, clock.hours, borough.calendar) : new Date(start.getTime() + clock.hours * 3_600_000);
  const officeCloseAt = isOfficeHours(start, borough.calendar) ? addWorkingDays(start, 0, borough.calendar).dueAt : start;
  return { dueAt: due.toISOString(), dueDate: localDateOf(due, borough.calendar), officeCloseAt: officeCloseAt.toISOString() };
}

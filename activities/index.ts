import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { countEarlierContacts } from '../db/family-history';
import { childIdFor } from '../db/ids';
import { insertContact, insertRecommendation, markScreeningOverdue as markOverdue, setScreeningSchedule } from '../db/contacts';
import { rulesetInForce, rulesetVersion } from '../db/rulesets';
import type { Sql } from '../db/sql';
import type { Borough, BoroughRegistry } from '../rules/borough-config';
import { screeningDeadline } from '../rules/calendar';
import { evaluateThresholds, type Recommendation } from '../rules/thresholds';
import type { ReceivedContact } from '../workflows/contact';
import { createCaseworkActivities } from './casework';
import { createEpisodeActivities } from './episode';
import { createFrontDoorActivities } from './front-door';

/** Error types that no retry can mend; listed once, and every activity throws them through `domainFailure`. */
export const NON_RETRYABLE_ERRORS = ['UnknownBorough'] as const;
type DomainErrorType = (typeof NON_RETRYABLE_ERRORS)[number];

function domainFailure(type: DomainErrorType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: (NON_RETRYABLE_ERRORS as readonly string[]).includes(type) });
}

/** When a contact must be screened by, from the borough's calendar. */
export interface ScreeningSchedule {
  outOfHours: boolean;
  clockStartsAt: string;
  dueDate: string;
  dueAt: string;
}

/**
 * The worker's activities, given their dependencies (`temporal` and `taskQueue` hand referrals to episodes). Every write is idempotent (keyed by the contact id), so
 * Temporal may retry any of them — for as long as PostgreSQL is down — without duplicating anything.
 */
export function createActivities({ sql, boroughs, temporal, taskQueue }: { sql: Sql; boroughs: BoroughRegistry; temporal: Client; taskQueue: string }) {
  const boroughFor = (code: string): Borough => {
    const borough = boroughs.get(code);
    if (!borough) throw domainFailure('UnknownBorough', `No configuration for borough "${code}" on this worker (known: ${[...boroughs.keys()].join(', ')}).`);
    return borough;
  };

  return {
    ...createCaseworkActivities({ sql, boroughs }),
    ...createFrontDoorActivities({ sql, boroughs, temporal, taskQueue }),
    ...createEpisodeActivities({ sql, boroughs }),

    /** Stores the contact, its children (each with a census id, and the characteristics it gives: db/children.ts) and a CONTACT_RECEIVED event. Idempotent. */
    async recordContact(contact: ReceivedContact): Promise<void> {
      boroughFor(contact.borough);
      await insertContact(sql, contact);
    },

    /**
     * Evaluates the borough's published threshold rules for the contact: the version given, or else the version in
     * force when the contact was received (publishes cannot be back-dated, so that answer never changes; and the
     * result is pinned in the workflow's history). The family history is counted from the record first (earlier
     * contacts about the same children in the 12 months before receipt: db/family-history.ts), so the rules see it
     * and the recommendation records it in its facts. Reads PostgreSQL, so it retries while the database is down.
     */
    async recommendScreening({ contact }: { contact: ReceivedContact }): Promise<Recommendation> {
      boroughFor(contact.borough);
      const published = contact.rulesetVersion !== null
        ? await rulesetVersion(sql, contact.borough, contact.rulesetVersion)
        : await rulesetInForce(sql, contact.borough, new Date(contact.receivedAt));
      const previousContactsWithin12Months = await countEarlierContacts(sql, {
        borough: contact.borough,
        contactId: contact.contactId,
        receivedAt: new Date(contact.receivedAt),
        childIds: contact.children.map((child) => childIdFor(contact.borough, child)),
      });
      return evaluateThresholds(published.ruleset, published.hash, {
        receivedAt: contact.receivedAt,
        referrerType: contact.referrer.type,
        consent: contact.consent,
        indicators: contact.indicators,
        children: contact.children,
        previousContactsWithin12Months,
      });
    },

    /** Stores a recommendation with its explanation, version and hash, once. Idempotent. */
    async saveRecommendation({ contactId, borough, recommendation }: { contactId: string; borough: string; recommendation: Recommendation }): Promise<void> {
      await insertRecommendation(sql, borough, contactId, recommendation, new Date().toISOString());
    },

    /**
     * Computes the screening deadline (the borough's screening clock in working days, from receipt; out of hours, the
     * day of the next office opening, when it is handed over, is day 1) and stores it on the contact. Idempotent.
     */
    async scheduleScreening({ contactId, borough: code, receivedAt }: { contactId: string; borough: string; receivedAt: string }): Promise<ScreeningSchedule> {
      const borough = boroughFor(code);
      const deadline = screeningDeadline(new Date(receivedAt), borough.settings.clocks.screeningWorkingDays, borough.calendar);
      const schedule = { outOfHours: deadline.outOfHours, clockStartsAt: deadline.clockStartsAt.toISOString(), dueDate: deadline.dueDate, dueAt: deadline.dueAt.toISOString() };
      await setScreeningSchedule(sql, code, contactId, schedule, new Date().toISOString());
      return schedule;
    },

    /** Marks the contact overdue for screening at workflow time `at`. Idempotent. */
    async markScreeningOverdue({ contactId, borough, dueAt, at }: { contactId: string; borough: string; dueAt: string; at: string }): Promise<void> {
      await markOverdue(sql, borough, contactId, dueAt, at);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

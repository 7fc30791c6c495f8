import type { Recommendation } from '../rules/thresholds';
import { REFERRER_TYPES, type ContactStatus } from '../rules/vocabulary';
import type { ReceivedContact } from '../workflows/contact';
import { childIdFor } from './ids';
import { appendEvent, insertCase, openTask, toJson, updateCase } from './casework';
import { recordChildFromContact } from './children';
import type { Sql } from './sql';

/** A contact as read back for the API: the record, its children, its recommendation and its screening clock. */
export interface ContactRecord {
  id: string;
  borough: string;
  reference: string;
  idempotencyKey: string | null;
  receivedAt: Date;
  receivedBy: string;
  channel: string;
  referrerType: keyof typeof REFERRER_TYPES;
  referralSourceCode: string;
  referrerName: string | null;
  referrerOrganisation: string | null;
  referrerContactDetails: string | null;
  consent: string;
  indicators: string[];
  summary: string;
  rulesetVersion: number | null;
  status: ContactStatus;
  outOfHours: boolean | null;
  screeningClockStartsAt: Date | null;
  screeningDueDate: string | null;
  screeningDueAt: Date | null;
  /** The rule the stored deadline was computed under (see migration 009). */
  screeningClockRule: 'HANDOVER_DAY_IS_DAY_1' | 'DAY_AFTER_HANDOVER_IS_DAY_1';
  children: { borough: string; childId: string | null; position: number; firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }[];
  recommendation: StoredRecommendation | null;
}

export interface StoredRecommendation {
  levelOfNeed: number;
  pathway: string;
  rag: string;
  decidingRuleId: string;
  summary: string;
  explanation: Recommendation['explanation'];
  rulesetVersion: number;
  rulesetHash: string;
  evaluatedAt: Date;
}

/**
 * Stores a received contact with its children and a CONTACT_RECEIVED timeline event, in one transaction.
 * Idempotent: storing the same contact again changes nothing.
 */
export async function insertContact(sql: Sql, contact: ReceivedContact): Promise<void> {
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into contacts (id, borough, reference, idempotency_key, received_at, received_by, channel, referrer_type,
        referral_source_code, referrer_name, referrer_organisation, referrer_contact_details, consent, indicators, summary,
        ruleset_version, status)
      values (${contact.contactId}, ${contact.borough}, ${contact.reference}, ${contact.idempotencyKey}, ${contact.receivedAt},
        ${contact.receivedBy}, ${contact.channel}, ${contact.referrer.type}, ${REFERRER_TYPES[contact.referrer.type]},
        ${contact.referrer.name}, ${contact.referrer.organisation}, ${contact.referrer.contactDetails}, ${contact.consent},
        ${contact.indicators}, ${contact.summary}, ${contact.rulesetVersion}, ${'RECEIVED' satisfies ContactStatus})
      on conflict (id) do nothing
      returning id`;
    if (inserted.length === 0) return;
    for (const [position, child] of contact.children.entries()) {
      const childId = childIdFor(contact.borough, child);
      await tx`
        insert into contact_children (contact_id, borough, position, first_name, last_name, date_of_birth, expected_date_of_birth, child_id)
        values (${contact.contactId}, ${contact.borough}, ${position}, ${child.firstName}, ${child.lastName}, ${child.dateOfBirth}, ${child.expectedDateOfBirth},
          ${childId})`;
    }
    await insertCase(tx, { id: contact.contactId, borough: contact.borough, kind: 'CONTACT', contactId: contact.contactId, childPosition: null, reference: contact.reference, stage: 'AWAITING_SCREENING', openedAt: contact.receivedAt });
    // After the case exists, so the child's timeline event has its case: the census id, and the characteristics given.
    for (const [position, child] of contact.children.entries()) {
      await recordChildFromContact(tx, {
        borough: contact.borough, childId: childIdFor(contact.borough, child), contactId: contact.contactId, position,
        characteristics: child.characteristics, by: contact.receivedBy, at: contact.receivedAt,
      });
    }
    await appendEvent(tx, { borough: contact.borough, caseId: contact.contactId, contactId: contact.contactId, kind: 'CONTACT_RECEIVED', at: contact.receivedAt, actor: contact.receivedBy, detail: { channel: contact.channel, referrerType: contact.referrer.type } });
  });
}

/** Stores the rules' recommendation for a contact once; a repeat (an activity retry) changes nothing. */
export async function insertRecommendation(sql: Sql, borough: string, contactId: string, recommendation: Recommendation, evaluatedAt: string): Promise<void> {
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into recommendations (contact_id, borough, level_of_need, pathway, rag, deciding_rule_id, summary, explanation,
        ruleset_version, ruleset_hash, evaluated_at)
      values (${contactId}, ${borough}, ${recommendation.levelOfNeed}, ${recommendation.pathway}, ${recommendation.rag},
        ${recommendation.decidingRuleId}, ${recommendation.summary}, ${tx.json(toJson(recommendation.explanation))},
        ${recommendation.rulesetVersion}, ${recommendation.rulesetHash}, ${evaluatedAt})
      on conflict (contact_id) do nothing
      returning contact_id`;
    if (inserted.length === 0) return;
    await updateCase(tx, borough, contactId, { rag: recommendation.rag });
    await tx`update contacts set ruleset_version = ${recommendation.rulesetVersion} where borough = ${borough} and id = ${contactId}`;
    await appendEvent(tx, {
      borough, caseId: contactId, contactId, kind: 'RECOMMENDATION_MADE', at: evaluatedAt, actor: 'threshold-rules',
      detail: { levelOfNeed: recommendation.levelOfNeed, pathway: recommendation.pathway, rag: recommendation.rag, rule: recommendation.decidingRuleId, rulesetVersion: recommendation.rulesetVersion },
    });
  });
}

/**
 * Records the screening clock on the contact and its case, opens the SCREENING_DECISION task with its due date, and
 * moves the contact to AWAITING_SCREENING. Only from RECEIVED: a repeat (or an attempt committing late) changes nothing.
 */
export async function setScreeningSchedule(
  sql: Sql,
  borough: string,
  contactId: string,
  schedule: { outOfHours: boolean; clockStartsAt: string; dueDate: string; dueAt: string },
  at: string,
): Promise<void> {
  await sql.begin(async (tx) => {
    const scheduled = await tx`
      update contacts set out_of_hours = ${schedule.outOfHours}, screening_clock_starts_at = ${schedule.clockStartsAt},
        screening_due_date = ${schedule.dueDate}, screening_due_at = ${schedule.dueAt}, status = 'AWAITING_SCREENING', updated_at = now()
      where borough = ${borough} and id = ${contactId} and status = 'RECEIVED' returning id`;
    if (scheduled.length === 0) return;
    await updateCase(tx, borough, contactId, { outOfHours: schedule.outOfHours, nextDueAt: schedule.dueAt });
    await openTask(tx, {
      borough, caseId: contactId, kind: 'SCREENING_DECISION', title: 'Screening decision by a named person',
      dueAt: schedule.dueAt, dueDate: schedule.dueDate, createdAt: at,
      detail: { clockStartsAt: schedule.clockStartsAt, outOfHours: schedule.outOfHours },
    });
  });
}

/** Marks a contact still awaiting screening overdue, with a SCREENING_OVERDUE timeline event; otherwise changes nothing. */
export async function markScreeningOverdue(sql: Sql, borough: string, contactId: string, dueAt: string, at: string): Promise<void> {
  await sql.begin(async (tx) => {
    const overdue = await tx`update contacts set status = 'SCREENING_OVERDUE', updated_at = now() where borough = ${borough} and id = ${contactId} and status = 'AWAITING_SCREENING' returning id`;
    if (overdue.length === 0) return;
    await appendEvent(tx, { borough, caseId: contactId, contactId, kind: 'SCREENING_OVERDUE', at, actor: 'front-door', detail: { dueAt } });
  });
}

/** One contact, if it exists in one of `boroughs` (a contact in any other borough is not found). */
export async function findContact(sql: Sql, boroughs: readonly string[], id: string): Promise<ContactRecord | null> {
  const [row] = await sql<Omit<ContactRecord, 'children' | 'recommendation'>[]>`
    select id, borough, reference, idempotency_key, received_at, received_by, channel, referrer_type, referral_source_code,
      referrer_name, referrer_organisation, referrer_contact_details, consent, indicators, summary, ruleset_version, status,
      out_of_hours, screening_clock_starts_at, to_char(screening_due_date, 'YYYY-MM-DD') as screening_due_date, screening_due_at,
      screening_clock_rule
    from contacts where borough = any(${boroughs as string[]}) and id = ${id}`;
  if (!row) return null;
  const children = await sql<ContactRecord['children']>`
    select borough, child_id, position, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') as date_of_birth,
      to_char(expected_date_of_birth, 'YYYY-MM-DD') as expected_date_of_birth
    from contact_children where borough = ${row.borough} and contact_id = ${id} order by position`;
  const [recommendation] = await sql<StoredRecommendation[]>`
    select level_of_need, pathway, rag, deciding_rule_id, summary, explanation, ruleset_version, ruleset_hash, evaluated_at
    from recommendations where borough = ${row.borough} and contact_id = ${id}`;
  return { ...row, children: [...children], recommendation: recommendation ?? null };
}

/** How many contacts a borough holds with this idempotency key (0 or 1, by construction). */
export async function countByIdempotencyKey(sql: Sql, borough: string, idempotencyKey: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from contacts where borough = ${borough} and idempotency_key = ${idempotencyKey}`;
  return row?.count ?? 0;
}

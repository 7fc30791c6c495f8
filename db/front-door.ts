import { appendEvent, closeTasks, openTask, updateCase } from './casework';
import { deterministicUuid } from './ids';
import type { Sql } from './sql';
import { referrerFeedback } from '../rules/feedback';
import type { Pathway, ReferrerType } from '../rules/vocabulary';

/** A person's screening decision, as stored (the rules' recommendation is stored separately). */
export interface ScreeningDecisionRecord {
  borough: string;
  contactId: string;
  pathway: string;
  levelOfNeed: number;
  rag: string;
  rationale: string;
  overridden: boolean;
  overrideReason: string | null;
  primaryNeed: string | null;
  decidedBy: string;
  decidedAt: string;
  recommendedPathway: string;
  recommendationRuleId: string;
  feedback: { audience: string; text: string } | null;
}

/**
 * Stores a screening decision with its timeline event, closes the screening task, and opens a task to send the
 * referrer their feedback (when they are owed any). Idempotent.
 */
export async function insertScreeningDecision(sql: Sql, d: ScreeningDecisionRecord): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into screening_decisions (contact_id, borough, pathway, level_of_need, rag, overridden, reason, decided_by, decided_at,
        recommended_pathway, recommendation_rule_id)
      values (${d.contactId}, ${d.borough}, ${d.pathway}, ${d.levelOfNeed}, ${d.rag}, ${d.overridden}, ${d.overrideReason}, ${d.decidedBy},
        ${d.decidedAt}, ${d.recommendedPathway}, ${d.recommendationRuleId})
      on conflict (contact_id) do nothing`;
    await appendEvent(tx, {
      borough: d.borough, caseId: d.contactId, contactId: d.contactId, kind: 'SCREENING_DECIDED', at: d.decidedAt, actor: d.decidedBy,
      detail: { pathway: d.pathway, levelOfNeed: d.levelOfNeed, rag: d.rag, rationale: d.rationale, overridden: d.overridden, overrideReason: d.overrideReason, primaryNeed: d.primaryNeed, recommendedPathway: d.recommendedPathway },
    });
    await closeTasks(tx, d.borough, d.contactId, { kind: 'SCREENING_DECISION' }, 'DONE', d.decidedAt);
    await tx`update contacts set status = case when status in ('AWAITING_SCREENING', 'SCREENING_OVERDUE') then 'SCREENED' else status end, updated_at = now() where borough = ${d.borough} and id = ${d.contactId}`;
    await updateCase(tx, d.borough, d.contactId, { rag: d.rag, nextDueAt: null });
    if (d.feedback) {
      await appendEvent(tx, { borough: d.borough, caseId: d.contactId, contactId: d.contactId, kind: 'REFERRER_FEEDBACK_PREPARED', at: d.decidedAt, actor: d.decidedBy, detail: d.feedback });
      await openTask(tx, { borough: d.borough, caseId: d.contactId, kind: 'SEND_REFERRER_FEEDBACK', title: 'Tell the referrer the outcome', dueAt: null, dueDate: null, createdAt: d.decidedAt, detail: d.feedback });
    }
  });
}

/**
 * Records the `sequence`-th change of consent to multi-agency checks on the contact's timeline, and makes it the
 * contact's consent unless a later change is already applied (changes may be stored out of order). Idempotent per change.
 */
export async function insertConsent(
  sql: Sql,
  c: {
    borough: string; contactId: string; sequence: number; status: string; reason: string | null; note: string; recordedBy: string; authorisedBy: string | null; at: string;
    /** Refused on a GREEN enquiry: withdraw the requests still outstanding (the checks stop). */
    withdrawChecks?: boolean;
  },
): Promise<void> {
  await sql.begin(async (tx) => {
    if (c.withdrawChecks) {
      await tx`
        update agency_requests set status = 'WITHDRAWN', withdrawn_reason = 'Consent refused on a GREEN enquiry: the checks stop'
        where borough = ${c.borough} and contact_id = ${c.contactId} and status = 'REQUESTED'`;
      await closeTasks(tx, c.borough, c.contactId, { kind: 'AGENCY_RESPONSE' }, 'CANCELLED', c.at);
    }
    const isNew = await appendEvent(tx, {
      borough: c.borough, caseId: c.contactId, contactId: c.contactId, kind: 'CONSENT_RECORDED', key: `consent:${c.sequence}`, at: c.at, actor: c.recordedBy,
      detail: { status: c.status, reason: c.reason, note: c.note, authorisedBy: c.authorisedBy },
    });
    if (isNew) {
      await tx`
        update contacts set consent = ${c.status}, consent_reason = ${c.reason}, consent_sequence = ${c.sequence}, updated_at = now()
        where borough = ${c.borough} and id = ${c.contactId} and consent_sequence < ${c.sequence}`;
    }
  });
}

/**
 * Opens the MASH enquiry on a screened contact's case: stage, RAG, its deadline and the MASH decision task. Idempotent:
 * once the contact has moved on from SCREENED (a repeat, or an attempt committing late), it changes nothing.
 */
export async function startMashEnquiry(sql: Sql, m: { borough: string; contactId: string; rag: string; dueAt: string; dueDate: string; at: string; actor: string }): Promise<void> {
  await sql.begin(async (tx) => {
    const started = await tx`update contacts set status = 'MASH_ENQUIRY', updated_at = now() where borough = ${m.borough} and id = ${m.contactId} and status = 'SCREENED' returning id`;
    if (started.length === 0) return;
    await updateCase(tx, m.borough, m.contactId, { stage: 'MASH_ENQUIRY', rag: m.rag, nextDueAt: m.dueAt });
    await openTask(tx, { borough: m.borough, caseId: m.contactId, kind: 'MASH_DECISION', title: `MASH decision (${m.rag} enquiry)`, dueAt: m.dueAt, dueDate: m.dueDate, createdAt: m.at });
    await appendEvent(tx, { borough: m.borough, caseId: m.contactId, contactId: m.contactId, kind: 'MASH_ENQUIRY_STARTED', at: m.at, actor: m.actor, detail: { rag: m.rag, dueAt: m.dueAt } });
  });
}

/** Records an information request to a partner agency (one per agency per contact), its task and the sharing log. */
export async function insertAgencyRequest(
  sql: Sql,
  r: { borough: string; contactId: string; agency: string; requestedBy: string; requestedAt: string; purpose: string; consentBasis: string; dueAt: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    const id = deterministicUuid('agency-request', r.contactId, r.agency);
    const inserted = await tx`
      insert into agency_requests (id, borough, contact_id, agency, requested_by, requested_at, purpose, consent_basis, due_at, status)
      values (${id}, ${r.borough}, ${r.contactId}, ${r.agency}, ${r.requestedBy}, ${r.requestedAt}, ${r.purpose}, ${r.consentBasis}, ${r.dueAt}, 'REQUESTED')
      on conflict (id) do nothing returning id`;
    if (inserted.length === 0) return;
    await openTask(tx, { borough: r.borough, caseId: r.contactId, kind: 'AGENCY_RESPONSE', key: `agency:${r.agency}`, title: `Information from ${r.agency}`, dueAt: r.dueAt, dueDate: null, createdAt: r.requestedAt, detail: { agency: r.agency } });
    await appendEvent(tx, {
      borough: r.borough, caseId: r.contactId, contactId: r.contactId, kind: 'AGENCY_INFORMATION_REQUESTED', key: `requested:${r.agency}`, at: r.requestedAt, actor: r.requestedBy,
      detail: { agency: r.agency, purpose: r.purpose, consentBasis: r.consentBasis, dueAt: r.dueAt, sharedWith: r.agency, sharedBy: r.requestedBy },
    });
  });
}

/** Records an agency's response (who shared what, and on what basis) and closes its task. Idempotent. */
export async function insertAgencyResponse(
  sql: Sql,
  r: { borough: string; contactId: string; agency: string; summary: string; sharedBy: string; consentBasis: string; recordedBy: string; at: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      update agency_requests set status = 'RESPONDED', responded_at = ${r.at}, response_summary = ${r.summary}, shared_by = ${r.sharedBy}, recorded_by = ${r.recordedBy}
      where borough = ${r.borough} and contact_id = ${r.contactId} and agency = ${r.agency} and status = 'REQUESTED'`;
    await closeTasks(tx, r.borough, r.contactId, { kind: 'AGENCY_RESPONSE', key: `agency:${r.agency}` }, 'DONE', r.at);
    await appendEvent(tx, {
      borough: r.borough, caseId: r.contactId, contactId: r.contactId, kind: 'AGENCY_INFORMATION_RECEIVED', key: `received:${r.agency}`, at: r.at, actor: r.recordedBy,
      detail: { agency: r.agency, summary: r.summary, sharedBy: r.sharedBy, sharedWith: 'MASH', consentBasis: r.consentBasis },
    });
  });
}

/** Records the MASH decision, withdraws outstanding requests with the recorded reason, and closes the MASH task. */
export async function insertMashDecision(
  sql: Sql,
  d: { borough: string; contactId: string; pathway: string; rationale: string; decidedBy: string; signedOffBy: string; partialInformationReason: string | null; at: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      update agency_requests set status = 'WITHDRAWN', withdrawn_reason = ${d.partialInformationReason ?? 'MASH decision made'}
      where borough = ${d.borough} and contact_id = ${d.contactId} and status = 'REQUESTED'`;
    await closeTasks(tx, d.borough, d.contactId, { kind: 'AGENCY_RESPONSE' }, 'CANCELLED', d.at);
    await closeTasks(tx, d.borough, d.contactId, { kind: 'MASH_DECISION' }, 'DONE', d.at);
    await updateCase(tx, d.borough, d.contactId, { nextDueAt: null });
    await appendEvent(tx, {
      borough: d.borough, caseId: d.contactId, contactId: d.contactId, kind: 'MASH_DECIDED', at: d.at, actor: d.decidedBy,
      detail: { pathway: d.pathway, rationale: d.rationale, signedOffBy: d.signedOffBy, partialInformationReason: d.partialInformationReason },
    });
    // The referrer was told checks were being made; now they are owed the outcome (with reasons when nothing follows).
    const [contact] = await tx<{ referrerType: ReferrerType }[]>`select referrer_type from contacts where borough = ${d.borough} and id = ${d.contactId}`;
    const feedback = contact ? referrerFeedback(contact.referrerType, d.pathway as Pathway, d.rationale) : null;
    if (feedback) {
      await appendEvent(tx, { borough: d.borough, caseId: d.contactId, contactId: d.contactId, kind: 'REFERRER_FEEDBACK_PREPARED', key: 'referrer-feedback:mash', at: d.at, actor: d.decidedBy, detail: feedback });
      await openTask(tx, { borough: d.borough, caseId: d.contactId, kind: 'SEND_REFERRER_FEEDBACK', key: 'referrer-feedback:mash', title: 'Tell the referrer the MASH outcome', dueAt: null, dueDate: null, createdAt: d.at, detail: feedback });
    }
  });
}

/**
 * Closes a contact's front-door case with its outcome (NFA, advice, early help, or referred on). Idempotent: a contact
 * already closed or referred keeps its first closure.
 */
export async function closeContactCase(sql: Sql, c: { borough: string; contactId: string; status: 'CLOSED' | 'REFERRED'; outcome: string; at: string; actor: string }): Promise<void> {
  await sql.begin(async (tx) => {
    const closed = await tx`
      update contacts set status = ${c.status}, updated_at = now()
      where borough = ${c.borough} and id = ${c.contactId} and status not in ('CLOSED', 'REFERRED') returning id`;
    if (closed.length === 0) return;
    await updateCase(tx, c.borough, c.contactId, { stage: c.status === 'REFERRED' ? 'REFERRED' : 'CLOSED', closedAt: c.at, closureReason: c.outcome, nextDueAt: null });
    await appendEvent(tx, { borough: c.borough, caseId: c.contactId, contactId: c.contactId, kind: c.status === 'REFERRED' ? 'REFERRED_TO_SOCIAL_CARE' : 'CONTACT_CLOSED', at: c.at, actor: c.actor, detail: { outcome: c.outcome } });
  });
}

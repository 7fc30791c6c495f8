import type { Sql } from './sql';

// How far the read model has got with a case, compared with what its workflow has answered: a step's mutation
// returns once the records show at least what its answer did (see api/read-your-step.ts).

/** A contact's progress in the records: its status, how many consent changes are stored, urgency, agency requests. */
export interface ContactProgress {
  status: string;
  consentSequence: number;
  urgent: boolean;
  requests: { agency: string; status: string }[];
}

export async function contactProgress(sql: Sql, borough: string, contactId: string): Promise<ContactProgress | null> {
  const [row] = await sql<{ status: string; consentSequence: number; urgent: boolean | null }[]>`
    select c.status, c.consent_sequence, k.urgent
    from contacts c left join cases k on k.borough = c.borough and k.id = c.id
    where c.borough = ${borough} and c.id = ${contactId}`;
  if (!row) return null;
  const requests = await sql<{ agency: string; status: string }[]>`
    select agency, status from agency_requests where borough = ${borough} and contact_id = ${contactId}`;
  return { status: row.status, consentSequence: row.consentSequence, urgent: row.urgent ?? false, requests };
}

/** The last of an episode's numbered write batches that PostgreSQL has applied (0 for none), or null for no episode. */
export async function episodeAppliedSeq(sql: Sql, borough: string, caseId: string): Promise<number | null> {
  const [row] = await sql<{ appliedSeq: number }[]>`select applied_seq from episodes where borough = ${borough} and id = ${caseId}`;
  return row?.appliedSeq ?? null;
}

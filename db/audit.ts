import type { Sql } from './sql';

/** One audited access: who, with which roles, did what to which case, with what outcome, and why. */
export interface AuditEntry {
  userId: string;
  roles: readonly string[];
  borough: string | null;
  operation: string;
  kind: 'READ' | 'WRITE';
  caseId: string | null;
  outcome: string;
  purpose: string | null;
}

/** Appends audit entries (one statement for any number). */
export async function appendAudit(sql: Sql, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql`insert into audit_log ${sql(entries.map((e) => ({ userId: e.userId, roles: [...e.roles], borough: e.borough, operation: e.operation, kind: e.kind, caseId: e.caseId, outcome: e.outcome, purpose: e.purpose })))}`;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

/** A case's audit trail, oldest first, if the case is in one of `boroughs`. */
export async function auditTrail(sql: Sql, boroughs: readonly string[], caseId: string): Promise<AuditRecord[]> {
  return sql<AuditRecord[]>`
    select id::text, at, user_id, roles, borough, operation, kind, case_id, outcome, purpose from audit_log
    where case_id = ${caseId} and exists (select 1 from cases where cases.id = ${caseId} and cases.borough = any(${boroughs as string[]}))
    order by at, id`;
}

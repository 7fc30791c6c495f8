// The query plans behind a read: every SELECT a GraphQL read sent (recorded with createSql's onStatement), explained
// by PostgreSQL as it would run it (prepared as postgres.js prepares it, its parameters' types left to the server), both with its parameters' values (a custom plan, what the first executions of a
// prepared statement get) and without (the generic plan postgres.js's prepared statements may switch to).
import type { Sql, StatementHook } from '../db/sql';

/** The tables that grow with the number of cases: a sequential scan of any of them makes a read slower as they grow. */
export const LARGE_TABLES = [
  'cases', 'case_events', 'tasks', 'escalations', 'contacts', 'contact_children', 'children', 'recommendations', 'episodes', 'episode_referrals', 'audit_log',
  'agency_requests', 'strategy_discussions', 'section47s', 'assessments', 'conferences', 'plans', 'reviews', 'referrer_feedback',
] as const;

export interface RecordedStatement {
  text: string;
  parameters: readonly unknown[];
  types: readonly number[];
}

export interface StatementPlan {
  text: string;
  /** The large tables a plan reads with a sequential scan (custom or generic plan), e.g. ["cases (generic plan)"]. */
  seqScans: string[];
  /** Sorts of more than SORT_LIMIT rows (estimated) in either plan: a read that sorts what an index could give in order. */
  largeSorts: string[];
}

/** The most rows a read may sort: a page's worth of a case's events, tasks or children, not a borough's cases. */
export const SORT_LIMIT = 1000;

/** Keeps every statement a pool sends (pass `record` as createSql's onStatement); `take()` returns and forgets them. */
export function statementRecorder(): { record: StatementHook; take: () => RecordedStatement[] } {
  let statements: RecordedStatement[] = [];
  return {
    record: (text, parameters, types) => void statements.push({ text, parameters: [...parameters], types: [...types] }),
    take: () => {
      const taken = statements;
      statements = [];
      return taken;
    },
  };
}

/** Explains each distinct SELECT among `statements` (both plans) and lists the sequential scans of large tables. */
export async function explainStatements(sql: Sql, statements: readonly RecordedStatement[]): Promise<StatementPlan[]> {
  const seen = new Set<string>();
  const plans: StatementPlan[] = [];
  for (const statement of statements) {
    if (!/^\s*(select|with)\b/i.test(statement.text) || /pg_notify|pg_advisory|current_setting/i.test(statement.text) || seen.has(statement.text)) continue;
    seen.add(statement.text);
    const { seqScans, largeSorts } = await sql.reserve().then(async (connection) => {
      try {
        const literals = statement.parameters.map(literal);
        await connection.unsafe('deallocate all');
        await connection.unsafe(`prepare read_plan as ${statement.text}`);
        const found: string[] = [];
        const sorts: string[] = [];
        for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
          await connection.unsafe(`set plan_cache_mode = ${mode}`);
          const [row] = await connection.unsafe<Record<string, unknown>[]>(`explain (format json) execute read_plan${literals.length ? `(${literals.join(', ')})` : ''}`);
          const plan = Object.values(row!)[0];
          const which = mode === 'force_custom_plan' ? 'custom' : 'generic';
          for (const table of seqScansIn(plan)) found.push(`${table} (${which} plan)`);
          for (const rows of largeSortsIn(plan)) sorts.push(`a sort of ~${rows} rows (${which} plan)`);
        }
        await connection.unsafe('reset plan_cache_mode');
        await connection.unsafe('deallocate read_plan');
        return { seqScans: found, largeSorts: sorts };
      } finally {
        connection.release();
      }
    });
    plans.push({ text: statement.text, seqScans, largeSorts });
  }
  return plans;
}

function seqScansIn(plan: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['Node Type'] === 'Seq Scan' && (LARGE_TABLES as readonly string[]).includes(String(record['Relation Name']))) found.push(String(record['Relation Name']));
    for (const value of Object.values(record)) visit(value);
  };
  visit(plan);
  return found;
}

/** A parameter as an untyped SQL literal: PREPARE has inferred each parameter's type, as it does for postgres.js. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return quote(Array.isArray(value) ? `{${value.map((item) => (item === null ? 'NULL' : `"${text(item).replace(/["\\]/g, '\\$&')}"`)).join(',')}}` : text(value));
}

function text(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function largeSortsIn(plan: unknown): number[] {
  const found: number[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['Node Type'] === 'Sort' || record['Node Type'] === 'Incremental Sort') {
      const input = (record.Plans as Record<string, unknown>[] | undefined)?.[0]?.['Plan Rows'];
      if (typeof input === 'number' && input > SORT_LIMIT) found.push(input);
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(plan);
  return found;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

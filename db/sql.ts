import type { Span, Tracer } from '@opentelemetry/api';
import postgres from 'postgres';

/** The one postgres.js client type used across the code base (columns arrive camelCased). */
export type Sql = postgres.Sql<Record<string, never>>;

/** Sees each statement as it is sent: its text, its parameters (serialised) and their type oids (0: left to the server). */
export type StatementHook = (text: string, parameters: readonly unknown[], types: readonly number[]) => void;

/** Opens the process's single connection pool. Nothing is sent until the first query. */
export function createSql(url: string, options: { max?: number; onStatement?: StatementHook } = {}): Sql {
  const onStatement = options.onStatement;
  const sql: Sql = postgres(url, {
    max: options.max ?? 10,
    ...(onStatement ? { debug: (_connection: number, text: string, parameters: unknown[], types: number[]) => onStatement(text, parameters, types) } : {}),
    transform: postgres.camel,
    onnotice: () => {},
    connect_timeout: 10,
  });
  if (queryTracer) instrumentQueries(sql, queryTracer);
  return sql;
}

/** A transaction handle from `sql.begin`. */
export type Tx = postgres.TransactionSql<Record<string, never>>;

let queryTracer: Tracer | null = null;
let instrumented = false;

/**
 * Makes a CLIENT span for every statement sent from now on (tracing on; see server/infra/telemetry.ts). The span is
 * named by the statement's first words (`select contacts`, `insert contact_children`), read from the statement's
 * text; its parameters are never looked at.
 */
export function traceQueries(tracer: Tracer): void {
  queryTracer = tracer;
}

interface QueryInternals {
  executed: boolean;
  strings: readonly string[] | string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// postgres.js has no query hooks: every statement is a Query whose `handle()` sends it once and whose resolve/reject
// settle it, so the span wraps those (all pools share the class; a query built but never awaited sends nothing).
function instrumentQueries(sql: Sql, tracer: Tracer): void {
  if (instrumented) return;
  instrumented = true;
  const prototype = Object.getPrototypeOf(sql`select 1`) as { handle: (this: QueryInternals) => Promise<void> };
  const handle = prototype.handle;
  prototype.handle = function (this: QueryInternals) {
    if (!this.executed) {
      const span: Span = tracer.startSpan(statementName(this.strings), { kind: 2 /* SpanKind.CLIENT */, attributes: { 'db.system': 'postgresql' } });
      const { resolve, reject } = this;
      this.resolve = (value) => {
        span.end();
        resolve(value);
      };
      this.reject = (error) => {
        span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: (error as { code?: string }).code ?? 'error' });
        span.end();
        reject(error);
      };
    }
    return handle.call(this);
  };
}

const KEYWORD = /^\s*(\w+)/;
const TABLE = /\b(?:from|into|update|join)\s+("?[a-z_][a-z0-9_]*"?(?:\."?[a-z_][a-z0-9_]*"?)?)/i;

/** `select contacts`: the statement's verb and the first table it names; only SQL text, never values. */
export function statementName(strings: readonly string[] | string): string {
  const text = typeof strings === 'string' ? strings : strings.join(' ');
  const verb = KEYWORD.exec(text)?.[1]?.toLowerCase() ?? 'sql';
  const table = TABLE.exec(text)?.[1]?.replaceAll('"', '');
  return table ? `${verb} ${table}` : verb;
}

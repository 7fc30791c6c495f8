import postgres from 'postgres';

/** The one postgres.js client type used across the code base (columns arrive camelCased). */
export type Sql = postgres.Sql<Record<string, never>>;

/** Sees each statement as it is sent: its text, its parameters (serialised) and their type oids (0: left to the server). */
export type StatementHook = (text: string, parameters: readonly unknown[], types: readonly number[]) => void;

/** Opens the process's single connection pool. Nothing is sent until the first query. */
export function createSql(url: string, options: { max?: number; onStatement?: StatementHook } = {}): Sql {
  const onStatement = options.onStatement;
  return postgres(url, {
    max: options.max ?? 10,
    ...(onStatement ? { debug: (_connection: number, text: string, parameters: unknown[], types: number[]) => onStatement(text, parameters, types) } : {}),
    transform: postgres.camel,
    onnotice: () => {},
    connect_timeout: 10,
  });
}

/** A transaction handle from `sql.begin`. */
export type Tx = postgres.TransactionSql<Record<string, never>>;

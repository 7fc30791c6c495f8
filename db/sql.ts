import postgres from 'postgres';

/** The one postgres.js client type used across the code base (columns arrive camelCased). */
export type Sql = postgres.Sql<Record<string, never>>;

/** Opens the process's single connection pool. Nothing is sent until the first query. */
export function createSql(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    transform: postgres.camel,
    onnotice: () => {},
    connect_timeout: 10,
  });
}

/** A transaction handle from `sql.begin`. */
export type Tx = postgres.TransactionSql<Record<string, never>>;

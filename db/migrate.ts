import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChildRows } from './children';
import { fillMissingChildIds } from './family-history';
import type { Sql } from './sql';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 'front-door:migrations';

/**
 * Applies every not-yet-applied `db/migrations/NNN_name.sql` in name order, all in one transaction under an advisory
 * lock, so concurrent starts (several workers, the API, tests) migrate once and never see half a schema.
 * Returns the names it applied.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((name) => /^\d{3}_[\w-]+\.sql$/.test(name)).sort();
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${LOCK_KEY}))`;
    await tx`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
    const done = new Set((await tx<{ name: string }[]>`select name from schema_migrations`).map((row) => row.name));
    const applied: string[] = [];
    for (const name of files.filter((file) => !done.has(file))) {
      await tx.unsafe(await fs.readFile(path.join(dir, name), 'utf8'));
      await tx`insert into schema_migrations (name) values (${name})`;
      applied.push(name);
    }
    // Data the SQL of a migration cannot compute exactly (008: child ids for names outside ASCII). A no-op when done.
    if (files.includes('008_family_history.sql')) await fillMissingChildIds(tx);
    // 012: a census id for every child named on a contact, including those whose id was only just filled.
    if (files.includes('012_child_characteristics.sql')) await ensureChildRows(tx);
    return applied;
  });
}

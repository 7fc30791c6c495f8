import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/sql';

// Replaced by part A's recordChildCharacteristics after merge: the child's census characteristics, which part A's
// GraphQL step records (with who changed what), put straight into the `children` table of migration 012 so the
// census tests can read them. Nothing else in the census tests writes to the database.

export interface Characteristics {
  sex?: 'M' | 'F' | 'U' | null;
  ethnicity?: string | null;
  disabilities?: string[] | null;
  upn?: string | null;
  upnUnknown?: string | null;
  deathDate?: string | null;
}

/** Records the characteristics of the child of an episode (creating the child's census row if it has none). */
export async function recordCharacteristics(sql: Sql, caseId: string, values: Characteristics): Promise<void> {
  const [episode] = await sql<{ borough: string; childId: string }[]>`select borough, child_id from episodes where id = ${caseId}`;
  if (!episode) throw new Error(`no episode ${caseId}`);
  await sql`
    insert into children (borough, child_id, la_child_id, sex, ethnicity, disabilities, upn, upn_unknown, death_date)
    values (${episode.borough}, ${episode.childId}, upper(${episode.borough}) || lpad(nextval('children_la_child_seq')::text, 8, '0'),
            ${values.sex ?? null}, ${values.ethnicity ?? null}, ${values.disabilities ? sql.array(values.disabilities) : null}, ${values.upn ?? null}, ${values.upnUnknown ?? null}, ${values.deathDate ?? null})
    on conflict (borough, child_id) do update set sex = excluded.sex, ethnicity = excluded.ethnicity, disabilities = excluded.disabilities,
      upn = excluded.upn, upn_unknown = excluded.upn_unknown, death_date = excluded.death_date, updated_at = now()`;
}

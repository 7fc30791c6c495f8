import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/sql';

// Rows that other parts of issue 10 record through their own steps, put straight into PostgreSQL so the performance
// and returns tests can count them before those steps exist on this branch.
// Replaced by the part B API (recordVisit) and the part C API (stepDown with earlyHelp, endEarlyHelp) after merge.

/** A statutory visit on an episode, as part B's `recordVisit` stores it. Replaced by part B's API after merge. */
export async function insertVisit(
  sql: Sql,
  v: { borough: string; episodeId: string; visitedOn: string; childSeen: boolean; seenAlone: boolean; dueDate: string | null; withinTimescale: boolean | null },
): Promise<string> {
  const id = randomUUID();
  const [plan] = await sql<{ id: string }[]>`select id from plans where borough = ${v.borough} and episode_id = ${v.episodeId} order by start_date desc limit 1`;
  await sql`
    insert into visits (id, borough, episode_id, plan_id, visited_on, visitor, child_seen, seen_alone, note, due_date, within_timescale, recorded_by, recorded_at)
    values (${id}, ${v.borough}, ${v.episodeId}, ${plan?.id ?? null}, ${v.visitedOn}, 'Social worker', ${v.childSeen}, ${v.seenAlone}, 'Home visit.', ${v.dueDate}, ${v.withinTimescale}, 'returns-fixture', now())`;
  return id;
}

/** An early help episode (started, and ended with an outcome), as part C's steps store it. Replaced by part C's API after merge. */
export async function insertEarlyHelpEpisode(
  sql: Sql,
  e: { borough: string; episodeId: string; startedOn: string; endedOn: string | null; outcome: string | null },
): Promise<string> {
  const id = randomUUID();
  const [episode] = await sql<{ childId: string }[]>`select child_id from episodes where borough = ${e.borough} and id = ${e.episodeId}`;
  const [step] = await sql<{ id: string }[]>`
    select id from step_changes where borough = ${e.borough} and episode_id = ${e.episodeId} and to_level = 'EARLY_HELP' order by at desc limit 1`;
  await sql`
    insert into early_help_episodes (id, borough, episode_id, child_id, step_change_id, started_on, organisation, ended_on, outcome, recorded_by, recorded_at, ended_by)
    values (${id}, ${e.borough}, ${e.episodeId}, ${episode!.childId}, ${step?.id ?? null}, ${e.startedOn}, 'Family support service', ${e.endedOn}, ${e.outcome},
      'returns-fixture', now(), ${e.endedOn ? 'returns-fixture' : null})`;
  return id;
}

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

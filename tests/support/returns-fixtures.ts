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

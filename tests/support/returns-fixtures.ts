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

// What the statutory returns read but parts A, B and C of issue 10 record (child characteristics, statutory visits,
// early help episodes, "child seen during the assessment"). Replaced by part A/B/C's API after merge: each function
// names the GraphQL step that records the same thing, so the lead can switch the call and keep the test.

/**
 * The child's census id and characteristics. Replaced by part A's API after merge (`receiveContact` with the
 * child's `sex`, `ethnicity`, `disabilities`, or `recordChildCharacteristics`). Returns the census id.
 */
export async function recordChildCharacteristics(
  sql: Sql, borough: string, childId: string, characteristics: { sex?: 'M' | 'F' | 'U'; ethnicity?: string; disabilities?: string[] } = {},
): Promise<string> {
  const [row] = await sql<{ laChildId: string }[]>`
    insert into children (borough, child_id, la_child_id, sex, ethnicity, disabilities)
    values (${borough}, ${childId}, ${borough.toUpperCase()} || lpad(nextval('children_la_child_seq')::text, 8, '0'),
      ${characteristics.sex ?? null}, ${characteristics.ethnicity ?? null}, ${characteristics.disabilities ?? null})
    on conflict (borough, child_id) do update set sex = excluded.sex, ethnicity = excluded.ethnicity, disabilities = excluded.disabilities, updated_at = now()
    returning la_child_id`;
  return row!.laChildId;
}

/** A statutory visit on an episode. Replaced by part B's API after merge (`recordVisit`). */
export async function recordVisit(
  sql: Sql, visit: { borough: string; episodeId: string; visitedOn: string; childSeen: boolean; seenAlone: boolean },
): Promise<void> {
  const [plan] = await sql<{ id: string }[]>`select id from plans where episode_id = ${visit.episodeId} and end_date is null order by kind limit 1`;
  await sql`
    insert into visits (id, borough, episode_id, plan_id, visited_on, visitor, child_seen, seen_alone, note, recorded_by, recorded_at)
    values (${randomUUID()}, ${visit.borough}, ${visit.episodeId}, ${plan?.id ?? null}, ${visit.visitedOn}, 'Social worker', ${visit.childSeen}, ${visit.seenAlone},
      'Statutory visit at home.', 'returns-fixtures', now())`;
}

/**
 * The early help episode a step-down to early help starts, with its assessment. Replaced by part C's API after merge
 * (`stepDown` with `earlyHelp: { organisation, startDate }`, then `recordEarlyHelpAssessment`).
 */
export async function recordEarlyHelp(
  sql: Sql, earlyHelp: { borough: string; episodeId: string; childId: string; startedOn: string; organisation: string; assessmentCompletedOn: string | null },
): Promise<void> {
  await sql`
    insert into early_help_episodes (id, borough, episode_id, child_id, started_on, organisation, assessment_completed_on, recorded_by, recorded_at)
    values (${randomUUID()}, ${earlyHelp.borough}, ${earlyHelp.episodeId}, ${earlyHelp.childId}, ${earlyHelp.startedOn}, ${earlyHelp.organisation},
      ${earlyHelp.assessmentCompletedOn}, 'returns-fixtures', now())`;
}

/** Whether the child was seen during the episode's assessment. Replaced by part C's API after merge (`completeAssessment` with `childSeen`). */
export async function recordAssessmentChildSeen(sql: Sql, episodeId: string, childSeen: boolean): Promise<void> {
  await sql`update assessments set child_seen = ${childSeen} where episode_id = ${episodeId}`;
}

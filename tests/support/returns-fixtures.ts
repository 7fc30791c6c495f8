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

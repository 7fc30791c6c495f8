/**
 * Synthetic cases for the read benchmark and the read-plan test: contacts at every front-door stage and the episodes
 * their referrals opened at every episode stage, with timelines, tasks (some overdue), escalations, out-of-hours
 * cases and several teams and workers, written straight into PostgreSQL by a few set-based statements (generate_series,
 * no workflows, no names of real people). Rows have the columns and values the real code writes (db/contacts.ts,
 * db/front-door.ts, db/casework.ts, db/episodes.ts). Never point this at a database holding real cases.
 */
import { EPISODE_STAGES } from '../workflows/episode/types';
import type { Sql } from './sql';

export interface SyntheticCases {
  contacts: number;
  episodes: number;
  /** contacts + episodes: every row in `cases`. */
  cases: number;
}

/**
 * Seeds about `cases` cases into `borough` (5 contacts to every 2 episodes: 2 in 5 contacts are referred, each
 * opening one child's episode), received over the year before `now`, then ANALYZEs the tables read. Of the contacts:
 * 4 in 10 referred, 2 closed, 3 awaiting screening (1 in 50 of all with the out-of-hours team), 1 in a MASH enquiry;
 * open cases' deadlines run from 2 days past to 4 days ahead of `now` (the past ones escalated once). Episodes cycle
 * through every episode stage. Teams team-0..5, workers worker-0..119; 1 case in 97 is urgent.
 */
export async function insertSyntheticCases(sql: Sql, borough: string, options: { cases: number; now: Date }): Promise<SyntheticCases> {
  const contacts = Math.max(1, Math.round((options.cases * 5) / 7));
  const now = options.now;
  const upper = borough.toUpperCase();
  await sql.begin(async (tx) => {
    // One row per contact with everything derived from its number n, so the statements below agree.
    await tx`
      create temporary table synthetic_contacts on commit drop as
      select n, gen_random_uuid() as id,
        ${now}::timestamptz - (n::double precision / ${contacts} * interval '365 days') - interval '1 hour' as received_at,
        case when n % 10 < 4 then 'REFERRED' when n % 10 < 6 then 'CLOSED' when n % 10 = 8 then 'MASH_ENQUIRY' else 'AWAITING_SCREENING' end as status,
        (n % 50 = 9) as out_of_hours,
        (array['GREEN', 'AMBER', 'RED'])[1 + n % 3] as rag,
        ${now}::timestamptz + ((n % 7) - 2) * interval '1 day' + (n % 24) * interval '1 hour' as due_at,
        'team-' || (n % 6) as team,
        'worker-' || (n % 120) as worker,
        (n % 97 = 0) as urgent
      from generate_series(1, ${contacts}::int) n`;
    await tx`
      insert into contacts (id, borough, reference, received_at, received_by, channel, referrer_type, referral_source_code, consent, indicators,
        summary, ruleset_version, status, out_of_hours, screening_clock_starts_at, screening_due_date, screening_due_at)
      select id, ${borough}, ${upper} || '-' || to_char(received_at, 'YYMMDD') || '-' || upper(substr(md5(id::text), 1, 4)) || '-' || upper(substr(md5(id::text), 5, 4)) || '-' || n,
        received_at, 'synthetic', 'PHONE', (array['SCHOOL', 'GP', 'POLICE', 'FAMILY_MEMBER'])[1 + n % 4], (array['2A', '3A', '5A', '1A'])[1 + n % 4],
        (array['GIVEN', 'NOT_SOUGHT', 'REFUSED'])[1 + n % 3], array['NEGLECT', 'DOMESTIC_ABUSE'], 'Synthetic contact.', 1, status, out_of_hours,
        received_at, (received_at + interval '1 day')::date, received_at + interval '1 day'
      from synthetic_contacts`;
    await tx`
      insert into contact_children (contact_id, borough, position, first_name, last_name, date_of_birth, child_id)
      select id, ${borough}, 0, 'Child', 'Synthetic ' || n, (received_at - (n % 17 + 1) * interval '1 year')::date, gen_random_uuid() from synthetic_contacts`;
    await tx`
      insert into children (borough, child_id, la_child_id)
      select ${borough}, child_id, census_child_id(${borough}) from contact_children where borough = ${borough}`;
    await tx`
      insert into recommendations (contact_id, borough, level_of_need, pathway, rag, deciding_rule_id, summary, explanation, ruleset_version, ruleset_hash, evaluated_at)
      select id, ${borough}, 1 + n % 4, (array['EARLY_HELP', 'MASH_ENQUIRY', 'S17_ASSESSMENT', 'STRATEGY_DISCUSSION'])[1 + n % 4], rag, 'synthetic',
        'Synthetic recommendation.', '{}'::jsonb, 1, 'synthetic', received_at
      from synthetic_contacts`;
    // The contact's own case: open while awaiting screening or in a MASH enquiry, closed once referred or closed.
    await tx`
      insert into cases (id, borough, kind, contact_id, reference, stage, rag, out_of_hours, urgent, team, worker, next_due_at, opened_at, closed_at, closure_reason)
      select s.id, ${borough}, 'CONTACT', s.id, c.reference, s.status, s.rag, s.out_of_hours, s.urgent,
        case when s.status = 'AWAITING_SCREENING' then null else s.team end, case when s.status = 'MASH_ENQUIRY' then s.worker end,
        case when s.status in ('AWAITING_SCREENING', 'MASH_ENQUIRY') then s.due_at end, s.received_at,
        case when s.status in ('REFERRED', 'CLOSED') then s.received_at + interval '2 days' end,
        case when s.status = 'REFERRED' then 'REFERRED_TO_SOCIAL_CARE' when s.status = 'CLOSED' then 'NO_FURTHER_ACTION' end
      from synthetic_contacts s join contacts c on c.id = s.id`;
    // Each referred contact opens its child's episode, at a stage cycling through every episode stage.
    await tx`
      create temporary table synthetic_episodes on commit drop as
      select s.n, gen_random_uuid() as id, s.id as contact_id, ch.child_id, s.received_at + interval '2 days' as referral_at, s.rag, s.team, s.worker, s.urgent, s.due_at,
        (${[...EPISODE_STAGES]}::text[])[1 + (s.n / 10) % ${EPISODE_STAGES.length}] as stage
      from synthetic_contacts s join contact_children ch on ch.contact_id = s.id and ch.position = 0
      where s.status = 'REFERRED'`;
    await tx`
      insert into cases (id, borough, kind, contact_id, child_position, child_id, reference, stage, rag, urgent, team, worker, next_due_at, opened_at, closed_at, closure_reason)
      select e.id, ${borough}, 'EPISODE', e.contact_id, 0, e.child_id, c.reference || '/1', e.stage, e.rag, e.urgent, e.team, e.worker,
        case when e.stage <> 'CLOSED' then e.due_at end, e.referral_at,
        case when e.stage = 'CLOSED' then e.referral_at + interval '30 days' end, case when e.stage = 'CLOSED' then 'CASE_CLOSED' end
      from synthetic_episodes e join contacts c on c.id = e.contact_id`;
    await tx`
      insert into episodes (id, borough, child_id, first_contact_id, referral_at, referral_date, referral_source, primary_need, pathway, level_of_need, rag,
        re_referral, assessment_due_date, assessment_due_at, level, closed_at, closure_reason)
      select e.id, ${borough}, e.child_id, e.contact_id, e.referral_at, e.referral_at::date, '2A', 'N1', 'S17_ASSESSMENT', 3, e.rag, e.n % 20 = 0,
        (e.referral_at + interval '45 days')::date, e.referral_at + interval '45 days',
        case e.stage when 'CP_PLAN' then 'CP' when 'CIN_PLAN' then 'CIN' when 'EARLY_HELP' then 'EARLY_HELP' else 'NONE' end,
        case when e.stage = 'CLOSED' then e.referral_at + interval '30 days' end, case when e.stage = 'CLOSED' then 'CASE_CLOSED' end
      from synthetic_episodes e`;
    await tx`
      insert into episode_referrals (episode_id, borough, child_id, contact_id, child_position, referral_at, pathway, decided_by, joined)
      select id, ${borough}, child_id, contact_id, 0, referral_at, 'S17_ASSESSMENT', 'synthetic', false from synthetic_episodes`;
    // Timelines: what receipt, the rules, screening, closure, an episode's opening and allocation write.
    await tx`
      insert into case_events (id, borough, case_id, contact_id, kind, at, actor, detail)
      select gen_random_uuid(), ${borough}, id, contact_id, kind, at, actor, detail from (
        select id, id as contact_id, 'CONTACT_RECEIVED' as kind, received_at as at, 'synthetic' as actor, '{"channel": "PHONE"}'::jsonb as detail from synthetic_contacts
        union all select id, id, 'RECOMMENDATION_MADE', received_at + interval '1 second', 'threshold-rules', jsonb_build_object('rag', rag) from synthetic_contacts
        union all select id, id, 'SCREENING_DECIDED', received_at + interval '1 day', 'synthetic', '{}'::jsonb from synthetic_contacts where status <> 'AWAITING_SCREENING'
        union all select id, id, case when status = 'REFERRED' then 'REFERRED_TO_SOCIAL_CARE' else 'CONTACT_CLOSED' end, received_at + interval '2 days', 'synthetic', '{}'::jsonb
          from synthetic_contacts where status in ('REFERRED', 'CLOSED')
        union all select id, contact_id, 'EPISODE_OPENED', referral_at, 'synthetic', '{"pathway": "S17_ASSESSMENT"}'::jsonb from synthetic_episodes
        union all select id, contact_id, 'WORKER_ALLOCATED', referral_at + interval '1 hour', 'synthetic', jsonb_build_object('worker', worker, 'team', team) from synthetic_episodes
      ) events`;
    // Tasks: the screening decision (done, or open with its deadline), a MASH decision, an episode's next step.
    await tx`
      insert into tasks (id, borough, case_id, kind, title, due_at, due_date, status, created_at, completed_at)
      select gen_random_uuid(), ${borough}, case_id, kind, title, due_at, due_at::date, status, created_at, completed_at from (
        select id as case_id, 'SCREENING_DECISION' as kind, 'Screening decision by a named person' as title,
          case when status = 'AWAITING_SCREENING' then due_at else received_at + interval '1 day' end as due_at,
          case when status = 'AWAITING_SCREENING' then 'OPEN' else 'DONE' end as status, received_at as created_at,
          case when status <> 'AWAITING_SCREENING' then received_at + interval '1 day' end as completed_at
        from synthetic_contacts
        union all select id, 'MASH_DECISION', 'MASH decision (' || rag || ' enquiry)', due_at, 'OPEN', received_at + interval '1 day', null from synthetic_contacts where status = 'MASH_ENQUIRY'
        union all select id, 'ASSESSMENT', 'Assessment by its due date', due_at, case when stage = 'CLOSED' then 'DONE' else 'OPEN' end, referral_at,
          case when stage = 'CLOSED' then referral_at + interval '30 days' end from synthetic_episodes
      ) t`;
    // A case past its deadline has had its first escalation (and the event it writes).
    await tx`
      create temporary table synthetic_escalations on commit drop as
      select gen_random_uuid() as id, id as case_id, contact_id, stage, next_due_at as due_at, next_due_at + interval '1 minute' as escalated_at
      from cases where borough = ${borough} and closed_at is null and next_due_at < ${now}`;
    await tx`
      insert into escalations (id, borough, case_id, stage, subject, rung, notify, due_at, escalated_at, reason, raised_by)
      select id, ${borough}, case_id, stage, '', 0, 'TEAM_MANAGER', due_at, escalated_at, 'The deadline passed.', 'front-door' from synthetic_escalations`;
    await tx`
      insert into case_events (id, borough, case_id, contact_id, kind, at, actor, detail)
      select gen_random_uuid(), ${borough}, case_id, contact_id, 'ESCALATED', escalated_at, 'front-door', jsonb_build_object('stage', stage, 'rung', 0, 'notify', 'TEAM_MANAGER')
      from synthetic_escalations`;
  });
  await sql`analyze contacts, contact_children, children, recommendations, cases, episodes, episode_referrals, case_events, tasks, escalations`;
  const [counts] = await sql<{ contacts: number; episodes: number }[]>`
    select count(*) filter (where kind = 'CONTACT')::int as contacts, count(*) filter (where kind = 'EPISODE')::int as episodes from cases where borough = ${borough}`;
  return { contacts: counts!.contacts, episodes: counts!.episodes, cases: counts!.contacts + counts!.episodes };
}

-- Issue 10: statutory visits (Annex A list 7, "date child last seen" in list 6), whether the child was seen during
-- an assessment (list 4), and the early help episode a step-down starts (list 2, early help outcomes).

-- A statutory visit to a child on a plan (or any visit recorded on an open episode).
create table visits (
  id                uuid primary key,
  borough           text not null,
  episode_id        uuid not null references episodes (id),
  -- The plan the visit counts for (CP or CIN), null if the child had no open plan.
  plan_id           uuid references plans (id),
  visited_on        date not null,
  visitor           text not null,
  child_seen        boolean not null,
  seen_alone        boolean not null,
  note              text not null,
  -- The visit deadline this visit met or missed (the plan's next visit due date when it was recorded).
  due_date          date,
  within_timescale  boolean,
  recorded_by       text not null,
  recorded_at       timestamptz not null,
  check (child_seen or not seen_alone)
);
create index visits_episode on visits (borough, episode_id, visited_on);

-- The next statutory visit due for an open plan (CP every 10 working days, CIN every 20 by default).
alter table plans add column next_visit_due_date date;

-- Was the child seen during the assessment (recorded when it is completed; null for assessments before issue 10).
alter table assessments add column child_seen boolean;

-- The early help episode a step-down to early help starts.
create table early_help_episodes (
  id                       uuid primary key,
  borough                  text not null,
  episode_id               uuid not null references episodes (id),
  child_id                 uuid not null,
  step_change_id           uuid references step_changes (id),
  started_on               date not null,
  organisation             text not null,
  assessment_completed_on  date,
  ended_on                 date,
  outcome                  text check (outcome in ('NEEDS_MET', 'STEPPED_UP', 'DISENGAGED', 'MOVED_AWAY', 'TRANSFERRED', 'OTHER')),
  outcome_note             text,
  recorded_by              text not null,
  recorded_at              timestamptz not null,
  ended_by                 text,
  check ((ended_on is null) = (outcome is null))
);
create unique index early_help_one_open on early_help_episodes (episode_id) where ended_on is null;
create index early_help_borough on early_help_episodes (borough, started_on);

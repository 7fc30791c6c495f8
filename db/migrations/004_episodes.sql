-- A child's episode of children's social care, from referral to closure (DfE CIN census "CINdetails"), and what
-- happens in it: strategy discussions, section 47 enquiries, assessments, conferences, plans, their actions and
-- reviews, police protection and emergency protection orders. The episode id is its case id (cases.kind 'EPISODE').
-- Every table carries the owning borough. The workflow enforces the census invariants; the partial unique indexes
-- below are a second line of defence for "one open ... per child".

create table episodes (
  id                   uuid primary key references cases (id),
  borough              text not null,
  child_id             uuid not null,
  first_contact_id     uuid not null references contacts (id),
  referral_at          timestamptz not null,
  referral_date        date not null,
  referral_source      text not null,
  primary_need         text not null,
  pathway              text not null,
  level_of_need        integer not null,
  rag                  text not null,
  re_referral          boolean not null,
  previous_episode_id  uuid references episodes (id),
  referral_nfa         boolean not null default false,
  assessment_due_date  date,
  assessment_due_at    timestamptz,
  level                text not null default 'NONE' check (level in ('NONE', 'EARLY_HELP', 'CIN', 'CP')),
  closed_at            timestamptz,
  closure_reason       text,
  closure_note         text,
  closed_by            text,
  -- The last of the episode's numbered write batches applied: batches apply once, in order.
  applied_seq          integer not null default 0,
  check ((closed_at is null) = (closure_reason is null))
);
create unique index episodes_one_open_per_child on episodes (borough, child_id) where closed_at is null;
create index episodes_child on episodes (borough, child_id, referral_at);

-- Every referral (contact) that opened or joined an episode; a contact refers a child at most once.
create table episode_referrals (
  episode_id     uuid not null references episodes (id),
  borough        text not null,
  child_id       uuid not null,
  contact_id     uuid not null references contacts (id),
  child_position integer not null,
  referral_at    timestamptz not null,
  pathway        text not null,
  decided_by     text not null,
  joined         boolean not null,
  primary key (episode_id, contact_id),
  unique (child_id, contact_id)
);

create table strategy_discussions (
  id                 uuid primary key,
  borough            text not null,
  episode_id         uuid not null references episodes (id),
  status             text not null check (status in ('SCHEDULED', 'HELD')),
  scheduled_for      timestamptz,
  invited_agencies   text[],
  scheduled_by       text,
  held_at            timestamptz,
  outcome            text check (outcome in ('SECTION_47', 'S17_ASSESSMENT', 'NO_FURTHER_ACTION')),
  rationale          text,
  complete           boolean,
  missing_agencies   text[],
  social_care_manager_present boolean,
  override_reason    text,
  override_by        text,
  recorded_by        text,
  recorded_at        timestamptz
);
create index strategy_discussions_episode on strategy_discussions (borough, episode_id, held_at);

create table strategy_discussion_attendees (
  discussion_id  uuid not null references strategy_discussions (id),
  borough        text not null,
  position       integer not null,
  agency         text not null,
  name           text not null,
  role           text not null,
  manager        boolean not null,
  primary key (discussion_id, position)
);

create table strategy_discussion_actions (
  discussion_id  uuid not null references strategy_discussions (id),
  borough        text not null,
  position       integer not null,
  description    text not null,
  owner          text not null,
  agency         text not null,
  due_date       date not null,
  primary key (discussion_id, position)
);

create table section47s (
  id                       uuid primary key,
  borough                  text not null,
  episode_id               uuid not null references episodes (id),
  strategy_discussion_id   uuid not null references strategy_discussions (id),
  status                   text not null check (status in ('OPEN', 'AWAITING_AUTHORISATION', 'COMPLETED')),
  started_at               timestamptz not null,
  started_by               text not null,
  icpc_anchor              text not null,
  icpc_anchor_discussion_id uuid not null references strategy_discussions (id),
  icpc_due_date            date,
  icpc_due_at              timestamptz,
  enquiries                text[],
  analysis                 text,
  recommendation           text check (recommendation in ('CONVENE_ICPC', 'CHILD_IN_NEED', 'NO_FURTHER_ACTION')),
  recommendation_detail    text,
  outcome_recorded_by      text,
  outcome_recorded_at      timestamptz,
  authorised_by            text,
  authorised_at            timestamptz,
  manager_comment          text,
  check (status <> 'COMPLETED' or (enquiries is not null and analysis is not null and recommendation is not null and authorised_by is not null))
);
create unique index section47s_one_open on section47s (episode_id) where status <> 'COMPLETED';

create table assessments (
  id              uuid primary key,
  borough         text not null,
  episode_id      uuid not null references episodes (id),
  status          text not null check (status in ('OPEN', 'COMPLETED')),
  started_at      timestamptz not null,
  started_by      text not null,
  due_date        date,
  due_at          timestamptz,
  completed_at    timestamptz,
  authorised_by   text,
  overdue_reason  text,
  summary         text,
  check (status <> 'COMPLETED' or authorised_by is not null)
);
create unique index assessments_one_open on assessments (episode_id) where status = 'OPEN';

create table assessment_factors (
  assessment_id  uuid not null references assessments (id),
  borough        text not null,
  code           text not null,
  primary key (assessment_id, code)
);

create table conferences (
  id                 uuid primary key,
  borough            text not null,
  episode_id         uuid not null references episodes (id),
  section47_id       uuid not null references section47s (id),
  kind               text not null check (kind in ('ICPC')),
  held_on            date not null,
  due_date           date,
  within_timescale   boolean,
  outcome            text not null check (outcome in ('CP_PLAN', 'NO_CP_PLAN')),
  category_of_abuse  text,
  note               text,
  recorded_by        text not null,
  recorded_at        timestamptz not null,
  unique (section47_id)
);

create table plans (
  id                 uuid primary key,
  borough            text not null,
  episode_id         uuid not null references episodes (id),
  kind               text not null check (kind in ('CIN', 'CP')),
  start_date         date not null,
  end_date           date,
  end_reason         text,
  category_of_abuse  text,
  conference_id      uuid references conferences (id),
  next_review_due_date      date,
  first_core_group_due_date date,
  created_by         text not null,
  created_at         timestamptz not null,
  check (kind <> 'CP' or (conference_id is not null and category_of_abuse is not null))
);
create unique index plans_one_open_per_kind on plans (episode_id, kind) where end_date is null;

create table plan_actions (
  id                  uuid primary key,
  borough             text not null,
  episode_id          uuid not null references episodes (id),
  plan_id             uuid not null references plans (id),
  description         text not null,
  responsible_agency  text not null,
  responsible_person  text,
  due_date            date not null,
  intended_outcome    text not null,
  status              text not null check (status in ('OPEN', 'COMPLETED', 'CANCELLED', 'ENDED_WITH_PLAN')),
  note                text,
  created_by          text not null,
  created_at          timestamptz not null,
  updated_by          text,
  updated_at          timestamptz,
  closed_at           timestamptz
);
create index plan_actions_plan on plan_actions (borough, plan_id, due_date);

create table reviews (
  id                  uuid primary key,
  borough             text not null,
  episode_id          uuid not null references episodes (id),
  plan_id             uuid not null references plans (id),
  kind                text not null check (kind in ('CORE_GROUP', 'REVIEW_CONFERENCE', 'CIN_REVIEW')),
  held_on             date not null,
  due_date            date,
  summary             text not null,
  overdue_action_ids  uuid[] not null,
  next_due_date       date,
  recorded_by         text not null,
  recorded_at         timestamptz not null
);
create index reviews_plan on reviews (borough, plan_id, held_on);

create table protection_orders (
  id              uuid primary key,
  borough         text not null,
  episode_id      uuid not null references episodes (id),
  kind            text not null check (kind in ('POLICE_PROTECTION', 'EMERGENCY_PROTECTION_ORDER')),
  started_at      timestamptz not null,
  ends_at         timestamptz not null,
  extended_by_days integer,
  extended_at     timestamptz,
  ended_at        timestamptz,
  end_outcome     text,
  recorded_by     text not null
);
create unique index protection_orders_one_in_force on protection_orders (episode_id, kind) where ended_at is null;

-- Step-up and step-down decisions between CP, CIN and early help (the inspection asked for early help outcomes).
create table step_changes (
  id          uuid primary key,
  borough     text not null,
  episode_id  uuid not null references episodes (id),
  direction   text not null check (direction in ('UP', 'DOWN')),
  from_level  text not null,
  to_level    text not null,
  reason      text not null,
  decided_by  text not null,
  at          timestamptz not null
);

-- Contacts received at a borough's front door, the rules' recommendation for each, and the case timeline.
-- Every table carries the owning borough so every query can (and must) filter by it.

create table contacts (
  id                        uuid primary key,
  borough                   text not null,
  reference                 text not null unique,
  idempotency_key           text,
  received_at               timestamptz not null,
  received_by               text not null,
  channel                   text not null,
  referrer_type             text not null,
  referral_source_code      text not null,
  referrer_name             text,
  referrer_organisation     text,
  referrer_contact_details  text,
  consent                   text not null,
  indicators                text[] not null,
  summary                   text not null,
  ruleset_version           integer not null,
  status                    text not null,
  out_of_hours              boolean,
  screening_clock_starts_at timestamptz,
  screening_due_date        date,
  screening_due_at          timestamptz,
  created_at                timestamptz not null default now(),
  updated_at                timestamptz not null default now(),
  unique (borough, idempotency_key)
);
create index contacts_borough_received on contacts (borough, received_at desc);
create index contacts_borough_status_due on contacts (borough, status, screening_due_at);

create table contact_children (
  contact_id              uuid not null references contacts (id),
  borough                 text not null,
  position                integer not null,
  first_name              text not null,
  last_name               text not null,
  date_of_birth           date,
  expected_date_of_birth  date,
  primary key (contact_id, position),
  check ((date_of_birth is null) <> (expected_date_of_birth is null))
);

create table recommendations (
  contact_id        uuid primary key references contacts (id),
  borough           text not null,
  level_of_need     integer not null check (level_of_need between 1 and 4),
  pathway           text not null,
  rag               text not null,
  deciding_rule_id  text not null,
  summary           text not null,
  explanation       jsonb not null,
  ruleset_version   integer not null,
  ruleset_hash      text not null,
  evaluated_at      timestamptz not null
);

-- The case timeline: one row per thing that happened, with who and why. Append-only.
create table case_events (
  id          uuid primary key,
  borough     text not null,
  contact_id  uuid not null references contacts (id),
  kind        text not null,
  at          timestamptz not null,
  actor       text not null,
  detail      jsonb not null default '{}'::jsonb
);
create index case_events_contact on case_events (borough, contact_id, at);

-- The casework path: a case is a contact at the front door (case id = contact id) or a child's episode after
-- referral (case id = episode id). Tasks carry every computed deadline; escalations record each rung once.

create table cases (
  id            uuid primary key,
  borough       text not null,
  kind          text not null check (kind in ('CONTACT', 'EPISODE')),
  contact_id    uuid not null references contacts (id),
  child_position integer,
  -- The child's identity across contacts (borough, names, date of birth): one open episode per child at a time.
  child_id      uuid,
  reference     text not null,
  stage         text not null,
  rag           text,
  out_of_hours  boolean not null default false,
  urgent        boolean not null default false,
  team          text,
  worker        text,
  next_due_at   timestamptz,
  opened_at     timestamptz not null,
  closed_at     timestamptz,
  closure_reason text,
  updated_at    timestamptz not null default now()
);
create index cases_borough_stage on cases (borough, stage) where closed_at is null;
create index cases_borough_due on cases (borough, next_due_at) where closed_at is null;
create index cases_borough_worker on cases (borough, worker) where closed_at is null;
create index cases_child on cases (borough, child_id, opened_at);

-- Everything with a due date: what must happen, by when, and whether it has.
create table tasks (
  id           uuid primary key,
  borough      text not null,
  case_id      uuid not null references cases (id),
  kind         text not null,
  title        text not null,
  due_at       timestamptz,
  due_date     date,
  status       text not null default 'OPEN' check (status in ('OPEN', 'DONE', 'CANCELLED')),
  created_at   timestamptz not null,
  completed_at timestamptz,
  detail       jsonb not null default '{}'::jsonb
);
create index tasks_case on tasks (borough, case_id, status);
create index tasks_open_due on tasks (borough, due_at) where status = 'OPEN';

-- One row per rung of an escalation ladder that fired; the id makes a rung fire at most once.
create table escalations (
  id          uuid primary key,
  borough     text not null,
  case_id     uuid not null references cases (id),
  stage       text not null,
  subject     text not null default '',
  rung        integer not null,
  notify      text not null,
  due_at      timestamptz not null,
  escalated_at timestamptz not null,
  reason      text not null,
  raised_by   text not null
);
create index escalations_case on escalations (borough, case_id, escalated_at);
create index escalations_borough_time on escalations (borough, escalated_at);

alter table case_events add column case_id uuid;
update case_events set case_id = contact_id;
alter table case_events alter column case_id set not null;
create index case_events_case on case_events (borough, case_id, at);

-- MASH information requests to partner agencies, and the log of what each shared, with whom, why and on what basis.
create table agency_requests (
  id               uuid primary key,
  borough          text not null,
  contact_id       uuid not null references contacts (id),
  agency           text not null,
  requested_by     text not null,
  requested_at     timestamptz not null,
  purpose          text not null,
  consent_basis    text not null,
  due_at           timestamptz not null,
  status           text not null check (status in ('REQUESTED', 'RESPONDED', 'WITHDRAWN')),
  responded_at     timestamptz,
  response_summary text,
  shared_by        text,
  recorded_by      text,
  withdrawn_reason text,
  unique (contact_id, agency)
);
create index agency_requests_open on agency_requests (borough, status, due_at);

-- Consent to multi-agency checks, as it changes.
alter table contacts add column consent_reason text;

-- The ruleset version is resolved by the workflow (from the versions in PostgreSQL), not fixed at receipt.
alter table contacts alter column ruleset_version drop not null;

-- Threshold ruleset versions and their lifecycle, the append-only audit of every change to them, the borough
-- settings each start-up ran with, what-if simulation reports, and screening decisions (the human decision beside
-- the rules' recommendation, for override analytics). Every table carries the borough.

-- One row per ruleset version of a borough. Lifecycle: DRAFT -> VALIDATED -> APPROVED -> PUBLISHED. A published row
-- never changes again (trigger below); whether it is scheduled, in force or superseded follows from the published
-- rows' effective times and publish order (db/rulesets.ts). Versions are numbered per borough from 1.
create table ruleset_versions (
  borough           text not null,
  version           integer not null check (version >= 1),
  status            text not null check (status in ('DRAFT', 'VALIDATED', 'APPROVED', 'PUBLISHED')),
  content           jsonb not null,
  content_hash      text not null,
  author            text not null,
  reason            text not null,
  based_on_version  integer,
  rollback_of       integer,
  -- Seeds: the file a version was published from, and that file's content hash (a file is seeded once).
  source            text,
  source_hash       text,
  -- The last validation since the content last changed (null: not validated since).
  problems          jsonb,
  validated_at      timestamptz,
  approved_by       text,
  approved_at       timestamptz,
  approval_reason   text,
  published_by      text,
  published_at      timestamptz,
  publish_reason    text,
  effective_from    timestamptz,
  publish_seq       bigint unique,
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  primary key (borough, version),
  check ((status = 'PUBLISHED') = (published_at is not null and effective_from is not null and publish_seq is not null)),
  check ((status = 'APPROVED') <= (approved_by is not null)),
  -- Four eyes: nobody approves their own draft.
  check (approved_by is null or approved_by <> author)
);
create unique index ruleset_versions_seed on ruleset_versions (borough, source_hash) where source_hash is not null;
create index ruleset_versions_published on ruleset_versions (borough, effective_from, publish_seq) where status = 'PUBLISHED';
create sequence ruleset_publish_seq;

create function ruleset_versions_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'ruleset versions are never deleted (borough %, version %)', old.borough, old.version using errcode = 'integrity_constraint_violation';
  end if;
  if old.status = 'PUBLISHED' then
    raise exception 'ruleset version % of borough % is published and can never change', old.version, old.borough using errcode = 'integrity_constraint_violation';
  end if;
  if new.borough <> old.borough or new.version <> old.version then
    raise exception 'a ruleset version keeps its borough and number' using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end;
$$;
create trigger ruleset_versions_guard before update or delete on ruleset_versions for each row execute function ruleset_versions_guard();

-- Every change to a borough's rulesets and settings: who, in what role, what, when and why. Append-only.
create table ruleset_audit (
  id       bigint generated always as identity primary key,
  borough  text not null,
  version  integer,
  action   text not null,
  actor    text not null,
  role     text not null,
  at       timestamptz not null,
  reason   text,
  detail   jsonb not null default '{}'::jsonb
);
create index ruleset_audit_borough on ruleset_audit (borough, at, id);

create function ruleset_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger ruleset_audit_append_only before update or delete on ruleset_audit for each row execute function ruleset_append_only();

-- The settings (borough.json, defaults filled in) each borough has run with: a new version whenever the content
-- changes. Append-only.
create table borough_settings_versions (
  borough         text not null,
  version         integer not null check (version >= 1),
  content         jsonb not null,
  content_hash    text not null,
  author          text not null,
  reason          text not null,
  effective_from  timestamptz not null,
  primary key (borough, version)
);
create trigger borough_settings_versions_append_only before update or delete on borough_settings_versions for each row execute function ruleset_append_only();

-- What-if runs of a ruleset version against a borough's past contacts. The only thing a simulation writes.
create table simulation_reports (
  id                uuid primary key,
  borough           text not null,
  ruleset_version   integer not null,
  ruleset_hash      text not null,
  -- The ruleset exactly as simulated (a draft may change afterwards); the changed contacts' new explanations are
  -- recomputed from it on demand.
  ruleset_content   jsonb not null,
  period_from       timestamptz not null,
  period_to         timestamptz not null,
  requested_by      text not null,
  created_at        timestamptz not null,
  duration_ms       integer not null,
  summary           jsonb not null,
  changes           jsonb not null
);
create index simulation_reports_borough on simulation_reports (borough, created_at desc);
create trigger simulation_reports_append_only before update or delete on simulation_reports for each row execute function ruleset_append_only();

-- The named person's screening decision on a contact, beside the rules' recommendation it accepted or overrode.
create table screening_decisions (
  contact_id              uuid primary key references contacts (id),
  borough                 text not null,
  pathway                 text not null,
  level_of_need           int,
  rag                     text,
  overridden              boolean not null,
  reason                  text,
  decided_by              text not null,
  decided_at              timestamptz not null,
  recommended_pathway     text not null,
  recommendation_rule_id  text not null
);
create index screening_decisions_borough_decided on screening_decisions (borough, decided_at);

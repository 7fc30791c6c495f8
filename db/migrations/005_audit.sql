-- Who read or changed which case, when, and why. Append-only: the application can insert and read, never change.
create table audit_log (
  id          bigserial primary key,
  at          timestamptz not null default now(),
  user_id     text not null,
  roles       text[] not null,
  borough     text,
  operation   text not null,
  kind        text not null check (kind in ('READ', 'WRITE')),
  case_id     uuid,
  outcome     text not null,
  purpose     text
);
create index audit_log_case on audit_log (case_id, at);
create index audit_log_user on audit_log (user_id, at);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_log_no_update before update or delete on audit_log for each row execute function audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_is_append_only();

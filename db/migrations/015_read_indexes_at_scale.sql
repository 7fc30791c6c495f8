-- Indexes for the API's reads at scale (issue 11: 100,000 cases in a borough), each read from the top of an index
-- rather than sorted or counted from every case (tests/integration/read-plans.test.ts explains each read's SQL).
-- The work queues' order, expression for expression as db/cases.ts `queue` writes it: urgent first, then RAG
-- (red, amber, green, unrated), then the soonest deadline, then the longest waiting; open cases only.
create index if not exists cases_borough_queue on cases
  (borough, urgent desc, (case rag when 'RED' then 0 when 'AMBER' then 1 when 'GREEN' then 2 else 3 end), next_due_at, opened_at, id)
  where closed_at is null;
-- A team's queue (workQueue with a team).
create index if not exists cases_borough_team_queue on cases
  (borough, team, urgent desc, (case rag when 'RED' then 0 when 'AMBER' then 1 when 'GREEN' then 2 else 3 end), next_due_at, opened_at, id)
  where closed_at is null;
-- The out-of-hours queue: the few open cases with the out-of-hours team.
create index if not exists cases_borough_out_of_hours_queue on cases
  (borough, urgent desc, (case rag when 'RED' then 0 when 'AMBER' then 1 when 'GREEN' then 2 else 3 end), next_due_at, opened_at, id)
  where closed_at is null and out_of_hours;
-- The cases list (newest first, keyset by opened_at, id) of open cases, the default: closed cases are skipped by the
-- index, not filtered out row by row (cases_borough_opened, migration 006, serves closed and all cases).
create index if not exists cases_borough_open_opened on cases (borough, opened_at desc, id desc) where closed_at is null;

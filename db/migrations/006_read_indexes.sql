-- Indexes for the reads the API makes on every page: the cases connection (newest first, keyset by opened_at, id),
-- the team queue, the family's existing workers (by contact, and children by name), and an episode's records.
create index cases_borough_opened on cases (borough, opened_at desc, id desc);
create index cases_borough_team on cases (borough, team) where closed_at is null;
create index cases_contact on cases (borough, contact_id);
create index contact_children_identity on contact_children (borough, lower(btrim(last_name)), lower(btrim(first_name)));
create index episode_referrals_episode on episode_referrals (borough, episode_id, referral_at);
create index section47s_episode on section47s (borough, episode_id, started_at);
create index assessments_episode on assessments (borough, episode_id, started_at);
create index conferences_episode on conferences (borough, episode_id, held_on);
create index plans_episode on plans (borough, episode_id, start_date);
create index plan_actions_episode on plan_actions (borough, episode_id, due_date);
create index reviews_episode on reviews (borough, episode_id, held_on);
create index protection_orders_episode on protection_orders (borough, episode_id);

-- Issue 10: the census and Annex A describe each child: sex, ethnicity, disabilities, UPN (or why it is unknown) and
-- date of death, and give each child a census id (LAchildID: stable, at most 20 letters and digits, per borough).
-- One row per child a borough knows (the child_id every contact and episode already carries, db/ids.ts childIdFor).
-- Columns are null until recorded; the export reports a missing value as a gap rather than inventing one.
create sequence children_la_child_seq;

create table children (
  borough       text not null,
  child_id      uuid not null,
  -- Given once, never changed: the borough's code in capitals and a number, e.g. HF00000042.
  la_child_id   text not null check (la_child_id ~ '^[A-Za-z0-9]{1,20}$'),
  sex           text check (sex in ('M', 'F', 'U')),
  ethnicity     text check (ethnicity in ('WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND',
                                          'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT')),
  -- Census disability codes; '{NONE}' is a recorded "no disability", null is "not recorded".
  disabilities  text[] check (disabilities is null or (cardinality(disabilities) > 0 and disabilities <@ array['NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH', 'CON', 'AUT', 'DDA']
                                 and (not ('NONE' = any (disabilities)) or cardinality(disabilities) = 1))),
  upn           text check (upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'),
  upn_unknown   text check (upn_unknown in ('UN1', 'UN2', 'UN3', 'UN4', 'UN5', 'UN6', 'UN7')),
  death_date    date,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  primary key (borough, child_id),
  unique (borough, la_child_id),
  check (upn is null or upn_unknown is null)
);

-- Who changed which characteristic, when, from what to what, and through which step (contact or episode).
create table child_characteristic_changes (
  id          uuid primary key,
  borough     text not null,
  child_id    uuid not null,
  field       text not null check (field in ('sex', 'ethnicity', 'disabilities', 'upn', 'upnUnknown', 'deathDate')),
  from_value  text,
  to_value    text,
  changed_by  text not null,
  changed_at  timestamptz not null,
  source      text not null check (source in ('CONTACT', 'EPISODE_STEP', 'MIGRATION')),
  contact_id  uuid,
  episode_id  uuid,
  foreign key (borough, child_id) references children (borough, child_id)
);
create index child_characteristic_changes_child on child_characteristic_changes (borough, child_id, changed_at);

-- Every child already named on a contact gets its census id now.
insert into children (borough, child_id, la_child_id)
select borough, child_id, upper(borough) || lpad(nextval('children_la_child_seq')::text, 8, '0')
from (select distinct borough, child_id from contact_children where child_id is not null) known
on conflict do nothing;

-- Family history: each child named on a contact carries the child's identity across contacts (db/ids.ts childIdFor:
-- borough, names normalised, date of birth or expected date; the id the child's episode workflow is keyed by), so the
-- earlier contacts about a child are one indexed lookup.
alter table contact_children add column child_id uuid;

-- Backfill. childIdFor is sha256 over its parts joined by NUL, shaped as a version-8 UUID; for names in plain ASCII
-- (where NFKC, trimming, lower-casing and collapsing whitespace are the same in PostgreSQL's "C" collation as in
-- JavaScript) it is computed here. Names with other characters are left null here and filled by the application's
-- own childIdFor right after the migrations run (db/family-history.ts fillMissingChildIds), so every row matches
-- exactly as the episode workflow does.
with normalised as (
  select contact_id, position, borough,
    lower(regexp_replace(btrim(first_name, E' \t\n\x0B\f\r'), E'[ \t\n\x0B\f\r]+', ' ', 'g') collate "C") as first,
    lower(regexp_replace(btrim(last_name, E' \t\n\x0B\f\r'), E'[ \t\n\x0B\f\r]+', ' ', 'g') collate "C") as last,
    coalesce(to_char(date_of_birth, 'YYYY-MM-DD'), 'expected:' || coalesce(to_char(expected_date_of_birth, 'YYYY-MM-DD'), '')) as born
  from contact_children
  where octet_length(first_name) = char_length(first_name) and octet_length(last_name) = char_length(last_name)
), hashed as (
  select contact_id, position,
    encode(sha256(convert_to('child', 'UTF8') || '\x00'::bytea || convert_to(borough, 'UTF8') || '\x00'::bytea || convert_to(first, 'UTF8')
      || '\x00'::bytea || convert_to(last, 'UTF8') || '\x00'::bytea || convert_to(born, 'UTF8')), 'hex') as h
  from normalised
)
update contact_children k
set child_id = (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-8' || substr(h, 14, 3) || '-'
  || lpad(to_hex((('x' || substr(h, 17, 2))::bit(8)::int & 63) | 128), 2, '0') || substr(h, 19, 2) || '-' || substr(h, 21, 12))::uuid
from hashed
where k.contact_id = hashed.contact_id and k.position = hashed.position;

create index contact_children_child on contact_children (borough, child_id);
create index contact_children_unmatched on contact_children (contact_id, position) where child_id is null;

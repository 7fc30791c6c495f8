-- Issue 10: one definition of a new census id (LAchildID: at most 20 letters and digits), used by every place that
-- gives one. The borough's code in capitals without its hyphens (at most 12 characters), then a number of at least
-- 8 digits, never truncated (so never repeated). Ids already given keep their value: a census id never changes.
create function census_child_id(borough text) returns text language sql volatile as $$
  select left(regexp_replace(upper(borough), '[^A-Z0-9]', '', 'g'), 12) || lpad(n::text, greatest(8, length(n::text)), '0')
  from (select nextval('children_la_child_seq') as n) next_number
$$;

-- Issue 9: out of hours, the screening clock counted the day AFTER the handover day as day 1, so an out-of-hours
-- contact was due a working day too late (Saturday night -> Tuesday instead of Monday). The corrected rule: the
-- handover day itself is day 1. Deadlines already stored are not rewritten (their workflows' escalation timers are
-- recorded in Temporal history and keep firing at them): each says which rule it was computed under, so the case page
-- shows the superseded ones for what they are. In-hours deadlines are the same under both rules.
alter table contacts add column screening_clock_rule text not null default 'HANDOVER_DAY_IS_DAY_1'
  check (screening_clock_rule in ('HANDOVER_DAY_IS_DAY_1', 'DAY_AFTER_HANDOVER_IS_DAY_1'));
update contacts set screening_clock_rule = 'DAY_AFTER_HANDOVER_IS_DAY_1' where out_of_hours and screening_due_at is not null;

-- The number of the last consent change applied to each contact: changes are stored by retried activities and may
-- land out of order, and only a later change may replace the contact's consent.
alter table contacts add column consent_sequence integer not null default 0;

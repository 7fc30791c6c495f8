-- One name for one thing: a contact's case waiting for its screening decision has the stage AWAITING_SCREENING, the
-- name its contact's status has then (it was SCREENING). Case stages are now a GraphQL enum (CaseStage).
update cases set stage = 'AWAITING_SCREENING', updated_at = now() where kind = 'CONTACT' and stage = 'SCREENING';

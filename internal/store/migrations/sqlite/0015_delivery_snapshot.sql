-- The supplier order as the event saw it (JSON), fixed when the delivery
-- is created, so every attempt and replay renders the same bytes. NULL on
-- deliveries created before this migration: those render the supplier
-- order as it is at the attempt.
ALTER TABLE deliveries ADD COLUMN snapshot TEXT;

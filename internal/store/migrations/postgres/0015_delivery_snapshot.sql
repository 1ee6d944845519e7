-- The supplier order as the event saw it (JSON), fixed when the delivery
-- is created, so every attempt and replay renders the same bytes. NULL on
-- deliveries created before this migration: those render the supplier
-- order as it is at the attempt.
ALTER TABLE deliveries ADD COLUMN snapshot TEXT;

-- Which dispatch job owns a delivery: a finished delivery wakes the next
-- waiting one by bumping this and queueing a job carrying the new value;
-- the job it replaces (snoozed or running at that moment) then finds
-- itself stale and stops.
ALTER TABLE deliveries ADD COLUMN wake_gen INTEGER NOT NULL DEFAULT 0;

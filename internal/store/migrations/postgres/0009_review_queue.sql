-- Inbound messages nobody could apply safely (unmatched emails, unclear
-- commands, unknown senders): an operator decides.
CREATE TABLE review_queue (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    raw         BYTEA,
    created_at  TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    UNIQUE (source, message_id)
);

-- Inbound messages nobody could apply safely (unmatched emails, unclear
-- commands, unknown senders): an operator decides.
CREATE TABLE review_queue (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    raw         BLOB,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (source, message_id)
);

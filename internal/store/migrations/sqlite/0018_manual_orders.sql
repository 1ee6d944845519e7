-- Manual orders entered by an operator on a retailer's behalf: a draft
-- (the order request as JSON) that is edited, then confirmed into the
-- same ingest pipeline as an API order, or discarded. Attachments are kept
-- here, in the store, so that every replica can serve them.
CREATE TABLE manual_orders (
    id             INTEGER PRIMARY KEY,
    retailer_id    INTEGER NOT NULL REFERENCES retailers(id) ON DELETE CASCADE,
    -- draft, confirming (ingest under way), confirmed, discarded
    status         TEXT NOT NULL,
    request        TEXT NOT NULL,
    order_id       INTEGER REFERENCES orders(id),
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    confirmed_at   INTEGER,
    -- The optional email to the retailer, as sent (or its failure).
    notice_to      TEXT NOT NULL DEFAULT '',
    notice_subject TEXT NOT NULL DEFAULT '',
    notice_message TEXT NOT NULL DEFAULT '',
    notice_sent_at INTEGER,
    notice_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX manual_orders_order ON manual_orders (order_id);

CREATE TABLE manual_attachments (
    id              INTEGER PRIMARY KEY,
    manual_order_id INTEGER NOT NULL REFERENCES manual_orders(id) ON DELETE CASCADE,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    data            BLOB NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX manual_attachments_order ON manual_attachments (manual_order_id);

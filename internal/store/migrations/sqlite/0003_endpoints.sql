-- Health of each (supplier, channel) endpoint, shared by every replica.
CREATE TABLE endpoints (
    supplier_id     INTEGER NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    failing_since   INTEGER,
    disabled_at     INTEGER,
    disabled_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (supplier_id, channel)
);
CREATE INDEX deliveries_supplier_channel ON deliveries (supplier_id, channel, created_at);

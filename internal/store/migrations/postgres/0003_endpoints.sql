-- Health of each (supplier, channel) endpoint, shared by every replica.
CREATE TABLE endpoints (
    supplier_id     BIGINT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    failing_since   TIMESTAMPTZ,
    disabled_at     TIMESTAMPTZ,
    disabled_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (supplier_id, channel)
);
CREATE INDEX deliveries_supplier_channel ON deliveries (supplier_id, channel, created_at);

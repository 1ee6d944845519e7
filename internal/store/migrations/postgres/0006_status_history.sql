-- Append-only history of every change to a supplier order: status moves,
-- notes, shipments, and updates that were ignored (stale or backwards).
CREATE TABLE supplier_order_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    kind              TEXT NOT NULL,
    from_status       TEXT NOT NULL,
    to_status         TEXT NOT NULL,
    actor             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    data              JSONB NOT NULL DEFAULT '{}',
    idempotency_key   TEXT,
    occurred_at       TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX supplier_order_events_so ON supplier_order_events (supplier_order_id, id);
CREATE UNIQUE INDEX supplier_order_events_idem ON supplier_order_events (supplier_order_id, idempotency_key);

-- Packages: one supplier order may ship in several, each with its own
-- carrier and tracking number; a new one adds to the others.
CREATE TABLE shipments (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    event_id          BIGINT NOT NULL REFERENCES supplier_order_events(id),
    carrier           TEXT NOT NULL DEFAULT '',
    tracking_number   TEXT NOT NULL DEFAULT '',
    tracking_url      TEXT NOT NULL DEFAULT '',
    lines             JSONB NOT NULL DEFAULT '[]',
    shipped_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX shipments_so ON shipments (supplier_order_id, id);

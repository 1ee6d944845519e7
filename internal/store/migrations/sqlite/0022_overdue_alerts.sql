-- Overdue alerts: one row per breach, a supplier order that passed one of
-- its supplier's limits (kind acknowledge or ship). The unique key makes
-- the scan idempotent: the row is inserted in the same transaction as the
-- notifications it causes, so a rerun or a second replica finds it there
-- and tells nobody again. resolved_at is set once the order has left the
-- statuses that count for that kind.
CREATE TABLE overdue_alerts (
    id                INTEGER PRIMARY KEY,
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    supplier_id       INTEGER NOT NULL REFERENCES suppliers(id),
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    limit_seconds     INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,
    detected_at       INTEGER NOT NULL,
    event_id          INTEGER,
    resolved_at       INTEGER,
    UNIQUE (supplier_order_id, kind)
);
CREATE INDEX overdue_alerts_open ON overdue_alerts (detected_at, id) WHERE resolved_at IS NULL;

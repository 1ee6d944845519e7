-- Line-level answers (issue 11): each order line carries its own state,
-- set by a supplier's per-line answer (accepted, backordered with a date,
-- rejected or quantity changed with a reason), by packages that ship part
-- of it, or by a retailer's accepted cancellation. status is derived in
-- pipeline (lines.go) from the answer and the quantities:
-- open, accepted, backordered, partially_shipped, shipped, cancelled, rejected.
ALTER TABLE order_lines ADD COLUMN status TEXT NOT NULL DEFAULT 'open',
    ADD COLUMN accepted_qty INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN cancelled_qty INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN shipped_qty INTEGER NOT NULL DEFAULT 0,
    -- expected_date is YYYY-MM-DD or ''.
    ADD COLUMN expected_date TEXT NOT NULL DEFAULT '',
    ADD COLUMN reason_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- Lines of orders answered before this migration take their order's state.
UPDATE order_lines l SET status = 'accepted', accepted_qty = l.quantity
FROM supplier_orders so WHERE so.id = l.supplier_order_id AND so.status = 'acknowledged';
UPDATE order_lines l SET status = 'backordered', accepted_qty = l.quantity
FROM supplier_orders so WHERE so.id = l.supplier_order_id AND so.status = 'backordered';
UPDATE order_lines l SET status = 'shipped', accepted_qty = l.quantity, shipped_qty = l.quantity
FROM supplier_orders so WHERE so.id = l.supplier_order_id AND so.status IN ('shipped', 'delivered');
UPDATE order_lines l SET status = 'cancelled', cancelled_qty = l.quantity
FROM supplier_orders so WHERE so.id = l.supplier_order_id AND so.status = 'cancelled';
UPDATE order_lines l SET status = 'rejected', cancelled_qty = l.quantity
FROM supplier_orders so WHERE so.id = l.supplier_order_id AND so.status = 'rejected';

-- Per-line history: one row per line an event changed, for the retailer's
-- notifications and the monthly summary's line-level cancellations.
CREATE TABLE line_changes (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    event_id          BIGINT NOT NULL REFERENCES supplier_order_events(id),
    position          INTEGER NOT NULL,
    action            TEXT NOT NULL,
    from_status       TEXT NOT NULL,
    to_status         TEXT NOT NULL,
    -- units the change cancelled (reject, cancel, change_quantity) or 0
    cancelled_qty     INTEGER NOT NULL DEFAULT 0,
    expected_date     TEXT NOT NULL DEFAULT '',
    reason_code       TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    occurred_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX line_changes_so ON line_changes (supplier_order_id, id);
CREATE INDEX line_changes_occurred ON line_changes (occurred_at);

-- The ledger gains line-level reversals: several per supplier order, one
-- per (event, line); existing entries keep event 0, line 0.
ALTER TABLE commission_ledger ADD COLUMN event_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN line_position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commission_ledger DROP CONSTRAINT commission_ledger_supplier_order_id_kind_key;
CREATE UNIQUE INDEX commission_ledger_entry ON commission_ledger (supplier_order_id, kind, event_id, line_position);

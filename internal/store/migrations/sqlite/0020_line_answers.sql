-- Line-level answers (issue 11): each order line carries its own state,
-- set by a supplier's per-line answer (accepted, backordered with a date,
-- rejected or quantity changed with a reason), by packages that ship part
-- of it, or by a retailer's accepted cancellation. status is derived in
-- pipeline (lines.go) from the answer and the quantities:
-- open, accepted, backordered, partially_shipped, shipped, cancelled, rejected.
ALTER TABLE order_lines ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE order_lines ADD COLUMN accepted_qty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN cancelled_qty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN shipped_qty INTEGER NOT NULL DEFAULT 0;
-- expected_date is YYYY-MM-DD or ''.
ALTER TABLE order_lines ADD COLUMN expected_date TEXT NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- Lines of orders answered before this migration take their order's state.
UPDATE order_lines SET status = 'accepted', accepted_qty = quantity
WHERE supplier_order_id IN (SELECT id FROM supplier_orders WHERE status = 'acknowledged');
UPDATE order_lines SET status = 'backordered', accepted_qty = quantity
WHERE supplier_order_id IN (SELECT id FROM supplier_orders WHERE status = 'backordered');
UPDATE order_lines SET status = 'shipped', accepted_qty = quantity, shipped_qty = quantity
WHERE supplier_order_id IN (SELECT id FROM supplier_orders WHERE status IN ('shipped', 'delivered'));
UPDATE order_lines SET status = 'cancelled', cancelled_qty = quantity
WHERE supplier_order_id IN (SELECT id FROM supplier_orders WHERE status = 'cancelled');
UPDATE order_lines SET status = 'rejected', cancelled_qty = quantity
WHERE supplier_order_id IN (SELECT id FROM supplier_orders WHERE status = 'rejected');

-- Per-line history: one row per line an event changed, for the retailer's
-- notifications and the monthly summary's line-level cancellations.
CREATE TABLE line_changes (
    id                INTEGER PRIMARY KEY,
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    event_id          INTEGER NOT NULL REFERENCES supplier_order_events(id),
    position          INTEGER NOT NULL,
    action            TEXT NOT NULL,
    from_status       TEXT NOT NULL,
    to_status         TEXT NOT NULL,
    -- units the change cancelled (reject, cancel, change_quantity) or 0
    cancelled_qty     INTEGER NOT NULL DEFAULT 0,
    expected_date     TEXT NOT NULL DEFAULT '',
    reason_code       TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    occurred_at       INTEGER NOT NULL
);
CREATE INDEX line_changes_so ON line_changes (supplier_order_id, id);
CREATE INDEX line_changes_occurred ON line_changes (occurred_at);

-- The ledger gains line-level reversals: several per supplier order, one
-- per (event, line). SQLite cannot drop the old UNIQUE (supplier_order_id,
-- kind), so the table is rebuilt; existing entries keep event 0, line 0.
CREATE TABLE commission_ledger_new (
    id                INTEGER PRIMARY KEY,
    supplier_id       INTEGER NOT NULL REFERENCES suppliers(id),
    retailer_id       INTEGER NOT NULL REFERENCES retailers(id),
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    month             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    currency          TEXT NOT NULL,
    item_total        INTEGER NOT NULL,
    shipping          INTEGER NOT NULL,
    commission        INTEGER NOT NULL,
    payout            INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    event_id          INTEGER NOT NULL DEFAULT 0,
    line_position     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO commission_ledger_new (id, supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at)
SELECT id, supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at FROM commission_ledger;
DROP TABLE commission_ledger;
ALTER TABLE commission_ledger_new RENAME TO commission_ledger;
CREATE UNIQUE INDEX commission_ledger_entry ON commission_ledger (supplier_order_id, kind, event_id, line_position);
CREATE INDEX commission_ledger_month ON commission_ledger (month, supplier_id);
CREATE INDEX commission_ledger_retailer ON commission_ledger (retailer_id, month);

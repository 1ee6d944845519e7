-- Supplier catalogs and stock. A catalog item is one SKU a supplier
-- sells; stock NULL means "not tracked" (always available). Each accepted
-- supplier order takes its units from stock in the transaction that
-- stores it and records what it took in stock_reservations; a supplier
-- order that cannot be filled waits as awaiting_stock until an update
-- raises the stock (see docs/status.md).
ALTER TABLE suppliers ADD COLUMN catalog_mode TEXT NOT NULL DEFAULT 'off';
ALTER TABLE suppliers ADD COLUMN catalog_price_mismatch TEXT NOT NULL DEFAULT 'refuse';
-- Where the catalog feed is polled on the supplier's own server (JSON:
-- channel, dir, archive_dir, poll); {} when it is not.
ALTER TABLE suppliers ADD COLUMN catalog_feed TEXT NOT NULL DEFAULT '{}';
-- Why a line was accepted although the catalog disagrees (warn mode):
-- unknown_sku, not_for_sale, price_mismatch; '' when it agrees.
ALTER TABLE order_lines ADD COLUMN catalog_flag TEXT NOT NULL DEFAULT '';

CREATE TABLE catalog_items (
    supplier_id  INTEGER NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    sku          TEXT NOT NULL,
    name         TEXT NOT NULL,
    price        INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    for_sale     INTEGER NOT NULL,
    stock        INTEGER CHECK (stock IS NULL OR stock >= 0),
    -- YYYY-MM-DD or NULL.
    restock_date TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (supplier_id, sku)
);

CREATE TABLE stock_reservations (
    id                INTEGER PRIMARY KEY,
    supplier_order_id INTEGER NOT NULL REFERENCES supplier_orders(id),
    supplier_id       INTEGER NOT NULL REFERENCES suppliers(id),
    sku               TEXT NOT NULL,
    quantity          INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX stock_reservations_so ON stock_reservations (supplier_order_id);

-- A replayed bulk update (same Idempotency-Key) answers what the first did.
CREATE TABLE catalog_updates (
    supplier_id     INTEGER NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    result          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (supplier_id, idempotency_key)
);

CREATE INDEX supplier_orders_awaiting ON supplier_orders (supplier_id, created_at, id) WHERE status = 'awaiting_stock';

-- Commission ledger: append-only. An accrual when a supplier order is
-- accepted; a reversal (negated amounts) in the month it is cancelled or
-- rejected. A closed month never changes: corrections are new entries.
CREATE TABLE commission_ledger (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id       BIGINT NOT NULL REFERENCES suppliers(id),
    retailer_id       BIGINT NOT NULL REFERENCES retailers(id),
    supplier_order_id BIGINT NOT NULL REFERENCES supplier_orders(id),
    month             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    currency          TEXT NOT NULL,
    item_total        BIGINT NOT NULL,
    shipping          BIGINT NOT NULL,
    commission        BIGINT NOT NULL,
    payout            BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (supplier_order_id, kind)
);
CREATE INDEX commission_ledger_month ON commission_ledger (month, supplier_id);
CREATE INDEX commission_ledger_retailer ON commission_ledger (retailer_id, month);

INSERT INTO commission_ledger (supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at)
SELECT so.supplier_id, o.retailer_id, so.id, to_char(so.created_at AT TIME ZONE 'UTC', 'YYYY-MM'), 'accrual', o.currency,
       so.item_total, so.shipping, so.commission, so.payout, so.created_at
FROM supplier_orders so JOIN orders o ON o.id = so.order_id;
INSERT INTO commission_ledger (supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at)
SELECT so.supplier_id, o.retailer_id, so.id, to_char(so.updated_at AT TIME ZONE 'UTC', 'YYYY-MM'), 'reversal', o.currency,
       -so.item_total, -so.shipping, -so.commission, -so.payout, so.updated_at
FROM supplier_orders so JOIN orders o ON o.id = so.order_id WHERE so.status IN ('cancelled', 'rejected');

-- ORDER HISTORY: counts by status and the "waiting first" page walk
-- (supplier_id, status, created_at); search by external id and by SKU.
CREATE INDEX supplier_orders_supplier_status_created ON supplier_orders (supplier_id, status, created_at, id);
CREATE INDEX orders_external_id ON orders (external_id);
CREATE INDEX order_lines_sku ON order_lines (sku, supplier_order_id);

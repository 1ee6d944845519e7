-- A foreign key costs PostgreSQL, at every insert, an SPI query that
-- locks the parent row (FOR KEY SHARE) and runs its own executor: in a
-- burst of orders, ~22 such checks per order took ~11 % of the backends'
-- CPU (perf). Three of them guarded columns that are copies:
-- deliveries.supplier_id and commission_ledger.supplier_id are the
-- supplier order's supplier, commission_ledger.retailer_id its order's
-- retailer, written from the supplier order they belong to (intake,
-- notifications, ledger reversals). Each row's supplier order is still
-- checked (supplier_order_id keeps its key), and that supplier order's
-- supplier and order, and the order's retailer, are checked where they
-- are written; suppliers and retailers are never deleted. So these keys
-- only caught an id that exists nowhere, not a wrong one, at 6 checks per
-- order on the rows every order locks in turn (two webhooks per order).
-- The copies' agreement with their supplier order is what matters; the
-- tests check it (TestCommitBatchMixed) on both databases.
--
-- Replacing them by one composite key on (supplier_order_id, supplier_id)
-- was measured too: 4 fewer checks, but its unique index on supplier_orders
-- (id, supplier_id) takes an entry at every insert and at every status
-- change of a supplier order (its updates cannot be HOT), and the burst's
-- backend CPU did not move (8 alternated pairs, means 1.36 and 1.35 s per
-- 1,000 orders). Dropping the three keys: 1.43 -> 1.37 s (5 pairs, each
-- lower). SQLite keeps its keys: checked in process, they cost no round
-- trip or lock.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_supplier_id_fkey;
ALTER TABLE commission_ledger
    DROP CONSTRAINT commission_ledger_supplier_id_fkey,
    DROP CONSTRAINT commission_ledger_retailer_id_fkey;

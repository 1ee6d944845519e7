package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/supplyhub/supplyhub/internal/domain"
)

const (
	// stock is read as COALESCE(stock, -1): -1 is "not tracked" (the
	// column's CHECK keeps real stock >= 0), which every driver scans.
	catalogCols    = `sku, name, price, currency, for_sale, COALESCE(stock, -1), COALESCE(restock_date, ''), updated_at`
	qUpsertCatalog = `INSERT INTO catalog_items (supplier_id, sku, name, price, currency, for_sale, stock, restock_date, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (supplier_id, sku) DO UPDATE SET name = excluded.name, price = excluded.price, currency = excluded.currency,
for_sale = excluded.for_sale, stock = excluded.stock, restock_date = excluded.restock_date, updated_at = excluded.updated_at`
	qDeleteCatalog  = `DELETE FROM catalog_items WHERE supplier_id = $1 AND sku = $2`
	qCatalogPage    = `SELECT ` + catalogCols + ` FROM catalog_items WHERE supplier_id = $1 AND sku > $2 ORDER BY sku LIMIT $3`
	qCatalogItem    = `SELECT ` + catalogCols + ` FROM catalog_items WHERE supplier_id = $1 AND sku = $2`
	qTakeStock      = `UPDATE catalog_items SET stock = stock - $3 WHERE supplier_id = $1 AND sku = $2 AND stock IS NOT NULL AND stock >= $3`
	qReturnStock    = `UPDATE catalog_items SET stock = stock + $3 WHERE supplier_id = $1 AND sku = $2 AND stock IS NOT NULL`
	qStockOf        = `SELECT COALESCE(stock, -1) FROM catalog_items WHERE supplier_id = $1 AND sku = $2`
	qInsertReserve  = `INSERT INTO stock_reservations (supplier_order_id, supplier_id, sku, quantity, created_at) VALUES ($1, $2, $3, $4, $5)`
	qReservedFor    = `SELECT sku, quantity FROM stock_reservations WHERE supplier_order_id = $1 ORDER BY sku`
	qAwaitingOf     = `SELECT id FROM supplier_orders WHERE supplier_id = $1 AND status = 'awaiting_stock' ORDER BY created_at, id`
	qCatalogUpdate  = `SELECT request_hash, result FROM catalog_updates WHERE supplier_id = $1 AND idempotency_key = $2`
	qSaveCatUpdate  = `INSERT INTO catalog_updates (supplier_id, idempotency_key, request_hash, result, created_at) VALUES ($1, $2, $3, $4, $5)`
	qRetailerIDOfSO = `SELECT o.retailer_id FROM supplier_orders so JOIN orders o ON o.id = so.order_id WHERE so.id = $1`
)

// UpsertCatalogItems creates or replaces a supplier's items by SKU in tx.
// Stock is set to the supplier's figure, not added to.
func (s *Store) UpsertCatalogItems(ctx context.Context, tx Tx, supplierID int64, items []domain.CatalogItem) error {
	now := time.Now().UTC()
	// Rows are locked in SKU order, as ReserveStock takes them, so that
	// concurrent writers queue instead of deadlocking.
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b domain.CatalogItem) int { return strings.Compare(a.SKU, b.SKU) })
	for _, it := range items {
		var stock, restock any
		if it.Stock != nil {
			stock = *it.Stock
		}
		if it.RestockDate != "" {
			restock = it.RestockDate
		}
		if _, err := tx.Exec(ctx, qUpsertCatalog, supplierID, it.SKU, it.Name, int64(it.Price), it.Currency, it.ForSale,
			stock, restock, now); err != nil {
			return fmt.Errorf("upsert catalog item %s: %w", it.SKU, err)
		}
	}
	return nil
}

// DeleteCatalogItems removes a supplier's items by SKU in tx and returns
// how many existed.
func (s *Store) DeleteCatalogItems(ctx context.Context, tx Tx, supplierID int64, skus []string) (int, error) {
	n := 0
	skus = slices.Clone(skus)
	slices.Sort(skus)
	for _, sku := range skus {
		c, err := tx.Exec(ctx, qDeleteCatalog, supplierID, sku)
		if err != nil {
			return n, fmt.Errorf("delete catalog item %s: %w", sku, err)
		}
		n += int(c)
	}
	return n, nil
}

// CatalogPage returns up to limit of a supplier's items after SKU after,
// in SKU order.
func (s *Store) CatalogPage(ctx context.Context, supplierID int64, after string, limit int) ([]domain.CatalogItem, error) {
	rows, err := s.d.Query(ctx, qCatalogPage, supplierID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog page: %w", err)
	}
	defer rows.Close()
	var out []domain.CatalogItem
	for rows.Next() {
		it, err := scanCatalogItem(rows)
		if err != nil {
			return nil, fmt.Errorf("catalog page: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CatalogItems returns the items of a supplier among skus, by SKU (absent
// SKUs are missing from the map).
func (s *Store) CatalogItems(ctx context.Context, supplierID int64, skus []string) (map[string]domain.CatalogItem, error) {
	out := make(map[string]domain.CatalogItem, len(skus))
	for _, sku := range skus {
		if _, ok := out[sku]; ok {
			continue
		}
		it, err := scanCatalogItem(s.d.QueryRow(ctx, qCatalogItem, supplierID, sku))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("catalog item %s: %w", sku, err)
		}
		out[sku] = it
	}
	return out, nil
}

func scanCatalogItem(row Row) (domain.CatalogItem, error) {
	var it domain.CatalogItem
	var price int64
	var stock int
	err := row.Scan(&it.SKU, &it.Name, &price, &it.Currency, &it.ForSale, &stock, &it.RestockDate, timeCol{&it.UpdatedAt})
	if err != nil {
		return it, err
	}
	it.Price = domain.Money(price)
	if stock >= 0 {
		it.Stock = &stock
	}
	return it, nil
}

// Shortage is a SKU whose stock cannot cover a supplier order.
type Shortage struct {
	SKU       string
	Wanted    int
	Available int
}

// ReserveStock takes need (quantity by SKU) from a supplier's stock for
// supplier order soID in tx, all or nothing. A SKU that is not in the
// catalog, or whose stock is not tracked, is always available. Each take
// is a conditional UPDATE (stock >= n), so on PostgreSQL a concurrent
// writer waits on the row lock and then sees the stock left: no oversell.
// When some SKU is short nothing is taken and the shortages are returned.
func (s *Store) ReserveStock(ctx context.Context, tx Tx, supplierID, soID int64, need map[string]int) ([]Shortage, error) {
	skus := make([]string, 0, len(need))
	for sku := range need {
		skus = append(skus, sku)
	}
	// One lock order for everyone keeps concurrent writers from deadlocking.
	slices.Sort(skus)
	var taken []string
	var short []Shortage
	for _, sku := range skus {
		n, err := tx.Exec(ctx, qTakeStock, supplierID, sku, need[sku])
		if err != nil {
			return nil, fmt.Errorf("reserve %s: %w", sku, err)
		}
		if n > 0 {
			taken = append(taken, sku)
			continue
		}
		var stock int
		err = tx.QueryRow(ctx, qStockOf, supplierID, sku).Scan(&stock)
		if errors.Is(err, ErrNotFound) || (err == nil && stock < 0) {
			continue // not in the catalog or not tracked
		}
		if err != nil {
			return nil, fmt.Errorf("reserve %s: %w", sku, err)
		}
		short = append(short, Shortage{SKU: sku, Wanted: need[sku], Available: stock})
	}
	if len(short) > 0 {
		for _, sku := range taken {
			if _, err := tx.Exec(ctx, qReturnStock, supplierID, sku, need[sku]); err != nil {
				return nil, fmt.Errorf("undo reserve %s: %w", sku, err)
			}
		}
		return short, nil
	}
	now := time.Now().UTC()
	for _, sku := range taken {
		if _, err := tx.Exec(ctx, qInsertReserve, soID, supplierID, sku, need[sku], now); err != nil {
			return nil, fmt.Errorf("record reservation %s: %w", sku, err)
		}
	}
	return nil, nil
}

// ReturnStock gives back to stock, in tx, units supplier order soID took:
// for each SKU of units at most what the order still holds of it (units
// nil: everything it holds). Untracked or deleted items get nothing back.
// The return is recorded as a negative reservation, so Reservations nets
// and a second return of the same units finds nothing left. It reports
// how many units went back.
func (s *Store) ReturnStock(ctx context.Context, tx Tx, supplierID, soID int64, units map[string]int) (int, error) {
	held, err := s.Reservations(ctx, tx, soID)
	if err != nil {
		return 0, err
	}
	skus := make([]string, 0, len(held))
	for sku := range held {
		skus = append(skus, sku)
	}
	// The same lock order as ReserveStock.
	slices.Sort(skus)
	now := time.Now().UTC()
	returned := 0
	for _, sku := range skus {
		n := held[sku]
		if units != nil {
			n = min(n, units[sku])
		}
		if n <= 0 {
			continue
		}
		if _, err := tx.Exec(ctx, qReturnStock, supplierID, sku, n); err != nil {
			return returned, fmt.Errorf("return stock %s: %w", sku, err)
		}
		if _, err := tx.Exec(ctx, qInsertReserve, soID, supplierID, sku, -n, now); err != nil {
			return returned, fmt.Errorf("record stock return %s: %w", sku, err)
		}
		returned += n
	}
	return returned, nil
}

// Reservations returns what a supplier order took from stock, by SKU.
func (s *Store) Reservations(ctx context.Context, q Querier, soID int64) (map[string]int, error) {
	if q == nil {
		q = s.d
	}
	rows, err := q.Query(ctx, qReservedFor, soID)
	if err != nil {
		return nil, fmt.Errorf("reservations: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var sku string
		var n int
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, fmt.Errorf("reservations: %w", err)
		}
		out[sku] += n
	}
	return out, rows.Err()
}

// AwaitingStock lists a supplier's awaiting_stock supplier orders, oldest
// first, read through q.
func (s *Store) AwaitingStock(ctx context.Context, q Querier, supplierID int64) ([]int64, error) {
	rows, err := q.Query(ctx, qAwaitingOf, supplierID)
	if err != nil {
		return nil, fmt.Errorf("awaiting stock: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("awaiting stock: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LockSupplierOrderByID locks a supplier order by id in tx (FOR UPDATE on
// PostgreSQL; SQLite has one writer).
func (s *Store) LockSupplierOrderByID(ctx context.Context, tx Tx, id int64) (*LockedSupplierOrder, error) {
	q := `SELECT id, order_id, supplier_id, number, status, version, updated_at FROM supplier_orders WHERE id = $1`
	if s.d.Kind() == KindPostgres {
		q += ` FOR UPDATE`
	}
	var l LockedSupplierOrder
	err := tx.QueryRow(ctx, q, id).Scan(&l.ID, &l.OrderID, &l.SupplierID, &l.Number, &l.Status, &l.Version, timeCol{&l.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// RetailerOfSupplierOrderIn returns the retailer (with channels) of
// supplier order id, read through q so a transaction needs no second
// connection.
func (s *Store) RetailerOfSupplierOrderIn(ctx context.Context, q Querier, id int64) (*domain.Retailer, error) {
	var rid int64
	if err := q.QueryRow(ctx, qRetailerIDOfSO, id).Scan(&rid); err != nil {
		return nil, err
	}
	return retailerWithChannels(ctx, q, qRetailerJoinedByID, rid)
}

// CatalogUpdateByKey returns the request hash and result of a supplier's
// earlier catalog update with this idempotency key, or ErrNotFound.
func (s *Store) CatalogUpdateByKey(ctx context.Context, q Querier, supplierID int64, key string) (hash string, result []byte, err error) {
	if q == nil {
		q = s.d
	}
	err = q.QueryRow(ctx, qCatalogUpdate, supplierID, key).Scan(&hash, jsonCol{&result})
	return hash, result, err
}

// SaveCatalogUpdate records a catalog update's idempotency key in tx.
func (s *Store) SaveCatalogUpdate(ctx context.Context, tx Tx, supplierID int64, key, hash string, result []byte) error {
	if _, err := tx.Exec(ctx, qSaveCatUpdate, supplierID, key, hash, string(result), time.Now().UTC()); err != nil {
		return fmt.Errorf("save catalog update: %w", err)
	}
	return nil
}

// IsDeadlock reports whether err is PostgreSQL's deadlock abort (40P01):
// the transaction was rolled back and may simply be run again.
func IsDeadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40P01"
}

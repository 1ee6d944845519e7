package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Time columns a supplier can page its supplier orders by.
const (
	SupplierOrdersByCreated = "created"
	SupplierOrdersByUpdated = "updated"
)

const (
	// qSupplierOrderPage is formatted with the time column (from a fixed
	// whitelist, never from input) and an optional status clause. The
	// range starts at max(from, cursor time), so a deep cursor seeks
	// straight into the (supplier_id, <time>, id) index instead of
	// scanning the rows before it; the OR then only skips the rows that
	// share the cursor's timestamp. A supplier order waiting for stock is
	// not the supplier's yet: it appears once released (as updated).
	//
	// Each row carries its order header (orderCols), so a page is two
	// statements (this and the lines) instead of three.
	qSupplierOrderPage = `SELECT ` + soCols + `, ` + orderCols + ` FROM supplier_orders so JOIN suppliers s ON s.id = so.supplier_id
JOIN orders o ON o.id = so.order_id JOIN retailers r ON r.id = o.retailer_id
WHERE so.supplier_id = $1 AND so.%[1]s >= $2 AND so.%[1]s < $3 AND (so.%[1]s > $4 OR so.id > $5)%[2]s
AND so.status <> 'awaiting_stock'
ORDER BY so.%[1]s, so.id LIMIT $6`
	qSupplierOrderByNumber = `SELECT ` + soCols + ` FROM supplier_orders so JOIN suppliers s ON s.id = so.supplier_id
WHERE so.number = $1 AND so.supplier_id = $2`
	qOrderHeadersOf = `SELECT ` + orderCols + ` FROM orders o JOIN retailers r ON r.id = o.retailer_id WHERE o.id IN (%s)`
)

// SupplierOrderPage selects a page of one supplier's supplier orders whose
// By time ("created" or "updated") is in [From, To), after the (AfterTime,
// AfterID) cursor, optionally only those in Statuses.
type SupplierOrderPage struct {
	SupplierID int64
	By         string
	From, To   time.Time
	AfterTime  time.Time
	AfterID    int64
	Statuses   []string
	Limit      int
}

// ListSupplierOrders returns one page of a supplier's supplier orders, each
// with its lines and order header, in (By time, id) order. Only rows of
// p.SupplierID are ever read: the scoping is in the query itself.
func (s *Store) ListSupplierOrders(ctx context.Context, p SupplierOrderPage) ([]*domain.SupplierOrder, error) {
	col, err := supplierOrderTimeColumn(p.By)
	if err != nil {
		return nil, err
	}
	if p.SupplierID <= 0 || p.Limit <= 0 {
		return nil, fmt.Errorf("list supplier orders: supplier id and limit are required")
	}
	// A cursor before From says nothing the range does not already say.
	lower, afterT, afterID := p.From, p.From, int64(0)
	if !p.AfterTime.IsZero() && !p.AfterTime.Before(p.From) {
		lower, afterT, afterID = p.AfterTime, p.AfterTime, p.AfterID
	}
	args := []any{p.SupplierID, lower, p.To, afterT, afterID, p.Limit}
	statusClause := ""
	if sts := uniqueStatuses(p.Statuses); len(sts) > 0 {
		marks := make([]string, len(sts))
		for i, st := range sts {
			marks[i] = "$" + strconv.Itoa(len(args)+1)
			args = append(args, st)
		}
		statusClause = " AND so.status IN (" + strings.Join(marks, ",") + ")"
	}
	sos, err := s.querySupplierOrdersWith(ctx, s.d, true, fmt.Sprintf(qSupplierOrderPage, col, statusClause), args...)
	if err != nil {
		return nil, fmt.Errorf("list supplier orders: %w", err)
	}
	return sos, nil
}

// SupplierOrderByNumber returns one of a supplier's supplier orders with its
// lines and order header, or ErrNotFound — also when the number belongs to
// another supplier, so the two cases cannot be told apart.
func (s *Store) SupplierOrderByNumber(ctx context.Context, supplierID int64, number string) (*domain.SupplierOrder, error) {
	sos, err := s.querySupplierOrders(ctx, s.d, qSupplierOrderByNumber, number, supplierID)
	if err != nil {
		return nil, fmt.Errorf("supplier order %s: %w", number, err)
	}
	if len(sos) == 0 {
		return nil, ErrNotFound
	}
	if err := s.attachHeaders(ctx, s.d, sos); err != nil {
		return nil, fmt.Errorf("supplier order %s: %w", number, err)
	}
	return sos[0], nil
}

// attachHeaders loads the order headers of sos in one query.
func (s *Store) attachHeaders(ctx context.Context, q Querier, sos []*domain.SupplierOrder) error {
	if len(sos) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(sos))
	seen := make(map[int64]bool, len(sos))
	for _, so := range sos {
		if !seen[so.OrderID] {
			seen[so.OrderID] = true
			ids = append(ids, so.OrderID)
		}
	}
	list, args := s.idList(ids)
	rows, err := q.Query(ctx, fmt.Sprintf(qOrderHeadersOf, list), args...)
	if err != nil {
		return fmt.Errorf("order headers: %w", err)
	}
	defer rows.Close()
	headers := make(map[int64]domain.OrderHeader, len(ids))
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return fmt.Errorf("order headers: %w", err)
		}
		headers[o.ID] = o.Header
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("order headers: %w", err)
	}
	for _, so := range sos {
		h, ok := headers[so.OrderID]
		if !ok {
			return fmt.Errorf("supplier order %s: order %d is missing", so.Number, so.OrderID)
		}
		so.Order = h
	}
	return nil
}

// supplierOrderTimeColumn maps a SupplierOrderPage.By to its column; "" means updated.
func supplierOrderTimeColumn(by string) (string, error) {
	switch by {
	case "", SupplierOrdersByUpdated:
		return "updated_at", nil
	case SupplierOrdersByCreated:
		return "created_at", nil
	}
	return "", fmt.Errorf("list supplier orders: unknown ordering %q", by)
}

// uniqueStatuses sorts and dedupes statuses so that equivalent filters share one
// query text (and one prepared statement) whatever the caller's order.
func uniqueStatuses(sts []string) []string {
	out := slices.Clone(sts)
	slices.Sort(out)
	return slices.Compact(out)
}

package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Orders of ORDER HISTORY: HistoryWaiting puts the orders still waiting
// for the supplier's acknowledgement (new, dispatched) first, oldest
// first, then every other newest first.
const (
	HistoryWaiting = "waiting"
	HistoryNewest  = "newest"
	HistoryOldest  = "oldest"
	HistoryUpdated = "updated"
)

// WaitingStatuses are the statuses HistoryWaiting puts first.
var WaitingStatuses = []string{domain.StatusNew, domain.StatusDispatched}

// HistoryFilter selects a page of one supplier's supplier orders.
type HistoryFilter struct {
	SupplierID int64
	// From and To bound the creation time, [From, To); zero is open.
	From, To time.Time
	// Status keeps one status ("" for all).
	Status     string
	RetailerID int64
	// Search matches a supplier order number, an external id or a SKU
	// exactly (after trimming).
	Search string
	// Sort is one of the History* orders; "" is HistoryWaiting.
	Sort          string
	Offset, Limit int
}

// HistoryRow is one line of ORDER HISTORY.
type HistoryRow struct {
	ID         int64
	Number     string
	Status     string
	Retailer   string
	ExternalID string
	Customer   string
	Currency   string
	Items      int
	Total      domain.Money
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// History is a page and the counts by status of everything the filter
// matches except its Status.
type History struct {
	Rows   []HistoryRow
	Counts map[string]int
	// Total is how many orders match the whole filter.
	Total int
}

const qHistoryRows = `SELECT so.id, so.number, so.status, r.code, o.external_id, o.customer, o.currency,
(SELECT COALESCE(sum(l.quantity), 0) FROM order_lines l WHERE l.supplier_order_id = so.id),
so.item_total + so.shipping, so.created_at, so.updated_at
FROM supplier_orders so JOIN orders o ON o.id = so.order_id JOIN retailers r ON r.id = o.retailer_id
WHERE so.supplier_id = $1 AND so.id IN (%s)`

// OrderHistory returns one page of a supplier's ORDER HISTORY. Every
// query is scoped to f.SupplierID in SQL. The page is found as ids first
// (index-only walks), then those rows are loaded.
func (s *Store) OrderHistory(ctx context.Context, f HistoryFilter) (*History, error) {
	if f.SupplierID <= 0 || f.Limit <= 0 {
		return nil, fmt.Errorf("order history: supplier id and limit are required")
	}
	where, args := historyWhere(f)
	h := &History{Counts: map[string]int{}}
	rows, err := s.d.Query(ctx, `SELECT so.status, count(*) FROM supplier_orders so WHERE `+where+` GROUP BY so.status`, args...)
	if err != nil {
		return nil, fmt.Errorf("order history counts: %w", err)
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("order history counts: %w", err)
		}
		h.Counts[st] = n
		if f.Status == "" || f.Status == st {
			h.Total += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("order history counts: %w", err)
	}
	ids, err := s.historyIDs(ctx, f, where, args, h.Counts)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return h, nil
	}
	qargs := []any{f.SupplierID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		qargs = append(qargs, id)
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	rs, err := s.d.Query(ctx, fmt.Sprintf(qHistoryRows, strings.Join(marks, ",")), qargs...)
	if err != nil {
		return nil, fmt.Errorf("order history rows: %w", err)
	}
	defer rs.Close()
	byID := make(map[int64]HistoryRow, len(ids))
	for rs.Next() {
		var r HistoryRow
		var customer []byte
		var total int64
		if err := rs.Scan(&r.ID, &r.Number, &r.Status, &r.Retailer, &r.ExternalID, jsonCol{&customer}, &r.Currency, &r.Items,
			&total, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("order history rows: %w", err)
		}
		r.Total = domain.Money(total)
		r.Customer = customerName(customer)
		byID[r.ID] = r
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("order history rows: %w", err)
	}
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			h.Rows = append(h.Rows, r)
		}
	}
	return h, nil
}

// historyWhere is the filter without its status, as SQL over
// supplier_orders so, with its arguments ($1 is the supplier).
func historyWhere(f HistoryFilter) (string, []any) {
	args := []any{f.SupplierID}
	next := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := []string{"so.supplier_id = $1"}
	if !f.From.IsZero() {
		w = append(w, "so.created_at >= "+next(f.From))
	}
	if !f.To.IsZero() {
		w = append(w, "so.created_at < "+next(f.To))
	}
	if f.RetailerID > 0 {
		w = append(w, "EXISTS (SELECT 1 FROM orders ro WHERE ro.id = so.order_id AND ro.retailer_id = "+next(f.RetailerID)+")")
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		p := next(q)
		w = append(w, "so.id IN (SELECT sn.id FROM supplier_orders sn WHERE sn.number = "+p+
			" UNION SELECT se.id FROM supplier_orders se JOIN orders oe ON oe.id = se.order_id WHERE oe.external_id = "+p+
			" UNION SELECT sl.supplier_order_id FROM order_lines sl WHERE sl.sku = "+p+")")
	}
	return strings.Join(w, " AND "), args
}

// historyIDs finds the page's ids in the filter's order.
func (s *Store) historyIDs(ctx context.Context, f HistoryFilter, where string, args []any, counts map[string]int) ([]int64, error) {
	withStatus := func(st string) (string, []any) {
		a := slices.Clone(args)
		if st == "" {
			return where, a
		}
		a = append(a, st)
		return where + " AND so.status = $" + strconv.Itoa(len(a)), a
	}
	page := func(w string, a []any, order string, offset, limit int) ([]int64, error) {
		a = append(a, limit, offset)
		q := "SELECT so.id FROM supplier_orders so WHERE " + w + " ORDER BY " + order +
			" LIMIT $" + strconv.Itoa(len(a)-1) + " OFFSET $" + strconv.Itoa(len(a))
		return s.ids(ctx, q, a, 1)
	}
	switch f.Sort {
	case HistoryNewest:
		w, a := withStatus(f.Status)
		return page(w, a, "so.created_at DESC, so.id DESC", f.Offset, f.Limit)
	case HistoryOldest:
		w, a := withStatus(f.Status)
		return page(w, a, "so.created_at, so.id", f.Offset, f.Limit)
	case HistoryUpdated:
		w, a := withStatus(f.Status)
		return page(w, a, "so.updated_at DESC, so.id DESC", f.Offset, f.Limit)
	case "", HistoryWaiting:
	default:
		return nil, fmt.Errorf("order history: unknown sort %q", f.Sort)
	}
	// Waiting first: one ordered walk of the (supplier, status, created)
	// index per waiting status, merged; then the rest, newest first.
	var waiting []string
	for _, st := range WaitingStatuses {
		if f.Status == "" || f.Status == st {
			waiting = append(waiting, st)
		}
	}
	nWaiting := 0
	for _, st := range waiting {
		nWaiting += counts[st]
	}
	var out []int64
	if f.Offset < nWaiting && len(waiting) > 0 {
		ids, err := s.mergedPage(ctx, where, args, waiting, "", f.Offset, f.Limit)
		if err != nil {
			return nil, err
		}
		out = ids
	}
	if len(out) >= f.Limit || (f.Status != "" && slices.Contains(WaitingStatuses, f.Status)) {
		return out, nil
	}
	// The rest, newest first: again one ordered walk per status present,
	// merged, so the cost follows the page's depth, not how many waiting
	// orders a plain walk by time would have to step over.
	var others []string
	for st, n := range counts {
		if n > 0 && !slices.Contains(WaitingStatuses, st) && (f.Status == "" || f.Status == st) {
			others = append(others, st)
		}
	}
	if len(others) == 0 {
		return out, nil
	}
	slices.Sort(others) // one query text per set of statuses
	rest, err := s.mergedPage(ctx, where, args, others, "DESC", max(0, f.Offset-nWaiting), f.Limit-len(out))
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// mergedPage pages through the orders matching where in any of statuses,
// by (created_at, id) in dir ("" or "DESC"): a UNION ALL of one walk of
// the (supplier, status, created, id) index per status, which SQLite and
// PostgreSQL both merge instead of sorting.
func (s *Store) mergedPage(ctx context.Context, where string, args []any, statuses []string, dir string, offset, limit int) ([]int64, error) {
	a := slices.Clone(args)
	parts := make([]string, len(statuses))
	for i, st := range statuses {
		a = append(a, st)
		parts[i] = "SELECT so.id, so.created_at FROM supplier_orders so WHERE " + where + " AND so.status = $" + strconv.Itoa(len(a))
	}
	a = append(a, limit, offset)
	q := strings.Join(parts, " UNION ALL ") + " ORDER BY 2 " + dir + ", 1 " + dir +
		" LIMIT $" + strconv.Itoa(len(a)-1) + " OFFSET $" + strconv.Itoa(len(a))
	return s.ids(ctx, q, a, 2)
}

// ids runs q and returns its first column; cols is how many it selects.
func (s *Store) ids(ctx context.Context, q string, args []any, cols int) ([]int64, error) {
	rows, err := s.d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("order history page: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var skip any
		dest := []any{&id}
		if cols == 2 {
			dest = append(dest, &skip)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("order history page: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// customerName is the customer's name (or company) from its JSON.
func customerName(b []byte) string {
	var c domain.Customer
	if err := json.Unmarshal(b, &c); err != nil {
		return ""
	}
	if c.Name == "" {
		return c.Company
	}
	return c.Name
}

// NewStatusToken returns 128 random bits as 32 hex characters.
func NewStatusToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const qOrderByToken = `SELECT ` + orderCols + ` FROM orders o JOIN retailers r ON r.id = o.retailer_id WHERE o.status_token = $1`

// OrderByStatusToken returns the order whose status page token is token,
// with its supplier orders, or ErrNotFound.
func (s *Store) OrderByStatusToken(ctx context.Context, token string) (*domain.Order, error) {
	if len(token) != 32 {
		return nil, ErrNotFound
	}
	o, err := scanOrder(s.d.QueryRow(ctx, qOrderByToken, token))
	if err != nil {
		return nil, err
	}
	if err := s.attachSupplierOrders(ctx, s.d, []*domain.Order{o}); err != nil {
		return nil, err
	}
	return o, nil
}

const qDeliveriesOf = `SELECT ` + deliveryCols + ` FROM deliveries WHERE supplier_order_id = $1 ORDER BY id`

// DeliveriesOf lists a supplier order's deliveries, oldest first.
func (s *Store) DeliveriesOf(ctx context.Context, supplierOrderID int64) ([]*domain.Delivery, error) {
	return s.queryDeliveries(ctx, fmt.Sprintf("deliveries of %d", supplierOrderID), qDeliveriesOf, supplierOrderID)
}

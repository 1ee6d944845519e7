package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventOverdue is the history entry of an overdue alert: the order
// passed one of its supplier's limits (it changes no status).
const EventOverdue = "overdue"

// OverdueCandidate is a supplier order that may be past a limit.
type OverdueCandidate struct {
	SupplierOrderID, OrderID int64
	Number, Status           string
	CreatedAt                time.Time
}

// OverdueAlert is one recorded breach: a supplier order past one limit.
type OverdueAlert struct {
	ID              int64
	SupplierOrderID int64
	SupplierID      int64
	Kind            string
	// Status is the supplier order's status when the breach was found.
	Status     string
	Limit      time.Duration
	DueAt      time.Time
	DetectedAt time.Time
	EventID    int64
	ResolvedAt *time.Time
}

// OverdueRow is an open alert as listed for an operator: the alert with
// the supplier order, its supplier and retailer, and its status now.
type OverdueRow struct {
	OverdueAlert
	Number, CurrentStatus  string
	Supplier, SupplierName string
	Retailer               string
	ExternalID             string
}

// inList is "$first, $first+1, …" for n values, to follow other parameters.
func inList(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(first+i)
	}
	return strings.Join(ps, ", ")
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// qOverdueCandidates reads one status through the index on (supplier_id,
// status, created_at, id): a range scan of exactly the orders in that
// status old enough, however many older orders the supplier has in other
// statuses. (An IN list of statuses lets the planner pick the
// (supplier_id, created_at) index instead and filter every old order.)
const qOverdueCandidates = `SELECT so.id, so.order_id, so.number, so.status, so.created_at FROM supplier_orders so
WHERE so.supplier_id = $1 AND so.status = $2 AND so.created_at <= $3
AND NOT EXISTS (SELECT 1 FROM overdue_alerts a WHERE a.supplier_order_id = so.id AND a.kind = $4)
ORDER BY so.created_at, so.id LIMIT $5`

// OverdueCandidates returns up to limit supplier orders of supplier that
// are in one of statuses, were created at or before createdBy, and have no
// alert of kind yet, oldest first.
func (s *Store) OverdueCandidates(ctx context.Context, supplierID int64, kind string, statuses []string, createdBy time.Time, limit int) ([]OverdueCandidate, error) {
	var out []OverdueCandidate
	for _, status := range statuses {
		rows, err := s.d.Query(ctx, qOverdueCandidates, supplierID, status, createdBy, kind, limit)
		if err != nil {
			return nil, fmt.Errorf("overdue candidates: %w", err)
		}
		for rows.Next() {
			var c OverdueCandidate
			if err := rows.Scan(&c.SupplierOrderID, &c.OrderID, &c.Number, &c.Status, timeCol{&c.CreatedAt}); err != nil {
				rows.Close()
				return nil, fmt.Errorf("overdue candidates: %w", err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("overdue candidates: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b OverdueCandidate) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.SupplierOrderID, b.SupplierOrderID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

const qInsertOverdue = `INSERT INTO overdue_alerts (supplier_order_id, supplier_id, kind, status, limit_seconds, due_at, detected_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (supplier_order_id, kind) DO NOTHING RETURNING id`

// RecordOverdue inserts alert a in tx and sets its id. It reports false,
// changing nothing, when the same breach (supplier order and kind) is
// already recorded, by an earlier scan or another replica: the caller
// then tells nobody. On PostgreSQL a concurrent insert of the same breach
// waits for the first transaction and then finds it.
func (s *Store) RecordOverdue(ctx context.Context, tx Tx, a *OverdueAlert) (bool, error) {
	err := tx.QueryRow(ctx, qInsertOverdue, a.SupplierOrderID, a.SupplierID, a.Kind, a.Status, int64(a.Limit/time.Second),
		a.DueAt, a.DetectedAt).Scan(&a.ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record overdue alert: %w", err)
	}
	return true, nil
}

// SetOverdueEvent links alert id to the history event that tells of it.
func (s *Store) SetOverdueEvent(ctx context.Context, tx Tx, id, eventID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE overdue_alerts SET event_id = $2 WHERE id = $1`, id, eventID); err != nil {
		return fmt.Errorf("link overdue alert %d: %w", id, err)
	}
	return nil
}

// ResolveOverdue marks resolved, at now, the open alerts of kind whose
// supplier order is no longer in one of statuses, and returns how many.
func (s *Store) ResolveOverdue(ctx context.Context, kind string, statuses []string, now time.Time) (int64, error) {
	q := `UPDATE overdue_alerts SET resolved_at = $1 WHERE resolved_at IS NULL AND kind = $2
AND NOT EXISTS (SELECT 1 FROM supplier_orders so WHERE so.id = overdue_alerts.supplier_order_id AND so.status IN (` + inList(3, len(statuses)) + `))`
	n, err := s.d.Exec(ctx, q, append([]any{now, kind}, anyStrings(statuses)...)...)
	if err != nil {
		return 0, fmt.Errorf("resolve overdue alerts: %w", err)
	}
	return n, nil
}

// OpenOverdue lists the alerts not resolved whose supplier order is still
// in one of the statuses that count for its kind (open maps kind to
// statuses), oldest first, at most limit.
func (s *Store) OpenOverdue(ctx context.Context, open map[string][]string, limit int) ([]OverdueRow, error) {
	where, args := openOverdueWhere(open, 1)
	q := `SELECT a.id, a.supplier_order_id, a.supplier_id, a.kind, a.status, a.limit_seconds, a.due_at, a.detected_at,
COALESCE(a.event_id, 0), so.number, so.status, s.code, s.name, r.code, o.external_id
FROM overdue_alerts a JOIN supplier_orders so ON so.id = a.supplier_order_id JOIN suppliers s ON s.id = a.supplier_id
JOIN orders o ON o.id = so.order_id JOIN retailers r ON r.id = o.retailer_id
WHERE a.resolved_at IS NULL AND (` + where + `) ORDER BY a.detected_at, a.id LIMIT ` + strconv.Itoa(limit)
	return s.queryOverdueRows(ctx, q, args...)
}

// OverdueByIDs loads the alerts with the given ids (for the operator's
// email), whatever their state now.
func (s *Store) OverdueByIDs(ctx context.Context, ids []int64) ([]OverdueRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT a.id, a.supplier_order_id, a.supplier_id, a.kind, a.status, a.limit_seconds, a.due_at, a.detected_at,
COALESCE(a.event_id, 0), so.number, so.status, s.code, s.name, r.code, o.external_id
FROM overdue_alerts a JOIN supplier_orders so ON so.id = a.supplier_order_id JOIN suppliers s ON s.id = a.supplier_id
JOIN orders o ON o.id = so.order_id JOIN retailers r ON r.id = o.retailer_id
WHERE a.id IN (` + inList(1, len(ids)) + `) ORDER BY a.id`
	return s.queryOverdueRows(ctx, q, args...)
}

// CountOpenOverdue counts the distinct supplier orders with an open alert
// still in one of the statuses of its kind (the metrics gauge).
func (s *Store) CountOpenOverdue(ctx context.Context, open map[string][]string) (int64, error) {
	where, args := openOverdueWhere(open, 1)
	q := `SELECT COUNT(DISTINCT a.supplier_order_id) FROM overdue_alerts a JOIN supplier_orders so ON so.id = a.supplier_order_id
WHERE a.resolved_at IS NULL AND (` + where + `)`
	var n int64
	if err := s.d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count overdue: %w", err)
	}
	return n, nil
}

// openOverdueWhere is "(a.kind = $k AND so.status IN (…)) OR …" with its
// arguments, numbered from first, in a stable order of kinds.
func openOverdueWhere(open map[string][]string, first int) (string, []any) {
	kinds := make([]string, 0, len(open))
	for k := range open {
		kinds = append(kinds, k)
	}
	// A stable query text keeps the prepared statement cache small.
	slices.Sort(kinds)
	var parts []string
	var args []any
	n := first
	for _, k := range kinds {
		sts := open[k]
		if len(sts) == 0 {
			continue
		}
		parts = append(parts, "(a.kind = $"+strconv.Itoa(n)+" AND so.status IN ("+inList(n+1, len(sts))+"))")
		args = append(append(args, k), anyStrings(sts)...)
		n += 1 + len(sts)
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return strings.Join(parts, " OR "), args
}

func (s *Store) queryOverdueRows(ctx context.Context, q string, args ...any) ([]OverdueRow, error) {
	rows, err := s.d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("overdue alerts: %w", err)
	}
	defer rows.Close()
	var out []OverdueRow
	for rows.Next() {
		var r OverdueRow
		var secs int64
		if err := rows.Scan(&r.ID, &r.SupplierOrderID, &r.SupplierID, &r.Kind, &r.Status, &secs, timeCol{&r.DueAt},
			timeCol{&r.DetectedAt}, &r.EventID, &r.Number, &r.CurrentStatus, &r.Supplier, &r.SupplierName, &r.Retailer,
			&r.ExternalID); err != nil {
			return nil, fmt.Errorf("overdue alerts: %w", err)
		}
		r.Limit = time.Duration(secs) * time.Second
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue alerts: %w", err)
	}
	return out, nil
}

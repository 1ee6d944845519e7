package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RecordTx's statements on SQLite. SQLite has one writer (BEGIN
// IMMEDIATE), so nothing another transaction commits can come between two
// statements of one transaction: the order's lock and the snapshot checks
// of the PostgreSQL path (qRecordPG) are not needed, and neither is the
// order's status read under that lock, which RecordDispatched never used.
//
// No UPDATE here has a RETURNING clause. SQLite runs RETURNING as a
// trigger, which turns a one-row UPDATE from one pass into two and puts
// the rows through a temporary table: measured (BenchmarkRecordTx), an
// UPDATE … RETURNING cost more than the same UPDATE followed by a SELECT,
// and folding the next-waiting read into the delivery's UPDATE made a
// record dearer, not cheaper. The event is inserted without RETURNING id
// for the same reason; nothing reads that id.
const (
	qMarkDispatchedSQLite = `UPDATE supplier_orders SET status = 'dispatched', version = version + 1, updated_at = $2
WHERE id = $1 AND status = 'new'`
	// qSiblingsOfSQLite reads a supplier order's order and the statuses of
	// that order's supplier orders, one text: what rederiveOrder reads in
	// two statements.
	qSiblingsOfSQLite = `SELECT so.order_id, (SELECT group_concat(s.status, ',') FROM supplier_orders s WHERE s.order_id = so.order_id)
FROM supplier_orders so WHERE so.id = $1`
	// qDispatchedEventSQLite is AppendEvent's row for the move to
	// dispatched with its constant columns written out; note, data and
	// key take their defaults, as AppendEvent stores them for an event
	// without any.
	qDispatchedEventSQLite = `INSERT INTO supplier_order_events (supplier_order_id, kind, from_status, to_status, actor, channel, occurred_at, created_at)
VALUES ($1, 'status', 'new', 'dispatched', 'supplyhub', $2, $3, $3)`
	// qNextWaitingSQLite is qNextWaiting as one row (NULL when none):
	// min(id) reads the first match where ORDER BY id LIMIT 1 sorted the
	// matches in a temporary b-tree (the unique index on supplier order,
	// channel and event is not in id order).
	qNextWaitingSQLite = `SELECT min(id) FROM deliveries WHERE supplier_order_id = $1 AND channel = $2 AND id > $3
AND status IN ('pending', 'failed')`
)

// recordSQLite is RecordTx on SQLite: seven statements for a first
// delivery, where RecordAttemptTx, RecordDispatched and
// NextWaitingDelivery made eight, three of them with RETURNING.
func (s *Store) recordSQLite(ctx context.Context, tx Tx, r Record) (next int64, err error) {
	a, d := r.Attempt, r.Delivery
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, qInsertAttempt, a.DeliveryID, a.Number, a.StartedAt, a.Duration.Microseconds(),
		a.Outcome, a.StatusCode, a.Error, a.Response); err != nil {
		return 0, fmt.Errorf("record attempt %d of delivery %d: %w", a.Number, a.DeliveryID, err)
	}
	if _, err := tx.Exec(ctx, qUpdateDelivery, a.DeliveryID, r.Status, a.Error, now); err != nil {
		return 0, fmt.Errorf("update delivery %d: %w", a.DeliveryID, err)
	}
	if r.Dispatched {
		if err := s.dispatchedSQLite(ctx, tx, d.SupplierOrderID, d.Channel, r.Derive, now); err != nil {
			return 0, err
		}
	}
	if !r.Next {
		return 0, nil
	}
	var nextID *int64
	if err := tx.QueryRow(ctx, qNextWaitingSQLite, d.SupplierOrderID, d.Channel, d.ID).Scan(&nextID); err != nil {
		return 0, fmt.Errorf("next waiting delivery: %w", err)
	}
	if nextID != nil {
		next = *nextID
	}
	return next, nil
}

// dispatchedSQLite is RecordDispatched on SQLite, at now.
func (s *Store) dispatchedSQLite(ctx context.Context, tx Tx, soID int64, channel string, derive func([]string) string, now time.Time) error {
	n, err := tx.Exec(ctx, qMarkDispatchedSQLite, soID, now)
	if err != nil {
		return fmt.Errorf("record dispatched: %w", err)
	}
	if n == 0 {
		return nil // moved on already
	}
	var orderID int64
	var siblings string
	if err := tx.QueryRow(ctx, qSiblingsOfSQLite, soID).Scan(&orderID, &siblings); err != nil {
		return fmt.Errorf("sibling statuses: %w", err)
	}
	if _, err := tx.Exec(ctx, qDispatchedEventSQLite, soID, channel, now); err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	// Statuses are single words (domain.Status*), never holding a comma.
	if _, err := tx.Exec(ctx, qSetOrderState, orderID, derive(strings.Split(siblings, ",")), now); err != nil {
		return fmt.Errorf("set order status: %w", err)
	}
	return nil
}

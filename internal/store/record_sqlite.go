package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
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
	// qAfterRecordSQLite reads, in one statement, what a record needs
	// once its rows are written: when $2, the supplier order's order and
	// the statuses of that order's supplier orders, in one text (what
	// rederiveOrder reads in two statements); when $3, the first delivery
	// waiting behind delivery $5 to channel $4 (qNextWaiting), NULL when
	// none. min(id) reads that one where ORDER BY id LIMIT 1 sorted the
	// matches in a temporary b-tree (the unique index on supplier order,
	// channel and event is not in id order).
	qAfterRecordSQLite = `SELECT so.order_id,
CASE WHEN $2 THEN (SELECT group_concat(s.status, ',') FROM supplier_orders s WHERE s.order_id = so.order_id) END,
CASE WHEN $3 THEN (SELECT min(d.id) FROM deliveries d WHERE d.supplier_order_id = $1 AND d.channel = $4 AND d.id > $5
AND d.status IN ('pending', 'failed')) END
FROM supplier_orders so WHERE so.id = $1`
	// qDispatchedEventSQLite is AppendEvent's row for the move to
	// dispatched with its constant columns written out; note, data and
	// key take their defaults, as AppendEvent stores them for an event
	// without any.
	qDispatchedEventSQLite = `INSERT INTO supplier_order_events (supplier_order_id, kind, from_status, to_status, actor, channel, occurred_at, created_at)
VALUES ($1, 'status', 'new', 'dispatched', 'supplyhub', $2, $3, $3)`
)

// recordSQLite is RecordTx on SQLite: six statements for a first
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
	return s.dispatchedSQLite(ctx, tx, d.SupplierOrderID, r.Dispatched, r.Next, d, r.Derive, now)
}

// dispatchedSQLite moves supplier order soID from new to dispatched, when
// dispatch asks, as RecordDispatched does (its event to channel d.Channel,
// its order's status derived with derive), at now; when next asks, it
// returns the delivery waiting behind d.
func (s *Store) dispatchedSQLite(ctx context.Context, tx Tx, soID int64, dispatch, next bool, d *domain.Delivery, derive func([]string) string, now time.Time) (int64, error) {
	moved := false
	if dispatch {
		n, err := tx.Exec(ctx, qMarkDispatchedSQLite, soID, now)
		if err != nil {
			return 0, fmt.Errorf("record dispatched: %w", err)
		}
		moved = n > 0 // else moved on already
	}
	if !moved && !next {
		return 0, nil
	}
	var orderID int64
	var siblings *string
	var nextID *int64
	if err := tx.QueryRow(ctx, qAfterRecordSQLite, soID, moved, next, d.Channel, d.ID).Scan(&orderID, &siblings, &nextID); err != nil {
		return 0, fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
	if moved {
		if _, err := tx.Exec(ctx, qDispatchedEventSQLite, soID, d.Channel, now); err != nil {
			return 0, fmt.Errorf("append event: %w", err)
		}
		var statuses []string
		if siblings != nil { // never nil: soID is one of them
			// Statuses are single words (domain.Status*), never holding a comma.
			statuses = strings.Split(*siblings, ",")
		}
		if _, err := tx.Exec(ctx, qSetOrderState, orderID, derive(statuses), now); err != nil {
			return 0, fmt.Errorf("set order status: %w", err)
		}
	}
	if nextID == nil {
		return 0, nil
	}
	return *nextID, nil
}

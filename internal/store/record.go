package store

import (
	"context"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Record is one dispatch attempt to store with what goes with it (see
// RecordTx).
type Record struct {
	// Attempt is appended to the delivery's history.
	Attempt *domain.Attempt
	// Status is the delivery's new status.
	Status string
	// Delivery is the delivery attempted (its supplier order and channel).
	Delivery *domain.Delivery
	// Dispatched moves the supplier order from new to dispatched as
	// RecordDispatched does, the order's status derived with Derive.
	Dispatched bool
	Derive     func([]string) string
	// Next asks for the first delivery waiting behind Delivery, as
	// NextWaitingDelivery returns it.
	Next bool
}

// qRecordPG stores an attempt, moves its delivery, finds the delivery
// waiting behind it ($14), and, when asked ($13), moves the supplier order
// to dispatched with its event and locks the order, all in one statement:
// on PostgreSQL each statement of the most frequent transaction is a round
// trip, and this one made six. The order is locked after the supplier
// order (its id comes from m), the order every status change takes them
// in. The waiting delivery is read in the statement's snapshot, taken
// before the delivery's own update, which the read does not look at.
//
// It also reads the order's supplier orders' statuses (the one moved
// here as dispatched) for the order's derivation, saving a statement,
// but in the statement's snapshot, taken before the lock: a transaction
// that committed a sibling's change while this one waited would be
// missed. Every status change updates the order row in its transaction
// (rederiveOrder), so such a commit leaves the locked row a version the
// snapshot does not see: the fourth column is whether the locked row is
// the snapshot's (same xmin); when not, RecordTx reads the siblings again
// after the lock, as rederiveOrder does.
const qRecordPG = `WITH a AS (` + qInsertAttempt + `),
u AS (UPDATE deliveries SET status = $9, attempts = attempts + 1, last_error = $7, updated_at = $10,
delivered_at = CASE WHEN $9 = 'delivered' THEN $10 ELSE delivered_at END WHERE id = $1),
m AS (UPDATE supplier_orders SET status = 'dispatched', version = version + 1, updated_at = $10
WHERE $13 AND id = $11 AND status = 'new' RETURNING order_id),
e AS (INSERT INTO supplier_order_events (supplier_order_id, kind, from_status, to_status, actor, channel, occurred_at, created_at)
SELECT $11, 'status', 'new', 'dispatched', 'supplyhub', $12, $10, $10 FROM m),
o AS (SELECT status, xmin AS x FROM orders WHERE id = (SELECT order_id FROM m) FOR UPDATE)
SELECT CASE WHEN $14 THEN (SELECT id FROM deliveries WHERE supplier_order_id = $11 AND channel = $12 AND id > $1
AND status IN ('pending', 'failed') ORDER BY id LIMIT 1) END,
(SELECT order_id FROM m), (SELECT status FROM o),
(SELECT x FROM o) = (SELECT xmin FROM orders WHERE id = (SELECT order_id FROM m)),
COALESCE((SELECT array_agg(CASE WHEN id = $11 THEN 'dispatched' ELSE status END ORDER BY id)
FROM supplier_orders WHERE order_id = (SELECT order_id FROM m)), '{}')`

// RecordTx stores r in tx: the attempt, the delivery's status and, when
// asked, the supplier order's move to dispatched with its history event
// and the order's derived status. It returns the delivery waiting behind
// r.Delivery when r.Next asks for it (0 when none).
func (s *Store) RecordTx(ctx context.Context, tx Tx, r Record) (next int64, err error) {
	a, d := r.Attempt, r.Delivery
	if s.d.Kind() != KindPostgres {
		return s.recordSQLite(ctx, tx, r)
	}
	now := time.Now().UTC()
	var (
		nextID, orderID *int64
		from            *string
		current         *bool
		siblings        []string
	)
	err = tx.QueryRow(ctx, qRecordPG, a.DeliveryID, a.Number, a.StartedAt, a.Duration.Microseconds(), a.Outcome, a.StatusCode,
		a.Error, a.Response, r.Status, now, d.SupplierOrderID, d.Channel, r.Dispatched, r.Next).
		Scan(&nextID, &orderID, &from, &current, &siblings)
	if err != nil {
		return 0, fmt.Errorf("record attempt %d of delivery %d: %w", a.Number, a.DeliveryID, err)
	}
	switch {
	case orderID == nil || from == nil:
	case current != nil && *current:
		// Nothing reads this update's result: it goes with the
		// transaction's next statement (the next record's, or COMMIT).
		if err := execLater(ctx, tx, qSetOrderState, *orderID, r.Derive(siblings), now); err != nil {
			return 0, fmt.Errorf("set order status: %w", err)
		}
	default:
		if _, err := s.deriveLockedOrder(ctx, tx, *orderID, *from, r.Derive); err != nil {
			return 0, err
		}
	}
	if nextID != nil {
		next = *nextID
	}
	return next, nil
}

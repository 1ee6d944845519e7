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
	if s.d.Kind() != KindPostgres {
		return s.recordSQLite(ctx, tx, r)
	}
	now := time.Now().UTC()
	var res recordResult
	if err := tx.QueryRow(ctx, qRecordPG, recordArgs(r, now)...).Scan(res.dest()...); err != nil {
		return 0, recordErr(r, err)
	}
	return s.recorded(ctx, tx, r, res, now)
}

// RecordManyTx stores each of rs in tx as RecordTx does, in order, and
// returns the delivery waiting behind each. On PostgreSQL the records'
// statements go in one pipeline, one round trip for all (the order
// updates that follow go with the transaction's next statement): each
// record statement made a round trip of its own, a third of a burst's. A
// record then reads its order's supplier orders before the updates of the
// same order's records ahead of it in rs, but after their statements, so
// its derivation sees their supplier orders dispatched, and the updates
// run in order: the last one sets what all of them derive.
func (s *Store) RecordManyTx(ctx context.Context, tx Tx, rs []Record) ([]int64, error) {
	next := make([]int64, len(rs))
	p, ok := tx.(*pipeTx)
	if !ok || len(rs) < 2 {
		for i, r := range rs {
			n, err := s.RecordTx(ctx, tx, r)
			if err != nil {
				return nil, err
			}
			next[i] = n
		}
		return next, nil
	}
	now := time.Now().UTC()
	res := make([]recordResult, len(rs))
	qs := make([]queuedStmt, len(rs))
	for i, r := range rs {
		qs[i] = queuedStmt{sql: qRecordPG, args: recordArgs(r, now)}
	}
	err := p.queryRows(ctx, qs, func(i int, row Row) error {
		if err := row.Scan(res[i].dest()...); err != nil {
			return recordErr(rs[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		if next[i], err = s.recorded(ctx, tx, r, res[i], now); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// recordResult is what qRecordPG returns.
type recordResult struct {
	nextID, orderID *int64
	from            *string
	current         *bool
	siblings        []string
}

func (r *recordResult) dest() []any {
	return []any{&r.nextID, &r.orderID, &r.from, &r.current, &r.siblings}
}

// recordArgs are qRecordPG's arguments for r.
func recordArgs(r Record, now time.Time) []any {
	a, d := r.Attempt, r.Delivery
	return []any{a.DeliveryID, a.Number, a.StartedAt, a.Duration.Microseconds(), a.Outcome, a.StatusCode,
		a.Error, a.Response, r.Status, now, d.SupplierOrderID, d.Channel, r.Dispatched, r.Next}
}

func recordErr(r Record, err error) error {
	return fmt.Errorf("record attempt %d of delivery %d: %w", r.Attempt.Number, r.Attempt.DeliveryID, err)
}

// recorded finishes r after its qRecordPG statement returned res: the
// order's derived status, and the waiting delivery.
func (s *Store) recorded(ctx context.Context, tx Tx, r Record, res recordResult, now time.Time) (next int64, err error) {
	switch {
	case res.orderID == nil || res.from == nil:
	case res.current != nil && *res.current:
		// Nothing reads this update's result: it goes with the
		// transaction's next statement (the next record's, or COMMIT).
		if err := execLater(ctx, tx, qSetOrderState, *res.orderID, r.Derive(res.siblings), now); err != nil {
			return 0, fmt.Errorf("set order status: %w", err)
		}
	default:
		if _, err := s.deriveLockedOrder(ctx, tx, *res.orderID, *res.from, r.Derive); err != nil {
			return 0, err
		}
	}
	if res.nextID != nil {
		next = *res.nextID
	}
	return next, nil
}

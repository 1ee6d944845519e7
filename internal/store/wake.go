package store

import (
	"context"
	"fmt"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Events about one supplier order reach a channel in order: a delivery
// waits (its dispatch job snoozed) while an earlier one is unfinished.
// When a delivery finishes, the transaction that records it wakes the next
// waiting one: it bumps that delivery's wake_gen and queues a new job
// carrying the new value. The job it replaces, snoozed or running at that
// very moment, finds itself stale when it next runs and stops. The new job
// is committed with the finish, so it always sees it: no wake-up is lost
// to a job that was deciding to wait at the same time.

const qNextWaiting = `SELECT id FROM deliveries WHERE supplier_order_id = $1 AND channel = $2 AND id > $3
AND status IN ('pending', 'failed') ORDER BY id LIMIT 1`

// NextWaitingDelivery returns the first unfinished delivery after d to the
// same channel about the same supplier order, or 0.
func (s *Store) NextWaitingDelivery(ctx context.Context, q Querier, d *domain.Delivery) (int64, error) {
	rows, err := q.Query(ctx, qNextWaiting, d.SupplierOrderID, d.Channel, d.ID)
	if err != nil {
		return 0, fmt.Errorf("next waiting delivery: %w", err)
	}
	defer rows.Close()
	var id int64
	if rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("next waiting delivery: %w", err)
		}
	}
	return id, rows.Err()
}

// BumpWakeGen increments a delivery's wake_gen in tx and returns the new
// value, which the waking job must carry.
func (s *Store) BumpWakeGen(ctx context.Context, tx Tx, deliveryID int64) (int64, error) {
	var gen int64
	if err := tx.QueryRow(ctx, `UPDATE deliveries SET wake_gen = wake_gen + 1 WHERE id = $1 RETURNING wake_gen`, deliveryID).Scan(&gen); err != nil {
		return 0, fmt.Errorf("wake delivery %d: %w", deliveryID, err)
	}
	return gen, nil
}

// RiverInsertTopic and RiverInsertPayload are River's insert notification
// for the default queue, the one queue Supplyhub's jobs go to: the store
// sends it on PostgreSQL (NotifyJobsAvailable), the job queue's own hub on
// SQLite.
const (
	RiverInsertTopic   = "river_insert"
	RiverInsertPayload = `{"queue": "default"}`
)

// qNotifyInsert sends River's insert notification on the topic its
// notifier listens to in the connection's schema.
const qNotifyInsert = `SELECT pg_notify(current_schema() || '.` + RiverInsertTopic + `', '` + RiverInsertPayload + `')`

// NotifyJobsAvailable tells River's producers on PostgreSQL, in tx, that
// a job is ready, as River's own insert does (measured: without it a
// woken job waited up to River's fetch poll, ~0.4 s per link of a chain).
// SQLite's producers poll; there it does nothing.

func (s *Store) NotifyJobsAvailable(ctx context.Context, tx Tx) error {
	if s.d.Kind() != KindPostgres {
		return nil
	}
	// A notification is delivered at commit: it goes with the
	// transaction's next statement or its COMMIT.
	if err := execLater(ctx, tx, qNotifyInsert); err != nil {
		return fmt.Errorf("notify river: %w", err)
	}
	return nil
}

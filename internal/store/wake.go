package store

import (
	"context"
	"fmt"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Events about one supplier order reach a channel in order: a delivery
// waits (its dispatch job snoozed) while an earlier one is unfinished.
// When a delivery finishes, the next waiting one is woken in the same
// transaction, so a chain moves on at once instead of at its next poll.

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

// WakeDispatch makes the snoozed dispatch job of a delivery available at
// once, in tx, and reports whether there was one. On PostgreSQL it also
// notifies River's producers, as River does on insert; SQLite's producers
// poll. A job that is running (deciding to wait at this very moment) is
// not touched: its own backoff runs it again.
func (s *Store) WakeDispatch(ctx context.Context, tx Tx, deliveryID int64) (bool, error) {
	q := `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec')
WHERE state = 'scheduled' AND kind = 'dispatch' AND json_extract(args, '$.delivery_id') = $1`
	if s.d.Kind() == KindPostgres {
		q = `UPDATE river_job SET state = 'available', scheduled_at = now()
WHERE state = 'scheduled' AND kind = 'dispatch' AND args @> jsonb_build_object('delivery_id', $1::bigint)`
	}
	n, err := tx.Exec(ctx, q, deliveryID)
	if err != nil {
		return false, fmt.Errorf("wake delivery %d: %w", deliveryID, err)
	}
	if n > 0 && s.d.Kind() == KindPostgres {
		if _, err := tx.Exec(ctx, `SELECT pg_notify(current_schema() || '.river_insert', '{"queue": "default"}')`); err != nil {
			return false, fmt.Errorf("wake delivery %d: notify: %w", deliveryID, err)
		}
	}
	return n > 0, nil
}

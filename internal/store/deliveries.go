package store

import (
	"context"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

const (
	deliveryCols = `id, supplier_order_id, supplier_id, channel, kind, event, status, attempts, last_error, created_at, updated_at, delivered_at, wake_gen,
(SELECT number FROM supplier_orders WHERE supplier_orders.id = deliveries.supplier_order_id),
(SELECT code FROM suppliers WHERE suppliers.id = deliveries.supplier_id)`
	qDeliveryByID  = `SELECT ` + deliveryCols + ` FROM deliveries WHERE id = $1`
	qDeliveryByKey = `SELECT ` + deliveryCols + ` FROM deliveries WHERE supplier_order_id = $1 AND channel = $2 AND event = $3`
	qInsertAttempt = `INSERT INTO delivery_attempts (delivery_id, number, started_at, duration_us, outcome, status_code, error, response)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	qUpdateDelivery = `UPDATE deliveries SET status = $2, attempts = attempts + 1, last_error = $3, updated_at = $4,
delivered_at = CASE WHEN $2 = 'delivered' THEN $4 ELSE delivered_at END WHERE id = $1`
	qAttemptsOf  = `SELECT id, delivery_id, number, started_at, duration_us, outcome, status_code, error, response FROM delivery_attempts WHERE delivery_id IN (`
	qSetDelivery = `UPDATE deliveries SET status = $2, updated_at = $3 WHERE id = $1`
)

// InsertDelivery stores d in tx unless that (supplier order, channel,
// event) already exists; either way d.ID is set and created says which.
// d.Snapshot, when set, is stored with it (read back by DeliveryForDispatch).
func (s *Store) InsertDelivery(ctx context.Context, tx Tx, d *domain.Delivery) (created bool, err error) {
	done, err := s.InsertDeliveries(ctx, tx, []*domain.Delivery{d})
	if err != nil {
		return false, err
	}
	return done[0], nil
}

// DeliveryByID loads a delivery.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (*domain.Delivery, error) {
	return scanDelivery(s.d.QueryRow(ctx, qDeliveryByID, id))
}

func scanDelivery(row Row) (*domain.Delivery, error) {
	var d domain.Delivery
	err := row.Scan(&d.ID, &d.SupplierOrderID, &d.SupplierID, &d.Channel, &d.Kind, &d.Event, &d.Status, &d.Attempts,
		&d.LastError, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, nullTimeCol{&d.DeliveredAt}, &d.WakeGen, &d.SupplierOrderNumber, &d.SupplierCode)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// RecordAttempt appends an attempt and moves the delivery to status in one
// transaction, so the history and the state never disagree; also, when
// given, runs then in the same transaction (e.g. to move the supplier
// order on), so a crash cannot separate the two.
func (s *Store) RecordAttempt(ctx context.Context, a *domain.Attempt, status string, then func(tx Tx) error) error {
	return s.InTx(ctx, func(tx Tx) error { return s.RecordAttemptTx(ctx, tx, a, status, then) })
}

// RecordAttemptTx is RecordAttempt in the caller's transaction tx (which
// may record several attempts, see pipeline's group commit).
func (s *Store) RecordAttemptTx(ctx context.Context, tx Tx, a *domain.Attempt, status string, then func(tx Tx) error) error {
	if _, err := tx.Exec(ctx, qInsertAttempt, a.DeliveryID, a.Number, a.StartedAt, a.Duration.Microseconds(),
		a.Outcome, a.StatusCode, a.Error, a.Response); err != nil {
		return fmt.Errorf("record attempt %d of delivery %d: %w", a.Number, a.DeliveryID, err)
	}
	if _, err := tx.Exec(ctx, qUpdateDelivery, a.DeliveryID, status, a.Error, time.Now()); err != nil {
		return fmt.Errorf("update delivery %d: %w", a.DeliveryID, err)
	}
	if then != nil {
		return then(tx)
	}
	return nil
}

// SetDeliveryStatus changes a delivery's status without an attempt (replay).
func (s *Store) SetDeliveryStatus(ctx context.Context, q Querier, id int64, status string) error {
	if q == nil {
		q = s.d
	}
	if _, err := q.Exec(ctx, qSetDelivery, id, status, time.Now()); err != nil {
		return fmt.Errorf("set delivery %d %s: %w", id, status, err)
	}
	return nil
}

// Attempts lists a delivery's attempts, oldest first.
func (s *Store) Attempts(ctx context.Context, deliveryID int64) ([]domain.Attempt, error) {
	m, err := s.AttemptsOf(ctx, []int64{deliveryID})
	return m[deliveryID], err
}

// AttemptsOf lists the attempts of several deliveries in one statement,
// each delivery's oldest first: a page of deliveries with their attempts
// is two statements, not one per row.
func (s *Store) AttemptsOf(ctx context.Context, deliveryIDs []int64) (map[int64][]domain.Attempt, error) {
	out := make(map[int64][]domain.Attempt, len(deliveryIDs))
	if len(deliveryIDs) == 0 {
		return out, nil
	}
	in, args := s.idList(deliveryIDs)
	rows, err := s.d.Query(ctx, qAttemptsOf+in+`) ORDER BY delivery_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a domain.Attempt
		var us int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Number, timeCol{&a.StartedAt}, &us, &a.Outcome, &a.StatusCode, &a.Error, &a.Response); err != nil {
			return nil, fmt.Errorf("attempts: %w", err)
		}
		a.Duration = time.Duration(us) * time.Microsecond
		out[a.DeliveryID] = append(out[a.DeliveryID], a)
	}
	return out, rows.Err()
}

// ListDeliveries pages through deliveries by id, optionally by status.
func (s *Store) ListDeliveries(ctx context.Context, status string, afterID int64, limit int) ([]*domain.Delivery, error) {
	return s.FindDeliveries(ctx, DeliveryFilter{Status: status, AfterID: afterID, Limit: limit})
}

// One statement, so both values come from one snapshot: a count that no
// longer sees the finished earlier delivery also sees the wake_gen its
// finish bumped.
const qUnfinishedBefore = `SELECT (SELECT count(*) FROM deliveries WHERE supplier_order_id = $1 AND channel = $2 AND id < $3
AND status IN ('pending', 'failed')), (SELECT wake_gen FROM deliveries WHERE id = $3)`

// UnfinishedBefore counts the deliveries to the same channel about the same
// supplier order that were created before d and are not finished yet, and
// reads d's current wake_gen with them.
func (s *Store) UnfinishedBefore(ctx context.Context, d *domain.Delivery) (n int, wakeGen int64, err error) {
	if err := s.d.QueryRow(ctx, qUnfinishedBefore, d.SupplierOrderID, d.Channel, d.ID).Scan(&n, &wakeGen); err != nil {
		return 0, 0, fmt.Errorf("earlier deliveries: %w", err)
	}
	return n, wakeGen, nil
}

// DeliveryFilter selects deliveries for listing and replay.
type DeliveryFilter struct {
	Status     string // "" for any
	SupplierID int64  // 0 for any
	Channel    string // "" for any
	Since      time.Time
	AfterID    int64
	Limit      int
}

// The failing_status term repeats the status filter for failed and dead,
// the statuses worth an index (migration 0023): with the status known when
// the statement is planned, it becomes failing_status = $1, which the
// partial index on failing_status answers.
const qFilterDeliv = `SELECT ` + deliveryCols + ` FROM deliveries
WHERE ($1 = '' OR status = $1) AND ($1 NOT IN ('failed', 'dead') OR failing_status = $1)
AND ($2 = 0 OR supplier_id = $2) AND ($3 = '' OR channel = $3)
AND created_at >= $4 AND id > $5 ORDER BY id LIMIT $6`

// FindDeliveries pages through deliveries matching f, by id.
func (s *Store) FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*domain.Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	return s.queryDeliveries(ctx, "find deliveries", qFilterDeliv, f.Status, f.SupplierID, f.Channel, f.Since, f.AfterID, f.Limit)
}

// queryDeliveries runs a query of deliveryCols rows and scans them; op
// names the lookup in the error.
func (s *Store) queryDeliveries(ctx context.Context, op, query string, args ...any) ([]*domain.Delivery, error) {
	rows, err := s.d.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []*domain.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

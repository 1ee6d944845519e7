package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Event kinds in a supplier order's history.
const (
	EventStatus   = "status"
	EventNote     = "note"
	EventShipment = "shipment"
	EventIgnored  = "ignored"
)

// StatusEvent is one entry of a supplier order's append-only history.
type StatusEvent struct {
	ID              int64           `json:"id"`
	SupplierOrderID int64           `json:"-"`
	Kind            string          `json:"kind"`
	From            string          `json:"from_status"`
	To              string          `json:"to_status"`
	Actor           string          `json:"actor"`
	Channel         string          `json:"channel"`
	Note            string          `json:"note,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`
	IdempotencyKey  string          `json:"-"`
	OccurredAt      time.Time       `json:"occurred_at"`
	CreatedAt       time.Time       `json:"created_at"`
}

// Shipment is one package of a supplier order.
type Shipment struct {
	Carrier        string          `json:"carrier,omitempty"`
	TrackingNumber string          `json:"tracking_number,omitempty"`
	TrackingURL    string          `json:"tracking_url,omitempty"`
	Lines          json.RawMessage `json:"lines,omitempty"`
	ShippedAt      time.Time       `json:"shipped_at"`
}

// LockedSupplierOrder is the state read under the row lock.
type LockedSupplierOrder struct {
	ID, OrderID, SupplierID int64
	Number, Status          string
	Version                 int
	UpdatedAt               time.Time
}

const (
	qLockSO = `SELECT id, order_id, supplier_id, number, status, version, updated_at FROM supplier_orders
WHERE supplier_id = $1 AND number = $2`
	qEventByKey = `SELECT id, supplier_order_id, kind, from_status, to_status, actor, channel, note, data, COALESCE(idempotency_key, ''), occurred_at, created_at
FROM supplier_order_events WHERE supplier_order_id = $1 AND idempotency_key = $2`
	qEventsOf = `SELECT id, supplier_order_id, kind, from_status, to_status, actor, channel, note, data, COALESCE(idempotency_key, ''), occurred_at, created_at
FROM supplier_order_events WHERE supplier_order_id = $1 ORDER BY id`
	qInsertEvent = `INSERT INTO supplier_order_events (supplier_order_id, kind, from_status, to_status, actor, channel, note, data,
idempotency_key, occurred_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`
	qSetSOStatus   = `UPDATE supplier_orders SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1`
	qSiblingStatus = `SELECT status FROM supplier_orders WHERE order_id = $1`
	qSetOrderState = `UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1`
	qInsertShip    = `INSERT INTO shipments (supplier_order_id, event_id, carrier, tracking_number, tracking_url, lines, shipped_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	qShipmentsOf = `SELECT carrier, tracking_number, tracking_url, lines, shipped_at FROM shipments WHERE supplier_order_id = $1 ORDER BY id`
)

// LockSupplierOrder reads a supplier's supplier order by number inside tx
// and holds it until the transaction ends (FOR UPDATE on PostgreSQL; the
// write lock of BEGIN IMMEDIATE already serialises SQLite).
func (s *Store) LockSupplierOrder(ctx context.Context, tx Tx, supplierID int64, number string) (*LockedSupplierOrder, error) {
	q := qLockSO
	if s.d.Kind() == KindPostgres {
		q += ` FOR UPDATE`
	}
	var l LockedSupplierOrder
	err := tx.QueryRow(ctx, q, supplierID, number).Scan(&l.ID, &l.OrderID, &l.SupplierID, &l.Number, &l.Status, &l.Version, timeCol{&l.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// EventByIdempotencyKey returns the event an earlier request with the
// same key recorded, or ErrNotFound.
func (s *Store) EventByIdempotencyKey(ctx context.Context, q Querier, supplierOrderID int64, key string) (*StatusEvent, error) {
	return scanEvent(q.QueryRow(ctx, qEventByKey, supplierOrderID, key))
}

// AppendEvent records e in tx and sets its id.
func (s *Store) AppendEvent(ctx context.Context, tx Tx, e *StatusEvent) error {
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	var key any
	if e.IdempotencyKey != "" {
		key = e.IdempotencyKey
	}
	e.CreatedAt = time.Now().UTC()
	if e.OccurredAt.IsZero() {
		e.OccurredAt = e.CreatedAt
	}
	err := tx.QueryRow(ctx, qInsertEvent, e.SupplierOrderID, e.Kind, e.From, e.To, e.Actor, e.Channel, e.Note, data, key,
		e.OccurredAt, e.CreatedAt).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// OrderTransition is how an order's derived status moved.
type OrderTransition struct{ From, To string }

// Changed reports whether the order's status moved.
func (t OrderTransition) Changed() bool { return t.From != t.To }

// SetSupplierOrderStatus moves a locked supplier order and re-derives its
// order's status with derive, all in tx.
func (s *Store) SetSupplierOrderStatus(ctx context.Context, tx Tx, so *LockedSupplierOrder, status string, derive func([]string) string) (OrderTransition, error) {
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, qSetSOStatus, so.ID, status, now); err != nil {
		return OrderTransition{}, fmt.Errorf("set status: %w", err)
	}
	return s.rederiveOrder(ctx, tx, so.OrderID, derive)
}

// rederiveOrder sets an order's status from its supplier orders' statuses.
// The order row is locked first: two supplier orders of one order changing
// in concurrent transactions would otherwise each read the other's old
// status (write skew) and leave the order's status behind. With the lock
// the second reads after the first has committed.
func (s *Store) rederiveOrder(ctx context.Context, tx Tx, orderID int64, derive func([]string) string) (OrderTransition, error) {
	var from string
	q := `SELECT status FROM orders WHERE id = $1`
	if s.d.Kind() == KindPostgres {
		q += ` FOR UPDATE`
	}
	if err := tx.QueryRow(ctx, q, orderID).Scan(&from); err != nil {
		return OrderTransition{}, fmt.Errorf("lock order: %w", err)
	}
	return s.deriveLockedOrder(ctx, tx, orderID, from, derive)
}

// deriveLockedOrder is rederiveOrder once the order row is locked and its
// status (from) read. The siblings are read in a statement of their own,
// after the lock: on PostgreSQL a statement's snapshot is taken when it
// starts, so a read in the statement that waited for the lock would miss
// what the lock's previous holder committed.
func (s *Store) deriveLockedOrder(ctx context.Context, tx Tx, orderID int64, from string, derive func([]string) string) (OrderTransition, error) {
	t := OrderTransition{From: from}
	rows, err := tx.Query(ctx, qSiblingStatus, orderID)
	if err != nil {
		return t, fmt.Errorf("sibling statuses: %w", err)
	}
	var statuses []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			rows.Close()
			return t, err
		}
		statuses = append(statuses, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sibling statuses: %w", err)
	}
	t.To = derive(statuses)
	if _, err := tx.Exec(ctx, qSetOrderState, orderID, t.To, time.Now().UTC()); err != nil {
		return t, fmt.Errorf("set order status: %w", err)
	}
	return t, nil
}

// AddShipment records a package of a supplier order.
func (s *Store) AddShipment(ctx context.Context, tx Tx, supplierOrderID, eventID int64, sh Shipment) error {
	lines := string(sh.Lines)
	if lines == "" {
		lines = "[]"
	}
	_, err := tx.Exec(ctx, qInsertShip, supplierOrderID, eventID, sh.Carrier, sh.TrackingNumber, sh.TrackingURL, lines, sh.ShippedAt)
	if err != nil {
		return fmt.Errorf("add shipment: %w", err)
	}
	return nil
}

// History returns a supplier order's events, oldest first.
func (s *Store) History(ctx context.Context, supplierOrderID int64) ([]StatusEvent, error) {
	rows, err := s.d.Query(ctx, qEventsOf, supplierOrderID)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []StatusEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// Shipments returns a supplier order's packages, oldest first.
func (s *Store) Shipments(ctx context.Context, supplierOrderID int64) ([]Shipment, error) {
	rows, err := s.d.Query(ctx, qShipmentsOf, supplierOrderID)
	if err != nil {
		return nil, fmt.Errorf("shipments: %w", err)
	}
	defer rows.Close()
	var out []Shipment
	for rows.Next() {
		var sh Shipment
		var lines []byte
		if err := rows.Scan(&sh.Carrier, &sh.TrackingNumber, &sh.TrackingURL, jsonCol{&lines}, timeCol{&sh.ShippedAt}); err != nil {
			return nil, err
		}
		sh.Lines = lines
		out = append(out, sh)
	}
	return out, rows.Err()
}

func scanEvent(row Row) (*StatusEvent, error) {
	var e StatusEvent
	var data []byte
	err := row.Scan(&e.ID, &e.SupplierOrderID, &e.Kind, &e.From, &e.To, &e.Actor, &e.Channel, &e.Note, jsonCol{&data},
		&e.IdempotencyKey, timeCol{&e.OccurredAt}, timeCol{&e.CreatedAt})
	if err != nil {
		return nil, err
	}
	if len(data) > 2 {
		e.Data = data
	}
	return &e, nil
}

const (
	qRetailerOfSO = `SELECT o.retailer_id FROM supplier_orders so JOIN orders o ON o.id = so.order_id WHERE so.supplier_id = $1 AND so.number = $2`
	qRetailerOfO  = `SELECT retailer_id FROM orders WHERE id = $1`
	qEventByID    = `SELECT id, supplier_order_id, kind, from_status, to_status, actor, channel, note, data, COALESCE(idempotency_key, ''), occurred_at, created_at
FROM supplier_order_events WHERE id = $1`
)

// RetailerOfSupplierOrder returns the retailer (with channels) whose
// order holds a supplier's supplier order.
func (s *Store) RetailerOfSupplierOrder(ctx context.Context, supplierID int64, number string) (*domain.Retailer, error) {
	var id int64
	if err := s.d.QueryRow(ctx, qRetailerOfSO, supplierID, number).Scan(&id); err != nil {
		return nil, err
	}
	return s.RetailerByID(ctx, id)
}

// RetailerOfOrder returns the retailer (with channels) of an order.
func (s *Store) RetailerOfOrder(ctx context.Context, orderID int64) (*domain.Retailer, error) {
	var id int64
	if err := s.d.QueryRow(ctx, qRetailerOfO, orderID).Scan(&id); err != nil {
		return nil, err
	}
	return s.RetailerByID(ctx, id)
}

// EventByID loads one history event.
func (s *Store) EventByID(ctx context.Context, id int64) (*StatusEvent, error) {
	return scanEvent(s.d.QueryRow(ctx, qEventByID, id))
}

const (
	// qMarkNewDispatched is qMarkDispatched returning the order id.
	qMarkNewDispatched = `UPDATE supplier_orders SET status = $2, version = version + 1, updated_at = $3
WHERE id = $1 AND status = $4 RETURNING order_id`
)

// RecordDispatched moves a supplier order from new to dispatched after its
// first successful delivery, with a history event and the order's derived
// status, in tx. It does nothing when the order has moved on already (a
// supplier may acknowledge before any push channel delivered). RecordTx
// does the same on PostgreSQL in fewer statements; on SQLite both use
// dispatchedSQLite.
func (s *Store) RecordDispatched(ctx context.Context, tx Tx, soID int64, channel string, derive func([]string) string) error {
	now := time.Now().UTC()
	if s.d.Kind() != KindPostgres {
		_, err := s.dispatchedSQLite(ctx, tx, soID, true, false, &domain.Delivery{SupplierOrderID: soID, Channel: channel}, derive, now)
		return err
	}
	var orderID int64
	err := tx.QueryRow(ctx, qMarkNewDispatched, soID, domain.StatusDispatched, now, domain.StatusNew).Scan(&orderID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record dispatched: %w", err)
	}
	ev := &StatusEvent{SupplierOrderID: soID, Kind: EventStatus, From: domain.StatusNew, To: domain.StatusDispatched,
		Actor: "supplyhub", Channel: channel, OccurredAt: now}
	if err := s.AppendEvent(ctx, tx, ev); err != nil {
		return err
	}
	_, err = s.rederiveOrder(ctx, tx, orderID, derive)
	return err
}

package store

import (
	"context"
	"fmt"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// qDeliveryForDispatch reads a delivery, its snapshot and its endpoint's
// health in one statement: a dispatch attempt needs all three, and on
// SQLite each separate query costs a statement step and a round trip.
const qDeliveryForDispatch = `SELECT d.id, d.supplier_order_id, d.supplier_id, d.channel, d.kind, d.event, d.status, d.attempts, d.last_error,
d.created_at, d.updated_at, d.delivered_at, d.wake_gen,
(SELECT number FROM supplier_orders WHERE supplier_orders.id = d.supplier_order_id),
(SELECT code FROM suppliers WHERE suppliers.id = d.supplier_id),
d.snapshot, e.supplier_id, e.failing_since, e.disabled_at, e.disabled_reason
FROM deliveries d LEFT JOIN endpoints e ON e.supplier_id = d.supplier_id AND e.channel = d.channel
WHERE d.id = $1`

// DeliveryForDispatch returns the delivery (as DeliveryByID), its stored
// snapshot (nil before migration 0015) and the endpoint state (as
// EndpointState for its supplier and channel), read in one query.
// ErrNotFound when the delivery does not exist.
func (s *Store) DeliveryForDispatch(ctx context.Context, id int64) (*domain.Delivery, []byte, *Endpoint, error) {
	var (
		d        domain.Delivery
		snap     *string
		epSup    *int64
		ep       Endpoint
		epReason *string
	)
	err := s.d.QueryRow(ctx, qDeliveryForDispatch, id).Scan(&d.ID, &d.SupplierOrderID, &d.SupplierID, &d.Channel, &d.Kind,
		&d.Event, &d.Status, &d.Attempts, &d.LastError, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, nullTimeCol{&d.DeliveredAt},
		&d.WakeGen, &d.SupplierOrderNumber, &d.SupplierCode,
		&snap, &epSup, nullTimeCol{&ep.FailingSince}, nullTimeCol{&ep.DisabledAt}, &epReason)
	if err == ErrNotFound {
		return nil, nil, nil, err
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("delivery %d for dispatch: %w", id, err)
	}
	// As EndpointState: a healthy zero value (no supplier code) when the
	// endpoint has no row.
	ep.SupplierID, ep.Channel = d.SupplierID, d.Channel
	if epSup != nil {
		ep.Supplier = d.SupplierCode
		if epReason != nil {
			ep.DisabledReason = *epReason
		}
	}
	var body []byte
	if snap != nil {
		body = []byte(*snap)
	}
	return &d, body, &ep, nil
}

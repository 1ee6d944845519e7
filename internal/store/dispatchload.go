package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// qDeliveryForDispatch reads everything a dispatch attempt needs in one
// statement, for each delivery of an IN list (see idList): the delivery with its snapshot, its endpoint's health, its
// supplier with the delivery's channel, and the order its supplier order
// belongs to. On SQLite each separate query costs a statement step and a
// round trip; the attempt used to make seven.
const qDeliveryForDispatch = `SELECT d.id, d.supplier_order_id, d.supplier_id, d.channel, d.kind, d.event, d.status, d.attempts, d.last_error,
d.created_at, d.updated_at, d.delivered_at, d.wake_gen, so.number, sup.code,
d.snapshot, e.supplier_id, e.failing_since, e.disabled_at, e.disabled_reason,
so.order_id, sup.name, sup.email, sup.commission_bp, sup.created_at, sup.catalog_mode, sup.catalog_price_mismatch, sup.catalog_feed,
c.name, c.type, c.settings
FROM deliveries d
JOIN supplier_orders so ON so.id = d.supplier_order_id
JOIN suppliers sup ON sup.id = d.supplier_id
LEFT JOIN endpoints e ON e.supplier_id = d.supplier_id AND e.channel = d.channel
LEFT JOIN supplier_channels c ON c.supplier_id = d.supplier_id AND c.name = d.channel
WHERE d.id IN (%s)`

// dispatchPad lengthens ids on PostgreSQL to the next power of two by
// repeating the last (the IN list matches each delivery once). A batch
// holds 1 to 16 deliveries and each list length is a statement text of
// its own, which each pooled connection plans afresh for its first
// executions (~300 µs for this five-table join): in a burst of 5,000
// orders 478 of 1,379 loads were planned, 62 µs of backend CPU per
// order. Five lengths instead of sixteen. One array parameter (= ANY)
// would make one text, but its generic plan, made while the tables are
// still nearly empty and kept until they are analyzed, scanned them
// whole: 6× the executor time in the same burst.
func dispatchPad(kind string, ids []int64) []int64 {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	if kind != KindPostgres || n == len(ids) {
		return ids
	}
	out := make([]int64, n)
	copy(out, ids)
	for i := len(ids); i < n; i++ {
		out[i] = ids[len(ids)-1]
	}
	return out
}

// Dispatch is what one dispatch attempt reads (see DeliveryForDispatch).
type Dispatch struct {
	// Delivery is as DeliveryByID returns it.
	Delivery *domain.Delivery
	// Snapshot is the supplier order as the delivery's event saw it (nil
	// for a delivery made before migration 0015).
	Snapshot []byte
	// Endpoint is as EndpointState returns it for the delivery's supplier
	// and channel.
	Endpoint *Endpoint
	// Supplier is as SupplierByID returns it, except that Channels holds
	// only the delivery's own channel (none when the supplier no longer
	// has it, or for a channel to the retailer).
	Supplier *domain.Supplier
	// OrderID is the order the delivery's supplier order belongs to.
	OrderID int64
}

// DeliveryForDispatch reads a delivery and what its attempt needs in one
// query. ErrNotFound when the delivery does not exist.
func (s *Store) DeliveryForDispatch(ctx context.Context, id int64) (*Dispatch, error) {
	out, err := s.DeliveriesForDispatch(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return out[0], nil
}

// DeliveriesForDispatch is DeliveryForDispatch for several deliveries in
// one query (a batch of first attempts, see pipeline.DispatchBatchArgs),
// in the order of ids; a delivery that does not exist is left out.
func (s *Store) DeliveriesForDispatch(ctx context.Context, ids []int64) ([]*Dispatch, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, args := s.idList(dispatchPad(s.Kind(), ids))
	rows, err := s.d.Query(ctx, fmt.Sprintf(qDeliveryForDispatch, list), args...)
	if err != nil {
		return nil, fmt.Errorf("deliveries %v for dispatch: %w", ids, err)
	}
	defer rows.Close()
	byID := make(map[int64]*Dispatch, len(ids))
	for rows.Next() {
		out, err := scanDispatch(rows)
		if err != nil {
			return nil, err
		}
		byID[out.Delivery.ID] = out
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliveries %v for dispatch: %w", ids, err)
	}
	out := make([]*Dispatch, 0, len(byID))
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			out = append(out, d)
			delete(byID, id) // an id listed twice is loaded once
		}
	}
	return out, nil
}

// scanDispatch reads one row of qDeliveryForDispatch.
func scanDispatch(row interface{ Scan(...any) error }) (*Dispatch, error) {
	var (
		d        domain.Delivery
		sup      domain.Supplier
		snap     *string
		epSup    *int64
		ep       Endpoint
		epReason *string
		out      Dispatch
		chName   *string
		chType   *string
		chSet    []byte
		feed     []byte
	)
	err := row.Scan(&d.ID, &d.SupplierOrderID, &d.SupplierID, &d.Channel, &d.Kind,
		&d.Event, &d.Status, &d.Attempts, &d.LastError, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, nullTimeCol{&d.DeliveredAt},
		&d.WakeGen, &d.SupplierOrderNumber, &d.SupplierCode,
		&snap, &epSup, nullTimeCol{&ep.FailingSince}, nullTimeCol{&ep.DisabledAt}, &epReason,
		&out.OrderID, &sup.Name, &sup.Email, &sup.CommissionBP, timeCol{&sup.CreatedAt},
		&sup.Catalog.Mode, &sup.Catalog.PriceMismatch, jsonCol{&feed}, &chName, &chType, jsonCol{&chSet})
	if err != nil {
		return nil, fmt.Errorf("delivery for dispatch: %w", err)
	}
	id := d.ID
	// As EndpointState: a healthy zero value (no supplier code) when the
	// endpoint has no row.
	ep.SupplierID, ep.Channel = d.SupplierID, d.Channel
	if epSup != nil {
		ep.Supplier = d.SupplierCode
		if epReason != nil {
			ep.DisabledReason = *epReason
		}
	}
	if snap != nil {
		out.Snapshot = []byte(*snap)
	}
	sup.ID, sup.Code = d.SupplierID, d.SupplierCode
	if len(feed) > 0 {
		// As scanSupplier: the supplier is whole, catalog settings included.
		if err := json.Unmarshal(feed, &sup.Catalog.Feed); err != nil {
			return nil, fmt.Errorf("delivery %d for dispatch: supplier %s catalog feed: %w", id, sup.Code, err)
		}
	}
	if chName != nil {
		// As SupplierByID reads channels.
		if !json.Valid(chSet) {
			return nil, fmt.Errorf("delivery %d for dispatch: channel %s: settings are not JSON", id, *chName)
		}
		sup.Channels = []domain.Channel{{Name: *chName, Type: *chType, Settings: chSet}}
	}
	out.Delivery, out.Endpoint, out.Supplier = &d, &ep, &sup
	return &out, nil
}

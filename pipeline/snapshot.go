package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// A delivery's content is fixed when its event happens: the supplier order
// as it was then is stored with the delivery (deliveries.snapshot), in the
// transaction that creates it, and every attempt and replay renders from
// that snapshot. So one identity (webhook-id, file name, Message-ID)
// always carries the same bytes, however the order moves on afterwards.

// encodeSnapshot is the snapshot of so: times cut to the microsecond in
// UTC, as the database keeps them, and without RetrievedAt, which is no
// part of an event.
func encodeSnapshot(so *domain.SupplierOrder) ([]byte, error) {
	snap := *so
	snap.RetrievedAt = nil
	snap.CreatedAt = dbTime(so.CreatedAt)
	snap.UpdatedAt = dbTime(so.UpdatedAt)
	snap.Order.PlacedAt = dbTime(so.Order.PlacedAt)
	b, err := json.Marshal(&snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", so.Number, err)
	}
	return b, nil
}

func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// createdSnapshot is the snapshot of an order.created event: the supplier
// order as created (status new, version 1).
func createdSnapshot(so *domain.SupplierOrder) ([]byte, error) {
	snap := *so
	snap.Status, snap.Version, snap.UpdatedAt = domain.StatusNew, 1, so.CreatedAt
	return encodeSnapshot(&snap)
}

// snapshotIn reads supplier order id inside tx (with the transaction's own
// changes) and encodes it.
func snapshotIn(ctx context.Context, st *store.Store, tx store.Tx, id int64) ([]byte, error) {
	so, err := st.SupplierOrderIn(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("snapshot of supplier order %d: %w", id, err)
	}
	return encodeSnapshot(so)
}

// renderedOrder is the supplier order a delivery renders: its snapshot,
// or for a delivery created before snapshots existed (snap is nil) the
// live row, as eventSnapshot shapes it (then a retry after a change can
// differ from the first attempt).
func renderedOrder(del *domain.Delivery, live *domain.SupplierOrder, snap []byte) (*domain.SupplierOrder, error) {
	if len(snap) == 0 {
		return eventSnapshot(del, live), nil
	}
	var so domain.SupplierOrder
	if err := json.Unmarshal(snap, &so); err != nil {
		return nil, fmt.Errorf("delivery %d: decode snapshot: %w", del.ID, err)
	}
	// The ids are not part of the JSON.
	so.ID, so.OrderID, so.SupplierID = live.ID, live.OrderID, live.SupplierID
	return &so, nil
}

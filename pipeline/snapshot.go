package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

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
// differ from the first attempt). A snapshot that does not decode is a
// *SnapshotError.
func renderedOrder(del *domain.Delivery, live *domain.SupplierOrder, snap []byte) (*domain.SupplierOrder, error) {
	if len(snap) == 0 {
		return eventSnapshot(del, live), nil
	}
	var so domain.SupplierOrder
	if err := json.Unmarshal(snap, &so); err != nil {
		return nil, &SnapshotError{DeliveryID: del.ID, Err: err}
	}
	// The ids are not part of the JSON.
	if live != nil {
		so.ID, so.OrderID, so.SupplierID = live.ID, live.OrderID, live.SupplierID
	}
	return &so, nil
}

// SnapshotError is a delivery's snapshot that does not decode. The
// delivery cannot be rendered faithfully, so it is dead-lettered, not
// guessed; its endpoint never saw it, so the failure does not count
// against the endpoint either.
type SnapshotError struct {
	DeliveryID int64
	Err        error
}

func (e *SnapshotError) Error() string {
	return fmt.Sprintf("delivery %d: decode snapshot: %v", e.DeliveryID, e.Err)
}

func (e *SnapshotError) Unwrap() error { return e.Err }

// SnapshotChannel is a Channel whose message carries the delivery's
// snapshot as it is stored (a webhook's data is exactly the supplier
// order's JSON). Decoding the snapshot for such a channel only to have it
// encode the struct again was 3-8 % of the daemon's CPU (decoding) and
// 4-6 % more (encoding) in profiles of a burst of webhooks. Given a
// delivery with a snapshot, the dispatcher hands such a
// channel the bytes in DeliveryRequest.Snapshot and leaves SupplierOrder
// nil; the channel calls Order for the struct if it needs fields of it.
type SnapshotChannel interface {
	Channel
	// SendsSnapshot marks the channel; it is never called.
	SendsSnapshot()
}

// render sets what req renders for a delivery with snapshot snap (nil
// before snapshots existed) through connector conn: a SnapshotChannel
// gets the snapshot's bytes when they are a JSON object, every other
// channel (and any other snapshot) the supplier order renderedOrder
// gives, as before. live carries the ids a snapshot leaves out.
func (req *DeliveryRequest) render(conn Channel, live *domain.SupplierOrder, snap []byte) error {
	req.live = live
	if _, raw := conn.(SnapshotChannel); raw && sendableSnapshot(snap) {
		req.Snapshot = snap
		return nil
	}
	so, err := renderedOrder(req.Delivery, live, snap)
	req.SupplierOrder = so
	return err
}

// sendableSnapshot reports whether snap can go out as it is: valid JSON
// in valid UTF-8 (json.Valid alone lets invalid UTF-8 through, which
// decoding would have replaced), one object with nothing around it. That
// is all encodeSnapshot writes, compact and with <, > and & escaped as
// json.Marshal writes the decoded struct again: the bytes sent are the
// same either way. The check scans the bytes once (a fifth of decoding
// them) so that a damaged snapshot is still refused before any attempt,
// never sent malformed. Anything else goes through renderedOrder, which
// renders or refuses it as it always did.
func sendableSnapshot(snap []byte) bool {
	return len(snap) >= 2 && snap[0] == '{' && snap[len(snap)-1] == '}' && utf8.Valid(snap) && json.Valid(snap)
}

// Order is the supplier order the delivery renders: SupplierOrder, or for
// a SnapshotChannel given the snapshot's bytes, the snapshot decoded on
// the first call (the request belongs to one attempt, one goroutine). A
// snapshot that does not decode is a *SnapshotError, which a channel
// returns (wrapped) from Deliver: the dispatcher then dead-letters the
// delivery as it would have before the attempt.
func (req *DeliveryRequest) Order() (*domain.SupplierOrder, error) {
	if req.SupplierOrder == nil && len(req.Snapshot) > 0 {
		so, err := renderedOrder(req.Delivery, req.live, req.Snapshot)
		if err != nil {
			return nil, err
		}
		req.SupplierOrder = so
	}
	return req.SupplierOrder, nil
}

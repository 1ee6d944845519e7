package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// SendNowEvent is the event of an operator's "send now": the order as
// created, under a new delivery of its own ("order.created:now-…"), so the
// original delivery and its history stay as they were. Connectors render
// it like order.created (same file name and bytes).
func SendNowEvent(at time.Time) string {
	return domain.EventOrderCreated + ":now-" + at.UTC().Format("20060102T150405.000000")
}

// SendNow creates a new delivery of supplier order so to the supplier's
// channel ch and queues its job to run at once, even on a scheduled
// channel: an operator asked for it now. It is recorded and retried like
// any other delivery, and carries the order.created snapshot, so it has
// the bytes the original delivery had.
func SendNow(ctx context.Context, st *store.Store, q jobs.Queue, so *domain.SupplierOrder, ch domain.Channel) (*domain.Delivery, error) {
	d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: ch.Name, Kind: ch.Type,
		Event: SendNowEvent(time.Now())}
	err := st.InTx(ctx, func(tx store.Tx) error {
		full, err := st.SupplierOrderIn(ctx, tx, so.ID)
		if err != nil {
			return err
		}
		if d.Snapshot, err = createdSnapshot(full); err != nil {
			return err
		}
		if _, err := st.InsertDelivery(ctx, tx, d); err != nil {
			return err
		}
		return q.InsertTx(ctx, tx, []river.InsertManyParams{dispatchJobFor(d.ID, ch)})
	})
	if err != nil {
		return nil, fmt.Errorf("send %s now to %s: %w", so.Number, ch.Name, err)
	}
	return d, nil
}

package pipeline

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// notifySupplierOf creates, in tx, a delivery of typ (about history event
// ev) on every push channel of the supplier; like order.cancelled, each
// waits for the order's earlier deliveries on that channel.
func notifySupplierOf(ctx context.Context, st *store.Store, tx store.Tx, sup *domain.Supplier, soID int64, snap []byte, typ string, ev *store.StatusEvent) ([]river.InsertManyParams, error) {
	var params []river.InsertManyParams
	for _, ch := range sup.Channels {
		if ch.Type == domain.ChannelAPI {
			continue
		}
		d := &domain.Delivery{SupplierOrderID: soID, SupplierID: sup.ID, Channel: ch.Name, Kind: ch.Type,
			Event: NotificationEvent(typ, ev.ID), Snapshot: snap}
		created, err := st.InsertDelivery(ctx, tx, d)
		if err != nil {
			return nil, fmt.Errorf("notify supplier %s: %w", sup.Code, err)
		}
		if created {
			params = append(params, dispatchJobFor(d.ID, ch))
		}
	}
	return params, nil
}

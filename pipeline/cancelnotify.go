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

// notifyRetailerOf creates, in tx, a delivery of typ (about history event
// ev) on every channel of the retailer. The answer to a request the
// retailer made is always emailed, like a cancellation: to its email
// channel, or its address when it has none.
func notifyRetailerOf(ctx context.Context, st *store.Store, tx store.Tx, r *domain.Retailer, so *store.LockedSupplierOrder, snap []byte, typ string, ev *store.StatusEvent) ([]river.InsertManyParams, error) {
	chans := append([]domain.Channel(nil), r.Channels...)
	if _, ok := RetailerChannel(&domain.Retailer{Channels: r.Channels}, "email"); !ok && r.Email != "" {
		chans = append(chans, retailerEmailChannel)
	}
	var params []river.InsertManyParams
	for _, ch := range chans {
		d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: RetailerChannelPrefix + ch.Name,
			Kind: ch.Type, Event: NotificationEvent(typ, ev.ID), Snapshot: snap}
		created, err := st.InsertDelivery(ctx, tx, d)
		if err != nil {
			return nil, fmt.Errorf("notify retailer %s: %w", r.Code, err)
		}
		if created {
			params = append(params, dispatchJobFor(d.ID, ch))
		}
	}
	return params, nil
}

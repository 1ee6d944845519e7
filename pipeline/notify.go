package pipeline

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Events sent to retailers about their orders.
const (
	EventSupplierOrderStatusChanged = "supplier_order.status_changed"
	EventSupplierOrderShipped       = "supplier_order.shipped"
	EventSupplierOrderCancelled     = "supplier_order.cancelled"
	EventOrderStatusChanged         = "order.status_changed"
	// EventSupplierOrderLinesChanged: a supplier answered lines (accepted,
	// backordered with a date) without cancelling any quantity.
	EventSupplierOrderLinesChanged = "supplier_order.lines_changed"
	// EventSupplierOrderLinesCancelled: lines (or units of them) were
	// rejected, cancelled or cut by a quantity change; always emailed.
	EventSupplierOrderLinesCancelled = "supplier_order.lines_cancelled"
)

// RetailerChannelPrefix marks deliveries owed to the retailer rather than
// the supplier: their channel is "retailer/<channel name>".
const RetailerChannelPrefix = "retailer/"

// retailerEvent names the retailer event for an applied action.
func retailerEvent(action string) string {
	switch action {
	case ActShip:
		return EventSupplierOrderShipped
	case ActCancel:
		return EventSupplierOrderCancelled
	case ActAwaitStock:
		return EventSupplierOrderAwaitingStock
	case ActRelease:
		return EventSupplierOrderStockReleased
	}
	return EventSupplierOrderStatusChanged
}

// NotificationEvent is the delivery event of a retailer notification:
// "<event type>:<history event id>", so every change is its own delivery.
func NotificationEvent(typ string, eventID int64) string {
	return typ + ":" + strconv.FormatInt(eventID, 10)
}

// ParseNotificationEvent splits a retailer delivery's event.
func ParseNotificationEvent(event string) (typ string, eventID int64, ok bool) {
	typ, id, found := strings.Cut(event, ":")
	if !found {
		return event, 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return typ, n, err == nil
}

// retailerEmailChannel is the email channel a retailer gets for its
// cancellation emails when it configured none: those cannot be opted out of.
var retailerEmailChannel = domain.Channel{Name: "email", Type: domain.ChannelEmail, Settings: []byte("{}")}

// RetailerChannel finds a retailer's channel by name, including the
// implicit email channel.
func RetailerChannel(r *domain.Retailer, name string) (domain.Channel, bool) {
	for _, c := range r.Channels {
		if c.Name == name {
			return c, true
		}
	}
	if name == retailerEmailChannel.Name && r.Email != "" {
		return retailerEmailChannel, true
	}
	return domain.Channel{}, false
}

// notifyRetailer creates, in tx, with snap (the supplier order just after
// the change) one delivery per retailer channel owed
// this change: every webhook; email for cancellations and rejections
// always (to the retailer's address even without an email channel), and
// for other changes when the retailer opted in.
//
// When the order's own status moved too, every webhook also gets an
// order.status_changed event.
func notifyRetailer(ctx context.Context, st *store.Store, tx store.Tx, r *domain.Retailer, so *store.LockedSupplierOrder, snap []byte, action string, ev *store.StatusEvent, orderMoved bool) ([]river.InsertManyParams, error) {
	// Held back for stock, or going out after all: the retailer cannot
	// opt out of these either.
	always := action == ActCancel || action == ActReject || action == ActAwaitStock || action == ActRelease
	return notifyRetailerOf(ctx, st, tx, r, so, snap, retailerEvent(action), always, ev, orderMoved)
}

// notifyRetailerOf is notifyRetailer for an event type; always forces the
// email (cancellations and rejections, whole or of lines; stock holds).
func notifyRetailerOf(ctx context.Context, st *store.Store, tx store.Tx, r *domain.Retailer, so *store.LockedSupplierOrder, snap []byte, typ string, always bool, ev *store.StatusEvent, orderMoved bool) ([]river.InsertManyParams, error) {
	chans := append([]domain.Channel(nil), r.Channels...)
	if _, ok := RetailerChannel(&domain.Retailer{Channels: r.Channels}, "email"); !ok && always && r.Email != "" {
		chans = append(chans, retailerEmailChannel)
	}
	var params []river.InsertManyParams
	add := func(ch domain.Channel, event string) error {
		d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: RetailerChannelPrefix + ch.Name,
			Kind: ch.Type, Event: NotificationEvent(event, ev.ID), Snapshot: snap}
		created, err := st.InsertDelivery(ctx, tx, d)
		if err != nil || !created {
			return err
		}
		params = append(params, dispatchJobFor(d.ID, ch))
		return nil
	}
	for _, ch := range chans {
		if ch.Type == domain.ChannelEmail && !always && !r.StatusEmails {
			continue
		}
		if err := add(ch, typ); err != nil {
			return nil, fmt.Errorf("notify retailer %s: %w", r.Code, err)
		}
		if orderMoved && ch.Type == domain.ChannelWebhook {
			if err := add(ch, EventOrderStatusChanged); err != nil {
				return nil, fmt.Errorf("notify retailer %s: %w", r.Code, err)
			}
		}
	}
	return params, nil
}

// notifySupplier creates, in tx, a delivery of typ (order.cancelled,
// order.lines_cancelled) on every push channel of the supplier (webhook,
// email, a file in its drop folder); each waits for the order's earlier
// deliveries on that channel, and each is dispatched at once, even on a
// scheduled drop channel: a cancellation is urgent.
func notifySupplier(ctx context.Context, st *store.Store, tx store.Tx, so *store.LockedSupplierOrder, snap []byte, typ string, ev *store.StatusEvent) ([]river.InsertManyParams, error) {
	sup, err := st.SupplierByID(ctx, so.SupplierID)
	if err != nil {
		return nil, fmt.Errorf("notify supplier: %w", err)
	}
	return notifySupplierOf(ctx, st, tx, sup, so.ID, snap, typ, ev)
}

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// StatusUpdate is one change a supplier (or operator) asks for.
type StatusUpdate struct {
	Action string
	Note   string
	// Shipment describes the package for ActShip.
	Shipment *store.Shipment
	// OccurredAt is when it happened at the supplier (default now). An
	// update older than the order's last change is recorded and ignored.
	OccurredAt time.Time
	// Actor and Channel say who and how: "supplier 31 (key sh_s_abcd…)", "api".
	Actor, Channel string
	// IdempotencyKey makes a retried request return the first answer.
	IdempotencyKey string
	// ByRetailer marks a change the retailer asked for (a cancellation):
	// the supplier is told on its channels instead of the retailer.
	ByRetailer bool
}

// StatusResult is what an update did.
type StatusResult struct {
	Event   *store.StatusEvent
	Applied bool
	// Reason says why an update was not applied (a repeat, stale, backwards).
	Reason string
	// Replayed is true when the idempotency key matched an earlier request.
	Replayed bool
}

// ErrNoteRequired is returned for a cancel or reject without a note.
var ErrNoteRequired = errors.New("a note is required")

// ApplyStatus applies upd to a supplier's supplier order in one
// transaction: the row is locked, the transition checked, the status,
// history, shipment and the order's derived status written together.
// Errors: store.ErrNotFound (no such order for this supplier),
// ErrIllegalTransition (naming the current state), ErrNoteRequired.
// The retailer's notifications (webhook, email) are created in the same
// transaction, so a change is never recorded without them.
func ApplyStatus(ctx context.Context, st *store.Store, q jobs.Queue, supplierID int64, number string, upd StatusUpdate) (*StatusResult, error) {
	if (upd.Action == ActCancel || upd.Action == ActReject || upd.Action == ActNote) && strings.TrimSpace(upd.Note) == "" {
		return nil, fmt.Errorf("%s: %w", upd.Action, ErrNoteRequired)
	}
	if upd.Shipment != nil && upd.Shipment.TrackingURL != "" {
		if u, err := url.Parse(upd.Shipment.TrackingURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("tracking url must be an http(s) URL")
		}
	}
	var res *StatusResult
	prev, err := lockedAnswer(ctx, st, supplierID, number, upd.IdempotencyKey, func(tx store.Tx, so *store.LockedSupplierOrder, retailer *domain.Retailer) error {
		ev := &store.StatusEvent{SupplierOrderID: so.ID, From: so.Status, To: so.Status, Actor: upd.Actor,
			Channel: upd.Channel, Note: upd.Note, IdempotencyKey: upd.IdempotencyKey, OccurredAt: upd.OccurredAt}
		if upd.Shipment != nil {
			ev.Data, _ = json.Marshal(upd.Shipment)
		}
		to, outcome, err := Transition(so.Status, upd.Action)
		if err != nil {
			return err
		}
		res = &StatusResult{Event: ev}
		switch {
		case !upd.OccurredAt.IsZero() && upd.OccurredAt.Before(so.UpdatedAt) && upd.Action != ActNote:
			ev.Kind, res.Reason = store.EventIgnored, fmt.Sprintf("stale: it happened at %s, before the order's last change at %s",
				upd.OccurredAt.UTC().Format(time.RFC3339), so.UpdatedAt.Format(time.RFC3339))
		case outcome == Backwards:
			ev.Kind, res.Reason = store.EventIgnored, fmt.Sprintf("backwards: the order is already %s", so.Status)
		case outcome == Unchanged && upd.Action != ActNote:
			ev.Kind, res.Reason = store.EventIgnored, fmt.Sprintf("unchanged: the order is already %s", so.Status)
		case upd.Action == ActNote:
			ev.Kind, res.Applied = store.EventNote, true
		default:
			ev.Kind, ev.To, res.Applied = store.EventStatus, to, true
			if upd.Action == ActShip {
				ev.Kind = store.EventShipment
			}
		}
		// The lines follow the whole-order action, and the status is
		// derived from them (a package of some lines is partially_shipped).
		var after []domain.Line
		var lineChanges []store.LineChange
		if res.Applied && upd.Action != ActNote {
			if after, err = st.LinesIn(ctx, tx, so.ID); err != nil {
				return err
			}
			if upd.Action == ActShip {
				var pkg []PackageLine
				if upd.Shipment != nil && len(upd.Shipment.Lines) > 0 {
					if err := json.Unmarshal(upd.Shipment.Lines, &pkg); err != nil {
						return &LinesError{Fields: []FieldError{{Field: "lines", Message: "must be a list of {position or sku, quantity}"}}}
					}
				}
				before := append([]domain.Line(nil), after...)
				shipped, err := shipLines(after, pkg)
				if err != nil {
					return err
				}
				for _, p := range shipped {
					for i := range after {
						if after[i].Position == p.Position {
							lineChanges = append(lineChanges, store.LineChange{Position: p.Position, SKU: p.SKU, Action: ActShip,
								From: before[i].Status, To: after[i].Status})
						}
					}
				}
				if upd.Shipment != nil {
					sh := *upd.Shipment
					sh.Lines, _ = json.Marshal(shipped)
					upd.Shipment = &sh
					ev.Data, _ = json.Marshal(upd.Shipment)
				}
			} else {
				lineChanges = wholeOrderLines(after, upd.Action, upd.Note)
			}
			if upd.Action != ActCancel && upd.Action != ActReject { // those are final as asked
				ev.To = DeriveSupplierOrderStatus(ev.To, after)
			}
			if ev.To == ev.From && len(lineChanges) == 0 && upd.Action != ActShip {
				ev.Kind, res.Applied, res.Reason = store.EventIgnored, false, fmt.Sprintf("unchanged: the order is already %s", so.Status)
			}
		}
		if res.Reason != "" {
			ev.Note = strings.TrimSpace(ev.Note + " [ignored: " + res.Reason + "]")
		}
		moved := res.Applied && (ev.To != ev.From || len(lineChanges) > 0)
		// An action that moved only lines (acknowledging a partially
		// cancelled order accepts its open lines) is told as a line change.
		onlyLines := moved && ev.To == ev.From && upd.Action != ActShip
		if onlyLines {
			ev.Data, _ = json.Marshal(map[string]any{"lines": lineChanges})
		}
		var order store.OrderTransition
		if moved {
			// The status first, so the event can record how the order's own
			// status moved with it (for order.status_changed).
			if order, err = st.SetSupplierOrderStatus(ctx, tx, so, ev.To, DeriveOrderStatus); err != nil {
				return err
			}
			if order.Changed() {
				ev.Data = withOrderTransition(ev.Data, order)
			}
		}
		if err := st.AppendEvent(ctx, tx, ev); err != nil {
			return err
		}
		if ev.Kind == store.EventShipment && upd.Shipment != nil {
			sh := *upd.Shipment
			if sh.ShippedAt.IsZero() {
				sh.ShippedAt = ev.OccurredAt
			}
			if err := st.AddShipment(ctx, tx, so.ID, ev.ID, sh); err != nil {
				return err
			}
		}
		if !moved {
			return nil
		}
		if len(lineChanges) > 0 {
			if err := st.SaveLines(ctx, tx, after); err != nil {
				return err
			}
			if err := st.AppendLineChanges(ctx, tx, so.ID, ev.ID, ev.OccurredAt, lineChanges); err != nil {
				return err
			}
		}
		if ev.To == domain.StatusCancelled || ev.To == domain.StatusRejected {
			// Cancelled lines earn no commission: reverse what the order
			// still nets in this month.
			if err := st.ReverseCommission(ctx, tx, so.ID, ev.CreatedAt); err != nil {
				return err
			}
		}
		// What the notifications say is fixed now: the supplier order
		// as this change left it.
		snap, err := snapshotIn(ctx, st, tx, so.ID)
		if err != nil {
			return err
		}
		var params []river.InsertManyParams
		switch {
		case upd.ByRetailer && ev.From == domain.StatusAwaitingStock:
			// Held back for stock: the supplier never received it, so
			// there is nobody to tell.
		case onlyLines:
			params, err = notifyRetailerOf(ctx, st, tx, retailer, so, snap, EventSupplierOrderLinesChanged, false, ev, order.Changed())
		case upd.ByRetailer:
			params, err = notifySupplier(ctx, st, tx, so, snap, domain.EventOrderCancelled, ev)
		default:
			params, err = notifyRetailer(ctx, st, tx, retailer, so, snap, upd.Action, ev, order.Changed())
		}
		if err != nil {
			return err
		}
		if upd.ByRetailer && ev.To == domain.StatusCancelled {
			more, err := returnCancelledStock(ctx, st, tx, so, nil)
			if err != nil {
				return err
			}
			params = append(params, more...)
		}
		if len(params) == 0 {
			return nil
		}
		if q == nil {
			return errors.New("status change: no job queue to notify the retailer")
		}
		return q.InsertTx(ctx, tx, params)
	})
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return prev, nil
	}
	return res, nil
}

// lockedAnswer runs apply, a supplier's answer about supplier order
// number, in a transaction holding that order's lock. The order's retailer
// is read first, outside the transaction: holding a transaction while
// taking a second pooled connection can exhaust the pool. When the answer
// under key was applied already, apply does not run and replay is its
// first result.
func lockedAnswer(ctx context.Context, st *store.Store, supplierID int64, number, key string,
	apply func(tx store.Tx, so *store.LockedSupplierOrder, retailer *domain.Retailer) error) (replay *StatusResult, err error) {
	retailer, err := st.RetailerOfSupplierOrder(ctx, supplierID, number)
	if err != nil {
		return nil, err
	}
	err = st.InTx(ctx, func(tx store.Tx) error {
		so, err := st.LockSupplierOrder(ctx, tx, supplierID, number)
		if err != nil {
			return err
		}
		if replay, err = replayed(ctx, st, tx, so.ID, key); err != nil || replay != nil {
			return err
		}
		return apply(tx, so, retailer)
	})
	return replay, err
}

// replayed returns the first result of an update sent again under the
// same idempotency key (nil when key is empty or new), so a retried
// request, whole-order or per line, changes nothing twice.
func replayed(ctx context.Context, st *store.Store, tx store.Tx, soID int64, key string) (*StatusResult, error) {
	if key == "" {
		return nil, nil
	}
	prev, err := st.EventByIdempotencyKey(ctx, tx, soID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &StatusResult{Event: prev, Applied: prev.Kind != store.EventIgnored, Replayed: true}, nil
}

// withOrderTransition adds "order_from"/"order_to" to an event's data.
func withOrderTransition(data json.RawMessage, t store.OrderTransition) json.RawMessage {
	m := map[string]any{}
	if len(data) > 0 {
		_ = json.Unmarshal(data, &m)
	}
	m["order_from"], m["order_to"] = t.From, t.To
	out, _ := json.Marshal(m)
	return out
}

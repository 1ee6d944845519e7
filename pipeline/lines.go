package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Line answers a supplier (or, for LineCancel, an accepted cancellation
// request) gives for one line of a supplier order: the codes of an EDI 855.
const (
	LineAccept    = "accept"
	LineBackorder = "backorder"
	LineReject    = "reject"
	// LineChangeQuantity ships fewer than ordered: Quantity is the new,
	// lower quantity; the rest of the line is cancelled.
	LineChangeQuantity = "change_quantity"
	// LineCancel cancels a line (or Quantity units of it) at the
	// retailer's request.
	LineCancel = "cancel"
)

// LineAnswer is the answer for one line, named by its position (1-based,
// as in the supplier order's lines).
type LineAnswer struct {
	Position int
	Action   string
	// Quantity: for LineChangeQuantity the new quantity; for LineCancel
	// the units to cancel (0 means the whole rest of the line).
	Quantity int
	// ExpectedDate is when a backordered line is expected to ship.
	ExpectedDate time.Time
	// ReasonCode and Reason explain a rejection, cancellation or change.
	ReasonCode, Reason string
}

// LineUpdate is one set of line answers applied together.
type LineUpdate struct {
	Answers []LineAnswer
	Note    string
	// OccurredAt, Actor, Channel, IdempotencyKey and ByRetailer mean what
	// they mean in StatusUpdate.
	OccurredAt     time.Time
	Actor, Channel string
	IdempotencyKey string
	ByRetailer     bool
}

// ApplyLineAnswers applies upd to a supplier's supplier order in one
// transaction, like ApplyStatus: line states, the derived supplier order
// and order status, the ledger, the history and the retailer's
// notifications are written together. A repeat with the same
// IdempotencyKey returns the first result.
//
// The update is all or nothing: every answer is checked first and a
// *LinesError (errors.Is ErrLineAnswer) lists each refused one with its
// field (lines[i].quantity). A supplier order that is cancelled, rejected
// or delivered takes no answers (ErrIllegalTransition); an unknown number
// is store.ErrNotFound. Answers that change nothing (a repeat) are
// recorded as ignored, Applied false.
//
// Who is told: the retailer, always, of every applied change (webhook
// supplier_order.lines_changed, or supplier_order.lines_cancelled when
// quantity was rejected or cancelled, which is always emailed). ByRetailer
// marks a change the retailer asked for (an accepted cancellation
// request): the retailer is still told of the result, since the request
// was its own; in addition, when the change cancels the whole supplier
// order, its supplier is sent order.cancelled on its push channels, as for
// a retailer's whole-order cancellation, and when it cancels only some
// lines or units, order.lines_cancelled (see supplierLinesEvent).
func ApplyLineAnswers(ctx context.Context, st *store.Store, q jobs.Queue, supplierID int64, number string, upd LineUpdate) (*StatusResult, error) {
	if len(upd.Answers) == 0 {
		return nil, &LinesError{Fields: []FieldError{{Field: "lines", Message: "at least one line answer is required"}}}
	}
	var res *StatusResult
	prev, err := lockedAnswer(ctx, st, supplierID, number, upd.IdempotencyKey, func(tx store.Tx, so *store.LockedSupplierOrder, retailer *domain.Retailer) error {
		switch so.Status {
		case domain.StatusCancelled, domain.StatusRejected, domain.StatusDelivered:
			return fmt.Errorf("%w: cannot answer lines of a supplier order that is %s", ErrIllegalTransition, so.Status)
		}
		before, err := st.LinesIn(ctx, tx, so.ID)
		if err != nil {
			return err
		}
		after := append([]domain.Line(nil), before...)
		changes, err := linePlan(after, upd.Answers)
		if err != nil {
			return err
		}
		ev := &store.StatusEvent{SupplierOrderID: so.ID, Kind: store.EventLines, From: so.Status, To: so.Status, Actor: upd.Actor,
			Channel: upd.Channel, Note: upd.Note, IdempotencyKey: upd.IdempotencyKey, OccurredAt: upd.OccurredAt}
		res = &StatusResult{Event: ev}
		if len(changes) == 0 {
			ev.Kind, res.Reason = store.EventIgnored, "unchanged: the lines already are as answered"
			ev.Note = strings.TrimSpace(ev.Note + " [ignored: " + res.Reason + "]")
			return st.AppendEvent(ctx, tx, ev)
		}
		res.Applied = true
		ev.To = DeriveSupplierOrderStatus(so.Status, after)
		return commitLines(ctx, st, q, tx, retailer, so, ev, before, after, changes, upd.ByRetailer)
	})
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return prev, nil
	}
	return res, nil
}

// supplierLinesEvent is what the supplier is sent about a line event, or ""
// for nothing. Only the retailer's own cuts (an accepted cancellation
// request) are news to the supplier: order.cancelled when they cancel the
// whole supplier order, else order.lines_cancelled, so that a supplier
// that got (or will get) the order with every line does not ship the
// cancelled units. An order still held back for stock never reached the
// supplier: its order.created, when released, already shows the cut.
func supplierLinesEvent(byRetailer, cut bool, ev *store.StatusEvent) string {
	switch {
	case !byRetailer || !cut || ev.From == domain.StatusAwaitingStock || ev.From == domain.StatusCancelled:
		return ""
	case ev.To == domain.StatusCancelled:
		return domain.EventOrderCancelled
	default:
		return domain.EventOrderLinesCancelled
	}
}

// commitLines writes an applied line event: the supplier order's derived
// status (bumping its version even when the status stays), the event with
// its line changes, the lines, the ledger reversals and the notifications.
func commitLines(ctx context.Context, st *store.Store, q jobs.Queue, tx store.Tx, retailer *domain.Retailer, so *store.LockedSupplierOrder,
	ev *store.StatusEvent, before, after []domain.Line, changes []store.LineChange, byRetailer bool) error {
	order, err := st.SetSupplierOrderStatus(ctx, tx, so, ev.To, DeriveOrderStatus)
	if err != nil {
		return err
	}
	data := map[string]any{"lines": changes}
	if order.Changed() {
		data["order_from"], data["order_to"] = order.From, order.To
	}
	ev.Data, _ = json.Marshal(data)
	if err := st.AppendEvent(ctx, tx, ev); err != nil {
		return err
	}
	for i := range changes {
		changes[i].EventID, changes[i].OccurredAt = ev.ID, ev.OccurredAt
	}
	if err := st.SaveLines(ctx, tx, after); err != nil {
		return err
	}
	if err := st.AppendLineChanges(ctx, tx, so.ID, ev.ID, ev.OccurredAt, changes); err != nil {
		return err
	}
	cut := false
	for _, c := range changes {
		cut = cut || c.CancelledQty > 0
	}
	if cut {
		if err := reverseLines(ctx, st, tx, so.ID, ev.ID, before, after, ev.CreatedAt); err != nil {
			return err
		}
	}
	snap, err := snapshotIn(ctx, st, tx, so.ID)
	if err != nil {
		return err
	}
	typ := EventSupplierOrderLinesChanged
	if cut {
		typ = EventSupplierOrderLinesCancelled
	}
	params, err := notifyRetailerOf(ctx, st, tx, retailer, so, snap, typ, cut, ev, order.Changed())
	if err != nil {
		return err
	}
	if supTyp := supplierLinesEvent(byRetailer, cut, ev); supTyp != "" {
		more, err := notifySupplier(ctx, st, tx, so, snap, supTyp, ev)
		if err != nil {
			return err
		}
		params = append(params, more...)
	}
	if byRetailer && cut {
		more, err := returnCancelledStock(ctx, st, tx, so, cancelledUnits(before, after))
		if err != nil {
			return err
		}
		params = append(params, more...)
	}
	if len(params) == 0 {
		return nil
	}
	if q == nil {
		return errors.New("line answers: no job queue to notify the retailer")
	}
	return q.InsertTx(ctx, tx, params)
}

package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ReplayResult says what happened to one delivery asked to be replayed.
type ReplayResult struct {
	DeliveryID int64  `json:"delivery_id"`
	Replayed   bool   `json:"replayed"`
	Reason     string `json:"reason,omitempty"`
}

// Replay sends deliveries again under their original identity (same
// webhook-id, file name, Message-ID): each is set back to pending and gets
// a fresh job, in one transaction. A delivery that is still being retried
// is left to its own schedule rather than sent twice at once.
func Replay(ctx context.Context, st *store.Store, q jobs.Queue, ids []int64) ([]ReplayResult, error) {
	out := make([]ReplayResult, 0, len(ids))
	for _, id := range ids {
		res := ReplayResult{DeliveryID: id}
		del, err := st.DeliveryByID(ctx, id)
		switch {
		case err == store.ErrNotFound:
			res.Reason = "no such delivery"
		case err != nil:
			return out, fmt.Errorf("replay %d: %w", id, err)
		case del.Status == domain.DeliveryPending || del.Status == domain.DeliveryFailed:
			res.Reason = "still being delivered (" + del.Status + "); its next attempt is already scheduled"
		default:
			ch, ok, err := deliveryChannel(ctx, st, del)
			if err != nil {
				return out, fmt.Errorf("replay %d: %w", id, err)
			}
			if !ok {
				res.Reason = "the supplier no longer has channel " + del.Channel
				if name, toRetailer := strings.CutPrefix(del.Channel, RetailerChannelPrefix); toRetailer {
					res.Reason = "the retailer no longer has channel " + name
				}
				break
			}
			err = st.InTx(ctx, func(tx store.Tx) error {
				if err := st.SetDeliveryStatus(ctx, tx, id, domain.DeliveryPending); err != nil {
					return err
				}
				p := dispatchJobFor(id, ch)
				// The job must carry the delivery's wake generation, or it
				// would take itself for a replaced one and stop.
				p.Args = DispatchArgs{DeliveryID: id, WakeGen: del.WakeGen}
				return q.InsertTx(ctx, tx, []river.InsertManyParams{p})
			})
			if err != nil {
				return out, fmt.Errorf("replay %d: %w", id, err)
			}
			res.Replayed = true
		}
		out = append(out, res)
	}
	return out, nil
}

// ReplayEndpoint replays every dead delivery of one supplier channel
// created since the given filter's Since.
func ReplayEndpoint(ctx context.Context, st *store.Store, q jobs.Queue, f store.DeliveryFilter) ([]ReplayResult, error) {
	f.Status, f.Limit = domain.DeliveryDead, 500
	var all []ReplayResult
	for {
		page, err := st.FindDeliveries(ctx, f)
		if err != nil {
			return all, err
		}
		ids := make([]int64, len(page))
		for i, d := range page {
			ids[i] = d.ID
		}
		res, err := Replay(ctx, st, q, ids)
		all = append(all, res...)
		if err != nil || len(page) < f.Limit {
			return all, err
		}
		f.AfterID = page[len(page)-1].ID
	}
}

// deliveryChannel finds the channel a delivery goes to: the supplier's,
// or for a retailer notification ("retailer/<name>") the retailer's.
func deliveryChannel(ctx context.Context, st *store.Store, del *domain.Delivery) (domain.Channel, bool, error) {
	if name, toRetailer := strings.CutPrefix(del.Channel, RetailerChannelPrefix); toRetailer {
		so, err := st.SupplierOrderByID(ctx, del.SupplierOrderID)
		if err != nil {
			return domain.Channel{}, false, err
		}
		r, err := st.RetailerOfOrder(ctx, so.OrderID)
		if err != nil {
			return domain.Channel{}, false, err
		}
		ch, ok := RetailerChannel(r, name)
		return ch, ok, nil
	}
	sup, err := st.SupplierByID(ctx, del.SupplierID)
	if err != nil {
		return domain.Channel{}, false, err
	}
	ch, ok := findChannel(sup, del.Channel)
	return ch, ok, nil
}

package pipeline

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// The batch-wide steps of Ingestor.commitBatch: the look-up of the
// batch's external ids, and its order.created deliveries and jobs.

type orderKey struct {
	retailerID int64
	externalID string
}

// lookup finds the batch's orders that are stored already (replays), one
// statement per retailer, so that only new orders are inserted.
func (in *Ingestor) lookup(ctx context.Context, tx store.Tx, batch []*ingestReq) (map[orderKey]store.OrderID, error) {
	ids := map[int64][]string{}
	var retailers []int64
	for _, r := range batch {
		o := r.order
		if ids[o.RetailerID] == nil {
			retailers = append(retailers, o.RetailerID)
		}
		ids[o.RetailerID] = append(ids[o.RetailerID], o.Header.ExternalID)
	}
	found := map[orderKey]store.OrderID{}
	for _, rid := range retailers {
		refs, err := in.st.OrderRefs(ctx, tx, rid, ids[rid])
		if err != nil {
			return nil, err
		}
		for ext, ref := range refs {
			found[orderKey{rid, ext}] = ref
		}
	}
	return found, nil
}

// createdJobs collects a batch's jobs in order: jobs made already, and
// order.created deliveries still to insert (with InsertDeliveries), whose
// jobs follow once they have ids.
type createdJobs struct {
	slots []jobSlot
	dels  []*domain.Delivery
	// batched: the deliveries due at once share DispatchBatchArgs jobs
	// instead of a DispatchArgs job each (an ingest commit's; a supplier
	// order released from waiting for stock keeps its own jobs).
	batched bool
}

// jobSlot is a job made already (del < 0) or the job of dels[del] on ch.
type jobSlot struct {
	p   river.InsertManyParams
	del int
	ch  domain.Channel
}

func (c *createdJobs) add(ps ...river.InsertManyParams) {
	for _, p := range ps {
		c.slots = append(c.slots, jobSlot{p: p, del: -1})
	}
}

// addCreated queues what createdDeliveries stores for so, with the same
// snapshot: one order.created delivery per push channel of sup.
func (c *createdJobs) addCreated(so *domain.SupplierOrder, sup *domain.Supplier, push func(string) bool) error {
	var snap []byte
	for _, ch := range sup.Channels {
		if push != nil && !push(ch.Type) {
			continue
		}
		if snap == nil {
			var err error
			if snap, err = createdSnapshot(so); err != nil {
				return err
			}
		}
		c.slots = append(c.slots, jobSlot{del: len(c.dels), ch: ch})
		c.dels = append(c.dels, &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: ch.Name,
			Kind: ch.Type, Event: domain.EventOrderCreated, Snapshot: snap})
	}
	return nil
}

// insert stores the queued deliveries and returns every job in order; a
// delivery that existed already gets no job (its job was created with
// it). When batched, the deliveries due at once follow in
// batch jobs of at most DispatchBatchMax; one on a scheduled channel keeps
// its own job, which waits for the channel's next run.
func (c *createdJobs) insert(ctx context.Context, st *store.Store, tx store.Tx) ([]river.InsertManyParams, error) {
	var created []bool
	if len(c.dels) > 0 {
		var err error
		if created, err = st.InsertDeliveries(ctx, tx, c.dels); err != nil {
			return nil, err
		}
	}
	params := make([]river.InsertManyParams, 0, len(c.slots))
	var batch []int64
	for _, s := range c.slots {
		switch {
		case s.del < 0:
			params = append(params, s.p)
		case created[s.del]:
			p := deliveryJob(c.dels[s.del].ID, s.ch)
			if !c.batched || !p.InsertOpts.ScheduledAt.IsZero() {
				params = append(params, p)
				continue
			}
			batch = append(batch, c.dels[s.del].ID)
			if len(batch) == DispatchBatchMax {
				params, batch = append(params, DispatchBatchJob(batch)), nil
			}
		}
	}
	if len(batch) > 0 {
		params = append(params, DispatchBatchJob(batch))
	}
	return params, nil
}

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ErrConflict means the retailer already sent a different order with the
// same external id.
var ErrConflict = errors.New("an order with this external_id exists with different content")

// ErrStopped means the ingestor is shutting down.
var ErrStopped = errors.New("ingest is shutting down")

// IngestResult is the stored order and whether this request created it.
type IngestResult struct {
	Order   *domain.Order
	Created bool
}

// IngestConfig tunes the ingestor.
type IngestConfig struct {
	// BatchSize caps the orders that share one commit.
	BatchSize int
	// Writers is how many batches may commit at once (1 on SQLite, which
	// has a single writer anyway).
	Writers int
	// SupplierOrderNumber builds "22-31" from "22" and "31".
	SupplierOrderNumber func(order, supplier string) string
	// PushChannels reports whether a channel type is pushed by a job; pull
	// channels (the supplier API) get no delivery.
	PushChannels func(typ string) bool
}

// Ingestor stores orders. Concurrent submissions are grouped into one
// transaction per batch: an fsync per commit caps SQLite at ~1.2k commits/s
// while a batch of 64 costs about the same (field notes), and every
// order's deliveries and jobs ride in the same commit, so an order that was
// answered 2xx always has its jobs.
type Ingestor struct {
	st      *store.Store
	q       jobs.Queue
	dir     *Directory
	m       *metrics.Metrics
	log     *slog.Logger
	cfg     IngestConfig
	pending chan *ingestReq
	done    chan struct{}
}

type ingestReq struct {
	order *domain.Order
	// suppliers is the directory as the order was validated against it:
	// the batch transaction must not take a second connection to look
	// suppliers up, or writers holding every pooled connection deadlock.
	suppliers map[string]*domain.Supplier
	// retailer is told, in the batch, when a supplier order waits for stock.
	retailer *domain.Retailer
	reply    chan ingestReply
}

type ingestReply struct {
	res *IngestResult
	err error
}

// NewIngestor builds an ingestor; call Run to start its writers.
func NewIngestor(st *store.Store, q jobs.Queue, dir *Directory, m *metrics.Metrics, log *slog.Logger, cfg IngestConfig) *Ingestor {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 1
	}
	return &Ingestor{st: st, q: q, dir: dir, m: m, log: log, cfg: cfg,
		pending: make(chan *ingestReq, cfg.BatchSize*cfg.Writers), done: make(chan struct{})}
}

// Run commits batches until ctx ends, then fails what is still queued.
func (in *Ingestor) Run(ctx context.Context) {
	finished := make(chan struct{})
	for w := 0; w < in.cfg.Writers; w++ {
		go func() {
			defer func() { finished <- struct{}{} }()
			in.writer(ctx)
		}()
	}
	for w := 0; w < in.cfg.Writers; w++ {
		<-finished
	}
	close(in.done)
	for {
		select {
		case r := <-in.pending:
			r.reply <- ingestReply{err: ErrStopped}
		default:
			return
		}
	}
}

func (in *Ingestor) writer(ctx context.Context) {
	batch := make([]*ingestReq, 0, in.cfg.BatchSize)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-in.pending:
			batch = append(batch[:0], r)
		}
	fill:
		for len(batch) < in.cfg.BatchSize {
			select {
			case r := <-in.pending:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		// The batch commits even if the server is stopping: its callers
		// are waiting, and a half-taken batch must be answered.
		in.commit(context.WithoutCancel(ctx), batch)
	}
}

// Submit validates req and stores it, or returns the order already stored
// under its external id. Errors: *ValidationError, ErrConflict, ErrStopped.
func (in *Ingestor) Submit(ctx context.Context, retailer *domain.Retailer, req *OrderRequest) (*IngestResult, error) {
	suppliers, err := in.dir.Suppliers(ctx)
	if err != nil {
		return nil, fmt.Errorf("ingest: suppliers: %w", err)
	}
	placedAt, err := req.Validate(func(code string) bool { return suppliers[code] != nil })
	if err != nil {
		in.m.OrdersRejected.WithLabelValues("invalid").Inc()
		return nil, err
	}
	flags, err := CheckCatalog(ctx, in.st, req, suppliers)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			in.m.OrdersRejected.WithLabelValues("invalid").Inc()
		}
		return nil, err
	}
	o := Split(req, placedAt, retailer, suppliers)
	if flags != nil {
		applyFlags(o, flags)
	}
	r := &ingestReq{order: o, suppliers: suppliers, retailer: retailer, reply: make(chan ingestReply, 1)}
	select {
	case in.pending <- r:
	case <-in.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued the order may be committed even if the caller leaves; a
	// retry with the same external id then finds it.
	select {
	case rep := <-r.reply:
		return rep.res, rep.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (in *Ingestor) commit(ctx context.Context, batch []*ingestReq) {
	replies, err := in.commitBatch(ctx, batch)
	if err != nil && len(batch) > 1 {
		// One bad order must not sink the others: retry each alone.
		in.log.Warn("ingest batch failed, committing orders one by one", "orders", len(batch), "error", err)
		for _, r := range batch {
			in.commit(ctx, []*ingestReq{r})
		}
		return
	}
	if err != nil {
		h := batch[0].order.Header
		// The one line about this failure: callers see an *IngestError
		// and do not log it again.
		in.log.Error("ingest order failed", "external_id", h.ExternalID, "retailer", h.Retailer, "error", err)
		batch[0].reply <- ingestReply{err: &IngestError{ExternalID: h.ExternalID, Retailer: h.Retailer, Err: err}}
		return
	}
	in.m.IngestBatchSize.Observe(float64(len(batch)))
	for i, r := range batch {
		r.reply <- replies[i]
	}
}

// IngestError is an order that could not be stored. The ingestor has
// logged it (with the external id, the retailer and the cause), so a
// caller answers it without logging it again.
type IngestError struct {
	ExternalID, Retailer string
	Err                  error
}

func (e *IngestError) Error() string {
	return fmt.Sprintf("ingest order %q of retailer %s: %v", e.ExternalID, e.Retailer, e.Err)
}

// Unwrap returns the cause.
func (e *IngestError) Unwrap() error { return e.Err }

type existingRef struct {
	idx        int
	id         int64
	retailerID int64
	hash       string
}

func (in *Ingestor) commitBatch(ctx context.Context, batch []*ingestReq) ([]ingestReply, error) {
	replies := make([]ingestReply, len(batch))
	var existing []existingRef
	err := in.st.InTx(ctx, func(tx store.Tx) error {
		existing = existing[:0]
		for _, r := range batch {
			o := r.order
			// A batch retried order by order starts from the split again:
			// an attempt that rolled back may have parked a supplier order.
			o.Status = domain.StatusNew
			for j := range o.Suppliers {
				o.Suppliers[j].Status = domain.StatusNew
			}
		}
		found, err := in.lookup(ctx, tx, batch)
		if err != nil {
			return err
		}
		var fresh []*domain.Order
		var freshIdx []int
		for i, r := range batch {
			o := r.order
			if ref, ok := found[orderKey{o.RetailerID, o.Header.ExternalID}]; ok {
				existing = append(existing, existingRef{i, ref.ID, o.RetailerID, ref.RequestHash})
				continue
			}
			fresh, freshIdx = append(fresh, o), append(freshIdx, i)
		}
		// One INSERT ... ON CONFLICT DO NOTHING for the rest: an order it
		// does not insert came earlier in the batch or was committed by
		// another replica meanwhile, and is looked up.
		inserted := make([]bool, len(batch))
		ok, err := in.st.InsertOrders(ctx, tx, fresh, in.cfg.SupplierOrderNumber)
		if err != nil {
			return err
		}
		var accruals []store.Accrual
		for k, o := range fresh {
			i := freshIdx[k]
			if !ok[k] {
				id, hash, err := in.st.OrderRef(ctx, tx, o.RetailerID, o.Header.ExternalID)
				if err != nil {
					return fmt.Errorf("order not inserted: %w", err)
				}
				existing = append(existing, existingRef{i, id, o.RetailerID, hash})
				continue
			}
			inserted[i] = true
			for j := range o.Suppliers {
				accruals = append(accruals, store.Accrual{RetailerID: o.RetailerID, SupplierOrder: &o.Suppliers[j],
					Currency: o.Header.Currency, At: o.CreatedAt})
			}
		}
		if err := in.st.AccrueCommissions(ctx, tx, accruals); err != nil {
			return err
		}
		jobs := createdJobs{batched: true}
		for i, r := range batch {
			if !inserted[i] {
				continue
			}
			if err := in.deliveries(ctx, tx, r.order, r, &jobs); err != nil {
				return err
			}
			replies[i] = ingestReply{res: &IngestResult{Order: r.order, Created: true}}
			logFlags(in.log, r.order)
		}
		params, err := jobs.insert(ctx, in.st, tx)
		if err != nil {
			return err
		}
		return in.q.InsertTx(ctx, tx, params)
	})
	if err != nil {
		return nil, err
	}
	for _, e := range existing {
		if e.hash != batch[e.idx].order.RequestHash {
			in.m.OrdersRejected.WithLabelValues("conflict").Inc()
			replies[e.idx] = ingestReply{err: ErrConflict}
			continue
		}
		o, err := in.st.OrderByID(ctx, nil, e.retailerID, e.id)
		if err != nil {
			replies[e.idx] = ingestReply{err: fmt.Errorf("load existing order: %w", err)}
			continue
		}
		in.m.OrdersReplayed.Inc()
		replies[e.idx] = ingestReply{res: &IngestResult{Order: o}}
	}
	for _, r := range replies {
		if r.res != nil && r.res.Created {
			in.m.OrdersAccepted.Inc()
		}
	}
	return replies, nil
}

// deliveries dispatches each supplier order of a freshly inserted order:
// its units are taken from stock when its supplier's catalog is on, and
// unless it must wait for stock it gets its order.created deliveries.
// Stock is reserved here, order by order; the deliveries join jobs, to be
// inserted for the whole batch at once.
func (in *Ingestor) deliveries(ctx context.Context, tx store.Tx, o *domain.Order, r *ingestReq, jobs *createdJobs) error {
	for i := range o.Suppliers {
		so := &o.Suppliers[i]
		sup := r.suppliers[so.Supplier]
		if sup == nil {
			return fmt.Errorf("%w %s", errUnknownSupplier, so.Supplier)
		}
		if sup.Catalog.Mode != "" && sup.Catalog.Mode != domain.CatalogOff {
			waiting, p, err := reserveOrAwait(ctx, in.st, tx, o, so, r.retailer)
			if err != nil {
				return err
			}
			jobs.add(p...)
			if waiting {
				continue
			}
		}
		if err := jobs.addCreated(so, sup, in.cfg.PushChannels); err != nil {
			return err
		}
	}
	return nil
}

// createdDeliveries creates one order.created delivery per push channel
// of so's supplier, and the job for each: what sends a supplier order to
// its supplier, at ingest or when it is released from waiting for stock.
func createdDeliveries(ctx context.Context, st *store.Store, tx store.Tx, so *domain.SupplierOrder, sup *domain.Supplier, push func(string) bool) ([]river.InsertManyParams, error) {
	var c createdJobs
	if err := c.addCreated(so, sup, push); err != nil {
		return nil, err
	}
	return c.insert(ctx, st, tx)
}

// deliveryJob is the job that delivers delivery id on ch. A scheduled
// channel (a file drop every 15 minutes) waits for its next tick; every
// delivery pending by then runs at that tick.
func deliveryJob(id int64, ch domain.Channel) river.InsertManyParams {
	p := dispatchJobFor(id, ch)
	if at, err := NextRun(ch.Settings, time.Now()); err == nil && time.Until(at) > 0 {
		p.InsertOpts.ScheduledAt = at
	}
	return p
}

// channelRetry is ch's retry schedule, or the default when its setting
// does not parse (config check refuses such settings before they arrive).
func channelRetry(ch domain.Channel) []time.Duration {
	sched, err := RetrySchedule(ch.Settings)
	if err != nil {
		return DefaultRetry()
	}
	return sched
}

// dispatchJobFor is the job that delivers delivery id on ch: a first
// attempt and one more per entry of ch's retry schedule.
func dispatchJobFor(id int64, ch domain.Channel) river.InsertManyParams {
	return DispatchJob(id, len(channelRetry(ch))+1)
}

// DispatchJob is the job that delivers delivery id, allowed maxAttempts.
func DispatchJob(deliveryID int64, maxAttempts int) river.InsertManyParams {
	return river.InsertManyParams{
		Args:       DispatchArgs{DeliveryID: deliveryID},
		InsertOpts: &river.InsertOpts{MaxAttempts: maxAttempts},
	}
}

// SupplierOrderNumberer returns the numbering function for a pattern such
// as "{order}-{supplier}".
func SupplierOrderNumberer(pattern string) func(order, supplier string) string {
	return func(order, supplier string) string {
		return strings.NewReplacer("{order}", order, "{supplier}", supplier).Replace(pattern)
	}
}

package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

// recordBatcher puts the attempt records of concurrent dispatch workers in
// one transaction (a group commit, as the Ingestor does for orders). On
// SQLite every commit is an fsync on the one write connection, and one
// commit per attempt was, after compiling SQL, the largest cost of a
// delivery; on PostgreSQL a BEGIN and a COMMIT were two of a record's
// seven round trips. A worker queues its record and waits for the commit
// that carries it; the first worker to queue commits for itself and
// everyone queued behind it, then hands over to the next waiting one, so
// there is no goroutine to start or stop. A batch that fails (a deadlock
// included) is run again one record per transaction, so each record's
// outcome is the one it would have had alone.
//
// Records go to one of several lanes by key (the order they belong to),
// each committing on its own: PostgreSQL has connections to spare, and
// with a single lane every record waited for one connection's round
// trips. All records of one order share a lane, so two lanes never write
// the same rows (the order, its supplier orders and their deliveries):
// they neither wait for each other's locks nor deadlock.
type recordBatcher struct {
	st    *store.Store
	max   int
	lanes []*recordLane
}

// recordLane is one queue of records and its committing worker.
type recordLane struct {
	mu      sync.Mutex
	pending []*recordReq
	leading bool // a worker is committing; pending ones wait for it
}

type recordReq struct {
	ctx context.Context
	// rec is the attempt record (nil: none): a batch's records are stored
	// together (store.RecordManyTx) before their fns run.
	rec  *store.Record
	fn   func(ctx context.Context, tx store.Tx, next int64) error
	done chan error
}

// errLead tells a waiting worker to commit the next batch.
var errLead = errors.New("lead the next batch")

// newRecordBatcher groups up to size records per transaction, in lanes
// lanes.
func newRecordBatcher(st *store.Store, size, lanes int) *recordBatcher {
	b := &recordBatcher{st: st, max: size}
	for range max(lanes, 1) {
		b.lanes = append(b.lanes, &recordLane{})
	}
	return b
}

// run stores rec (when not nil) and then runs fn, given the delivery
// waiting behind rec's (see store.RecordTx), in a transaction shared with
// other workers' records of key's lane, and returns once that transaction
// has committed (nil) or its own transaction has failed.
func (b *recordBatcher) run(ctx context.Context, key int64, rec *store.Record, fn func(ctx context.Context, tx store.Tx, next int64) error) error {
	l := b.lanes[uint64(key)%uint64(len(b.lanes))]
	r := &recordReq{ctx: ctx, rec: rec, fn: fn, done: make(chan error, 1)}
	l.mu.Lock()
	l.pending = append(l.pending, r)
	lead := !l.leading
	l.leading = true
	l.mu.Unlock()
	if !lead {
		if err := <-r.done; !errors.Is(err, errLead) {
			return err
		}
	}
	// Leading: r is first in the queue (the queue is empty when no one
	// leads, and a hand-over goes to the first waiting), so this batch
	// carries it.
	l.mu.Lock()
	n := min(len(l.pending), b.max)
	batch := append([]*recordReq(nil), l.pending[:n]...)
	l.pending = append(l.pending[:0], l.pending[n:]...)
	l.mu.Unlock()
	b.commit(batch)
	l.mu.Lock()
	if len(l.pending) > 0 {
		l.pending[0].done <- errLead
	} else {
		l.leading = false
	}
	l.mu.Unlock()
	return <-r.done
}

// recordTimeout bounds one commit of records (a batch, or one record).
const recordTimeout = 10 * time.Second

// commit runs batch in one transaction, or each in its own if that fails.
// Each commit gets its own deadline: a record that waited behind earlier
// batches must not fail for the time it spent queued, nor make the whole
// batch fail with it. Each record still runs with its own context's
// values (River completes the job from them).
func (b *recordBatcher) commit(batch []*recordReq) {
	if len(batch) > 1 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), recordTimeout)
		err := b.st.InTx(ctx, func(tx store.Tx) error { return b.apply(ctx, tx, batch) })
		cancel()
		if err == nil {
			for _, r := range batch {
				r.done <- nil
			}
			return
		}
	}
	for _, r := range batch {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), recordTimeout)
		r.done <- b.st.InTx(ctx, func(tx store.Tx) error { return b.apply(ctx, tx, []*recordReq{r}) })
		cancel()
	}
}

// apply stores the records of batch in tx, in one go (on PostgreSQL one
// round trip for all), then runs each one's fn with its waiting delivery.
func (b *recordBatcher) apply(ctx context.Context, tx store.Tx, batch []*recordReq) error {
	var recs []store.Record
	for _, r := range batch {
		if r.rec != nil {
			recs = append(recs, *r.rec)
		}
	}
	next, err := b.st.RecordManyTx(ctx, tx, recs)
	if err != nil {
		return err
	}
	for _, r := range batch {
		var n int64
		if r.rec != nil {
			n, next = next[0], next[1:]
		}
		if err := r.fn(within(r.ctx, ctx), tx, n); err != nil {
			return err
		}
	}
	return nil
}

// within is values' values with deadline's deadline and cancellation.
func within(values, deadline context.Context) context.Context {
	return mergedContext{Context: deadline, values: values}
}

type mergedContext struct {
	context.Context
	values context.Context
}

func (c mergedContext) Value(key any) any { return c.values.Value(key) }

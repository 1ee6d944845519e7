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
// delivery. A worker queues its record and waits for the commit that
// carries it; the first worker to queue commits for itself and everyone
// queued behind it, then hands over to the next waiting one, so there is
// no goroutine to start or stop. A batch that fails is run again one
// record per transaction, so each record's outcome is the one it would
// have had alone.
type recordBatcher struct {
	st  *store.Store
	max int

	mu      sync.Mutex
	pending []*recordReq
	leading bool // a worker is committing; pending ones wait for it
}

type recordReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx store.Tx) error
	done chan error
}

// errLead tells a waiting worker to commit the next batch.
var errLead = errors.New("lead the next batch")

func newRecordBatcher(st *store.Store, max int) *recordBatcher {
	return &recordBatcher{st: st, max: max}
}

// run runs fn in a transaction shared with other workers' records and
// returns once that transaction has committed (nil) or fn's own
// transaction has failed.
func (b *recordBatcher) run(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	r := &recordReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, r)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	if !lead {
		if err := <-r.done; !errors.Is(err, errLead) {
			return err
		}
	}
	// Leading: r is first in the queue (the queue is empty when no one
	// leads, and a hand-over goes to the first waiting), so this batch
	// carries it.
	b.mu.Lock()
	n := min(len(b.pending), b.max)
	batch := append([]*recordReq(nil), b.pending[:n]...)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	b.mu.Unlock()
	b.commit(batch)
	b.mu.Lock()
	if len(b.pending) > 0 {
		b.pending[0].done <- errLead
	} else {
		b.leading = false
	}
	b.mu.Unlock()
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
		err := b.st.InTx(ctx, func(tx store.Tx) error {
			for _, r := range batch {
				if err := r.fn(within(r.ctx, ctx), tx); err != nil {
					return err
				}
			}
			return nil
		})
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
		r.done <- b.st.InTx(ctx, func(tx store.Tx) error { return r.fn(ctx, tx) })
		cancel()
	}
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

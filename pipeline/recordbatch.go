package pipeline

import (
	"cmp"
	"context"
	"errors"
	"slices"
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
// that carries it; a worker finding fewer than lanes batches committing
// commits for itself and the oldest queued records, then hands over to
// the next waiting one, so there is no goroutine to start or stop. A
// batch that fails (a deadlock included) is run again one record per
// transaction, so each record's outcome is the one it would have had
// alone.
type recordBatcher struct {
	st    *store.Store
	max   int
	lanes int // batches committing at once

	mu      sync.Mutex
	pending []*recordReq
	leaders int // workers committing a batch; pending ones wait for them
}

type recordReq struct {
	ctx  context.Context
	key  int64
	fn   func(ctx context.Context, tx store.Tx) error
	done chan error
}

// errLead tells a waiting worker to commit the next batch.
var errLead = errors.New("lead the next batch")

// newRecordBatcher groups up to size records per transaction, with up to
// lanes transactions committing at once.
func newRecordBatcher(st *store.Store, size, lanes int) *recordBatcher {
	return &recordBatcher{st: st, max: size, lanes: max(lanes, 1)}
}

// run runs fn in a transaction shared with other workers' records and
// returns once that transaction has committed (nil) or fn's own
// transaction has failed. A batch runs its records in the order of their
// keys, so that batches committing at once take the rows the keys stand
// for (orders) in the same order and cannot deadlock on them.
func (b *recordBatcher) run(ctx context.Context, key int64, fn func(ctx context.Context, tx store.Tx) error) error {
	r := &recordReq{ctx: ctx, key: key, fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	lead := b.leaders < b.lanes
	if lead {
		b.leaders++
	} else {
		b.pending = append(b.pending, r)
	}
	b.mu.Unlock()
	if !lead {
		// Either another leader's batch carries r, or r is handed the
		// lead (and taken off the queue, so no other batch carries it).
		if err := <-r.done; !errors.Is(err, errLead) {
			return err
		}
	}
	// Leading: r and the oldest waiting records make the batch.
	b.mu.Lock()
	n := min(len(b.pending), b.max-1)
	batch := make([]*recordReq, 0, n+1)
	batch = append(append(batch, r), b.pending[:n]...)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	b.mu.Unlock()
	slices.SortStableFunc(batch, func(x, y *recordReq) int { return cmp.Compare(x.key, y.key) })
	b.commit(batch)
	b.mu.Lock()
	if len(b.pending) > 0 {
		next := b.pending[0]
		b.pending = append(b.pending[:0], b.pending[1:]...)
		next.done <- errLead
	} else {
		b.leaders--
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

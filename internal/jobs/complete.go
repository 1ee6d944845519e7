package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/supplyhub/supplyhub/internal/store"
)

// A worker that records its outcome in a store transaction can complete
// its job in that same transaction (CompleteTx): one write instead of two,
// and no window in which the outcome is committed but the job still runs
// (a crash there made River run the job again). River's completer still
// sees the job when the worker returns; Queue.CompletedInTx tells it the
// job is already finished, so it does not write the row a second time.

// CompleteTx marks the running job completed in the store transaction tx
// (river.JobCompleteTx on the store's driver), so the completion commits
// or rolls back with the caller's own writes. It reports whether the job
// was completed: false when River no longer has it running (rescued by
// another replica, or its row is gone), which leaves the job to River.
// Only a River worker's Work may call it, with Work's context.
func CompleteTx[T river.JobArgs](ctx context.Context, tx store.Tx, job *river.Job[T]) (bool, error) {
	var (
		done *river.Job[T]
		err  error
	)
	switch native := tx.Native().(type) {
	case *sql.Tx:
		if _, err = river.ClientFromContextSafely[*sql.Tx](ctx); err == nil {
			done, err = river.JobCompleteTx[*riversqlite.Driver](ctx, native, job)
		}
	case pgx.Tx:
		if _, err = river.ClientFromContextSafely[pgx.Tx](ctx); err == nil {
			done, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, native, job)
		}
	default:
		err = fmt.Errorf("transaction is %T", tx.Native())
	}
	if errors.Is(err, rivertype.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return done.State == rivertype.JobStateCompleted, nil
}

// maxCompletedInTx bounds the jobs remembered between CompletedInTx and
// River's completer seeing them; past it, a job is simply not remembered
// and the completer writes it again (a no-op on its state).
const maxCompletedInTx = 10000

// completedSet holds the ids of jobs whose completion was committed in a
// store transaction and that River's completer has not seen yet. Losing
// it (a restart) costs nothing but one redundant write per job.
type completedSet struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

func newCompletedSet() *completedSet { return &completedSet{ids: map[int64]struct{}{}} }

func (s *completedSet) add(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) < maxCompletedInTx {
		s.ids[id] = struct{}{}
	}
}

// take removes id and reports whether it was there.
func (s *completedSet) take(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	delete(s.ids, id)
	return ok
}

// skipDriver is River's driver with an executor that leaves out of the
// completer's batches the jobs already completed in a store transaction,
// and, given a hub (SQLite), sends River's notifications through it.
type skipDriver[TTx any] struct {
	riverdriver.Driver[TTx]
	done *completedSet
	hub  *hub
}

func (d *skipDriver[TTx]) GetExecutor() riverdriver.Executor {
	return &skipExecutor{Executor: d.Driver.GetExecutor(), done: d.done, hub: d.hub}
}

// GetListener is the hub's listener when there is one.
func (d *skipDriver[TTx]) GetListener(p *riverdriver.GetListenenerParams) riverdriver.Listener {
	if d.hub != nil {
		return d.hub.listener(p.Schema)
	}
	return d.Driver.GetListener(p)
}

// UnwrapExecutor wraps the transaction's executor so that InsertTx learns
// whether River sent its insert notification (see notifyTx).
func (d *skipDriver[TTx]) UnwrapExecutor(tx TTx) riverdriver.ExecutorTx {
	return &notifyTx{ExecutorTx: d.Driver.UnwrapExecutor(tx), hub: d.hub}
}

// UnwrapTx undoes UnwrapExecutor's wrapping before the driver's own
// (which expects its executor type).
func (d *skipDriver[TTx]) UnwrapTx(execTx riverdriver.ExecutorTx) TTx {
	for {
		n, ok := execTx.(*notifyTx)
		if !ok {
			return d.Driver.UnwrapTx(execTx)
		}
		execTx = n.ExecutorTx
	}
}

// notifiedKey marks a context whose *insertNotice takes River's insert
// notification in the transaction instead of River sending it.
type notifiedKey struct{}

// insertNotice records that River wanted to send its insert notification
// (queue.InsertTx sends it).
type insertNotice struct{ wanted bool }

// notifyTx is a transaction's executor that holds back River's insert
// notification into the *insertNotice under notifiedKey, if the context
// has one, and sends the others through the hub, if there is one.
type notifyTx struct {
	riverdriver.ExecutorTx
	hub *hub
}

func (e *notifyTx) NotifyMany(ctx context.Context, p *riverdriver.NotifyManyParams) error {
	if n, ok := ctx.Value(notifiedKey{}).(*insertNotice); ok && p.Topic == insertTopic {
		n.wanted = true
		return nil
	}
	return notify(ctx, e.hub, e.ExecutorTx, p)
}

// notify sends p through h, or, without a hub, through exec as the
// driver does.
func notify(ctx context.Context, h *hub, exec riverdriver.Executor, p *riverdriver.NotifyManyParams) error {
	if h != nil {
		h.publish(p.Topic, p.Payload)
		return nil
	}
	return exec.NotifyMany(ctx, p)
}

// Begin keeps a savepoint's notifications on the hub too.
func (e *notifyTx) Begin(ctx context.Context) (riverdriver.ExecutorTx, error) {
	return beginNotify(ctx, e.ExecutorTx, e.hub)
}

// beginNotify begins a transaction on exec whose notifications go through
// h (exec's own transaction when h is nil).
func beginNotify(ctx context.Context, exec riverdriver.Executor, h *hub) (riverdriver.ExecutorTx, error) {
	tx, err := exec.Begin(ctx)
	if err != nil || h == nil {
		return tx, err
	}
	return &notifyTx{ExecutorTx: tx, hub: h}, nil
}

type skipExecutor struct {
	riverdriver.Executor
	done *completedSet
	hub  *hub
}

// Begin begins a transaction whose notifications go through the hub, if
// there is one (River's own transactions: its non-transactional inserts,
// the scheduler making jobs available, leadership).
func (e *skipExecutor) Begin(ctx context.Context) (riverdriver.ExecutorTx, error) {
	return beginNotify(ctx, e.Executor, e.hub)
}

func (e *skipExecutor) NotifyMany(ctx context.Context, p *riverdriver.NotifyManyParams) error {
	return notify(ctx, e.hub, e.Executor, p)
}

// JobSetStateIfRunningMany drops the jobs completed in a store
// transaction: their committed completion stands whatever the worker
// returned (as River documents for JobCompleteTx), and on SQLite River
// would otherwise rewrite each such row's metadata, one more write per job.
func (e *skipExecutor) JobSetStateIfRunningMany(ctx context.Context, p *riverdriver.JobSetStateIfRunningManyParams) ([]*rivertype.JobRow, error) {
	keep := p.ID[:0:0]
	var idx []int
	for i, id := range p.ID {
		if !e.done.take(id) {
			keep = append(keep, id)
			idx = append(idx, i)
		}
	}
	if len(keep) == len(p.ID) {
		return e.Executor.JobSetStateIfRunningMany(ctx, p)
	}
	if len(keep) == 0 {
		return nil, nil
	}
	q := &riverdriver.JobSetStateIfRunningManyParams{ID: keep, Now: p.Now, Schema: p.Schema}
	for _, i := range idx {
		q.Attempt = append(q.Attempt, p.Attempt[i])
		q.ErrData = append(q.ErrData, p.ErrData[i])
		q.FinalizedAt = append(q.FinalizedAt, p.FinalizedAt[i])
		q.MetadataDoMerge = append(q.MetadataDoMerge, p.MetadataDoMerge[i])
		q.MetadataUpdates = append(q.MetadataUpdates, p.MetadataUpdates[i])
		q.ScheduledAt = append(q.ScheduledAt, p.ScheduledAt[i])
		q.State = append(q.State, p.State[i])
	}
	return e.Executor.JobSetStateIfRunningMany(ctx, q)
}

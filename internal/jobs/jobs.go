// Package jobs runs Supplyhub's durable jobs on River, over whichever
// database the store uses. Callers see one Queue whatever the driver: jobs
// are inserted in the caller's store transaction, so a job exists if and
// only if the rows it works on were committed.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/supplyhub/supplyhub/internal/store"
)

// Queue inserts and works jobs.
type Queue interface {
	// InsertTx inserts jobs in the store transaction tx.
	InsertTx(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error
	// Insert inserts jobs in their own transaction.
	Insert(ctx context.Context, params []river.InsertManyParams) error
	// Start begins working jobs (a no-op for an insert-only queue).
	Start(ctx context.Context) error
	// Stop stops fetching, waits for running jobs, then returns.
	Stop(ctx context.Context) error
	// Depth counts jobs waiting to run (available, scheduled, retryable).
	Depth(ctx context.Context) (int64, error)
	// CompletedInTx tells the queue that the job's completion was
	// committed with a store transaction (CompleteTx), so River does not
	// write it again when the worker returns.
	CompletedInTx(jobID int64)
}

// Config shapes the River client.
type Config struct {
	// Workers registers the job kinds; nil makes an insert-only queue, as
	// operator commands use while serve works the jobs.
	Workers      *river.Workers
	PeriodicJobs []*river.PeriodicJob
	MaxWorkers   int
	Logger       *slog.Logger
	// ErrorHandler sees job errors and panics.
	ErrorHandler river.ErrorHandler
	// JobTimeout bounds one job run; RescueAfter reruns a job left
	// running by a dead replica (must exceed JobTimeout).
	JobTimeout, RescueAfter time.Duration
	// ID is River's client ID (empty: River makes one).
	ID string
	// FetchPoll is how often a worker looks for jobs no notification told
	// it of (0: the database's default). Tests make it long, so that only
	// a notification wakes a worker in time.
	FetchPoll time.Duration
	// FetchCooldown is the shortest time between two fetches (0:
	// DefaultFetchCooldown).
	FetchCooldown time.Duration
}

// DefaultFetchCooldown is River's fetch cooldown unless configured. A job
// committed within it of the last fetch waits for it to end: at 200
// orders/s (one every 5 ms) River's 10 ms was most of POST → webhook (p50
// 6.5 ms; 1.2–1.5 ms at 3 ms, on both databases). A burst then fetches
// more often, with fewer jobs each: about 6 % more CPU on PostgreSQL, none
// measurable on SQLite (BENCHMARKS.md).
const DefaultFetchCooldown = 3 * time.Millisecond

// New builds a River client for the store's database.
func New(st *store.Store, cfg Config) (Queue, error) {
	rc := &river.Config{
		Logger:               cfg.Logger,
		Workers:              cfg.Workers,
		PeriodicJobs:         cfg.PeriodicJobs,
		ErrorHandler:         cfg.ErrorHandler,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           cfg.JobTimeout,
		ID:                   cfg.ID,
	}
	if cfg.Workers != nil {
		max := cfg.MaxWorkers
		if max <= 0 {
			max = 100
		}
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max}}
		rc.FetchCooldown = cmp.Or(cfg.FetchCooldown, DefaultFetchCooldown)
		rc.FetchPollInterval = cfg.FetchPoll
	}
	switch st.Kind() {
	case store.KindSQLite:
		if cfg.Workers != nil {
			// Notifications go through the hub, at once (hub.go); the
			// poll is the backstop for jobs another process inserted
			// (supplyhub deliveries replay). It was 10 ms when it was
			// the only way a committed job was found.
			rc.FetchPollInterval = cmp.Or(cfg.FetchPoll, sqliteFetchPoll)
		}
		done := newCompletedSet()
		h := newHub()
		c, err := river.NewClient[*sql.Tx](&skipDriver[*sql.Tx]{Driver: riversqlite.New(st.SQLDB()), done: done, hub: h}, rc)
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		return &queue[*sql.Tx]{c: c, st: st, done: done, notifyEach: true, hub: h}, nil
	case store.KindPostgres:
		rc.ReindexerIndexNames = reindexerIndexes()
		done := newCompletedSet()
		c, err := river.NewClient[pgx.Tx](&skipDriver[pgx.Tx]{Driver: riverpgxv5.New(st.PgxPool()), done: done}, rc)
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		return &queue[pgx.Tx]{c: c, st: st, done: done, notifyEach: true}, nil
	}
	return nil, fmt.Errorf("river client: unsupported database %s", st.Kind())
}

// queue holds River's tables in the connection's schema (search_path on
// PostgreSQL), next to the store's own tables.
type queue[TTx any] struct {
	c    *river.Client[TTx]
	st   *store.Store
	done *completedSet
	// notifyEach: every inserting transaction sends River's insert
	// notification (see InsertTx).
	notifyEach bool
	// hub carries the notifications on SQLite (hub.go).
	hub *hub
}

func (q *queue[TTx]) CompletedInTx(jobID int64) { q.done.add(jobID) }

func (q *queue[TTx]) InsertTx(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	native, ok := tx.Native().(TTx)
	if !ok {
		return fmt.Errorf("insert jobs: transaction is %T", tx.Native())
	}
	// River's own insert notification is held back (notifyTx) and sent
	// here: on PostgreSQL with the store's, which goes with the
	// transaction's COMMIT instead of a round trip of its own; on SQLite
	// through the hub.
	var notice insertNotice
	if q.notifyEach {
		ctx = context.WithValue(ctx, notifiedKey{}, &notice)
	}
	if _, err := q.c.InsertManyTx(ctx, native, params); err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	if q.notifyEach && (notice.wanted || anyAvailable(params)) {
		// River notifies at most once per FetchCooldown, and decides
		// when the job is inserted, not when it commits: a transaction
		// inserting just after another one's notification sent none, the
		// fetch that notification woke could run before this commit, and
		// the job then waited for the next poll (a second). So every
		// inserting transaction notifies (the producer's cooldown still
		// bounds fetches).
		if q.hub != nil {
			q.hub.publish(insertTopic, []string{insertPayload})
		} else if err := q.st.NotifyJobsAvailable(ctx, tx); err != nil {
			return fmt.Errorf("insert jobs: %w", err)
		}
	}
	return nil
}

// insertTopic and insertPayload are River's insert notification for the
// default queue, the one queue New configures (the store's, see
// store.NotifyJobsAvailable).
const (
	insertTopic   = store.RiverInsertTopic
	insertPayload = store.RiverInsertPayload
)

// sqliteFetchPoll is how often River's producer looks for jobs on SQLite
// without being told of any (see New).
const sqliteFetchPoll = 100 * time.Millisecond

// anyAvailable reports whether a job in params can run now (is not
// scheduled for later), which is when River notifies of an insert.
func anyAvailable(params []river.InsertManyParams) bool {
	now := time.Now()
	for _, p := range params {
		if p.InsertOpts == nil || !p.InsertOpts.ScheduledAt.After(now) {
			return true
		}
	}
	return false
}

func (q *queue[TTx]) Insert(ctx context.Context, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if _, err := q.c.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	return nil
}

func (q *queue[TTx]) Start(ctx context.Context) error {
	if err := q.c.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

func (q *queue[TTx]) Stop(ctx context.Context) error {
	return q.c.Stop(ctx)
}

func (q *queue[TTx]) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := q.st.DB().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("queue depth: %w", err)
	}
	return n, nil
}

// Migrate applies Supplyhub's migrations and then River's, all under the
// store's one migration lock (see store.MigrateWith).
func Migrate(ctx context.Context, st *store.Store) error {
	_, err := MigrateAll(ctx, st)
	return err
}

// MigrateAll is Migrate, also naming the Supplyhub migrations it applied.
func MigrateAll(ctx context.Context, st *store.Store) (applied []string, err error) {
	return st.MigrateWith(ctx, func(ctx context.Context, inTx func(func(store.Tx) error) error) error {
		// One River version per transaction: on PostgreSQL a later
		// version uses an enum value an earlier one adds, which must be
		// committed first.
		for {
			var n int
			if err := inTx(func(tx store.Tx) error {
				var err error
				n, err = migrateRiverStep(ctx, st, tx)
				return err
			}); err != nil {
				return err
			}
			if n == 0 {
				return inTx(func(tx store.Tx) error { return dropUnusedIndexes(ctx, st, tx) })
			}
		}
	})
}

// unusedIndexes are River's GIN indexes on river_job's args and metadata
// (PostgreSQL only: River's SQLite schema goes without them). They serve
// searching jobs by their JSON (River UI), which nothing here does, yet
// every job's insert and both of its state updates (running, then
// completed) add entries to each: without them River writes 44 % less WAL
// and spends a quarter less time in its statements (BENCHMARKS.md).
var unusedIndexes = []string{"river_job_args_index", "river_job_metadata_index"}

// dropUnusedIndexes drops unusedIndexes after River's migrations; once
// dropped, each later call finds nothing to do.
func dropUnusedIndexes(ctx context.Context, st *store.Store, tx store.Tx) error {
	if st.Kind() != store.KindPostgres {
		return nil
	}
	for _, ix := range unusedIndexes {
		// IF EXISTS: a missing index takes no lock on river_job.
		if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS `+ix); err != nil {
			return fmt.Errorf("drop river index %s: %w", ix, err)
		}
	}
	return nil
}

// reindexerIndexes is River's reindexer list without unusedIndexes (it
// would warn each run about the missing ones).
func reindexerIndexes() []string {
	var keep []string
	for _, ix := range river.ReindexerIndexNamesDefault() {
		if !slices.Contains(unusedIndexes, ix) {
			keep = append(keep, ix)
		}
	}
	return keep
}

// migrateRiverStep applies River's next migration in tx, which holds the
// migration lock (River's own Migrate would take other connections and
// race other replicas in CREATE TABLE). It returns how many it applied.
func migrateRiverStep(ctx context.Context, st *store.Store, tx store.Tx) (int, error) {
	var res *rivermigrate.MigrateResult
	var err error
	opts := &rivermigrate.MigrateOpts{MaxSteps: 1}
	switch native := tx.Native().(type) {
	case *sql.Tx:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(st.SQLDB()), nil); err == nil {
			res, err = m.MigrateTx(ctx, native, rivermigrate.DirectionUp, opts)
		}
	case pgx.Tx:
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(st.PgxPool()), nil); err == nil {
			res, err = m.MigrateTx(ctx, native, rivermigrate.DirectionUp, opts)
		}
	default:
		err = fmt.Errorf("transaction is %T", tx.Native())
	}
	if err != nil {
		return 0, fmt.Errorf("migrate river: %w", err)
	}
	return len(res.Versions), nil
}

// RequeueRunning makes every job marked running available again at once,
// and returns how many there were. Only a process that knows no other one
// works these jobs may call it: serve on SQLite, holding the serve lock,
// before its workers start. River's rescuer would otherwise wait for
// jobs.rescue_after.
func RequeueRunning(ctx context.Context, st *store.Store) (int64, error) {
	n, err := st.DB().Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("requeue running jobs: %w", err)
	}
	return n, nil
}

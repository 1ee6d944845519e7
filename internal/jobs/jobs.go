// Package jobs runs Supplyhub's durable jobs on River, over whichever
// database the store uses. Callers see one Queue whatever the driver: jobs
// are inserted in the caller's store transaction, so a job exists if and
// only if the rows it works on were committed.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
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
}

// New builds a River client for the store's database.
func New(st *store.Store, cfg Config) (Queue, error) {
	rc := &river.Config{
		Logger:               cfg.Logger,
		Workers:              cfg.Workers,
		PeriodicJobs:         cfg.PeriodicJobs,
		ErrorHandler:         cfg.ErrorHandler,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           cfg.JobTimeout,
	}
	if cfg.Workers != nil {
		max := cfg.MaxWorkers
		if max <= 0 {
			max = 100
		}
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max}}
		rc.FetchCooldown = 10 * time.Millisecond
	}
	switch st.Kind() {
	case store.KindSQLite:
		if cfg.Workers != nil {
			// No LISTEN/NOTIFY on SQLite, and River cannot be woken by an
			// insert made inside a transaction: poll often instead.
			rc.FetchPollInterval = 50 * time.Millisecond
		}
		c, err := river.NewClient(riversqlite.New(st.SQLDB()), rc)
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		return &queue[*sql.Tx]{c: c, st: st}, nil
	case store.KindPostgres:
		c, err := river.NewClient(riverpgxv5.New(st.PgxPool()), rc)
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		return &queue[pgx.Tx]{c: c, st: st}, nil
	}
	return nil, fmt.Errorf("river client: unsupported database %s", st.Kind())
}

// queue holds River's tables in the connection's schema (search_path on
// PostgreSQL), next to the store's own tables.
type queue[TTx any] struct {
	c  *river.Client[TTx]
	st *store.Store
}

func (q *queue[TTx]) InsertTx(ctx context.Context, tx store.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	native, ok := tx.Native().(TTx)
	if !ok {
		return fmt.Errorf("insert jobs: transaction is %T", tx.Native())
	}
	if _, err := q.c.InsertManyTx(ctx, native, params); err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	return nil
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

// Migrate applies River's own migrations.
func Migrate(ctx context.Context, st *store.Store) error {
	var err error
	switch st.Kind() {
	case store.KindSQLite:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(st.SQLDB()), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	case store.KindPostgres:
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(st.PgxPool()), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

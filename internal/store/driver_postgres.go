package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

type pgDriver struct {
	pool *pgxpool.Pool
	// trips counts the round trips of transactions (see pipeTx), for
	// tests that hold a path to its budget.
	trips atomic.Int64
}

// openPostgres opens a small pool: max_connections is shared by every
// replica and test process, and 8 connections beat 32 on two cores (field
// notes). pool_max_conns in the URL overrides it.
func openPostgres(ctx context.Context, url string) (*pgDriver, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: parse url: %w", err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if !hasParam(url, "pool_max_conns") {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return &pgDriver{pool: pool}, nil
}

func (d *pgDriver) Kind() string                   { return KindPostgres }
func (d *pgDriver) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }
func (d *pgDriver) Close() error                   { d.pool.Close(); return nil }

// Pool exposes the pool for River's pgx driver.
func (d *pgDriver) Pool() *pgxpool.Pool { return d.pool }

func (d *pgDriver) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.pool.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (d *pgDriver) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (d *pgDriver) QueryRow(ctx context.Context, q string, args ...any) Row {
	return pgRow{d.pool.QueryRow(ctx, q, args...)}
}

func (d *pgDriver) Begin(ctx context.Context) (txDriver, error) {
	return beginPipe(ctx, d.pool, &d.trips)
}

func (d *pgDriver) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

type pgTx struct{ tx pgx.Tx }

func (t *pgTx) Native() any                        { return t.tx }
func (t *pgTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t *pgTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
func (t *pgTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return pgRow{t.tx.QueryRow(ctx, q, args...)}
}
func (t *pgTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}
func (t *pgTx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// TxRoundTrips counts the round trips PostgreSQL transactions have made
// (0 on SQLite), for tests that hold a path to its budget.
func (s *Store) TxRoundTrips() int64 {
	if d, ok := s.d.(*pgDriver); ok {
		return d.trips.Load()
	}
	return 0
}

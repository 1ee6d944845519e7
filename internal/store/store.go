// Package store keeps Supplyhub's records in SQLite (embedded default) or
// PostgreSQL (several replicas). Both run the same named queries through a
// small driver layer; the differences live in driver_*.go and in the
// per-driver migrations.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	d driver
	// full and wrote are the last write that failed on a full disk and
	// the last that committed (Unix nanoseconds), for readiness.
	full, wrote atomic.Int64
	// texts are the statement texts built for this database (textKey ->
	// string): the bulk inserts' come in a few shapes each.
	texts sync.Map
}

// Open connects to url: "sqlite:PATH" or "postgres://…" (also "postgresql://").
func Open(ctx context.Context, url string) (*Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		d, err := openSQLite(sqlitePath(url))
		if err != nil {
			return nil, err
		}
		return &Store{d: d}, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d, err := openPostgres(ctx, url)
		if err != nil {
			return nil, err
		}
		return &Store{d: d}, nil
	default:
		return nil, fmt.Errorf("database url must start with sqlite: or postgres://")
	}
}

// Kind is KindSQLite or KindPostgres.
func (s *Store) Kind() string { return s.d.Kind() }

// Close releases the connections.
func (s *Store) Close() error { return s.d.Close() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.d.Ping(ctx) }

// SQLDB is the SQLite pool (nil on PostgreSQL), for River's SQLite driver.
func (s *Store) SQLDB() *sql.DB {
	if d, ok := s.d.(*sqliteDriver); ok {
		return d.DB()
	}
	return nil
}

// SQLitePath is the SQLite database file ("" on PostgreSQL).
func (s *Store) SQLitePath() string {
	if d, ok := s.d.(*sqliteDriver); ok {
		return d.path
	}
	return ""
}

// PgxPool is the PostgreSQL pool (nil on SQLite), for River's pgx driver.
func (s *Store) PgxPool() *pgxpool.Pool {
	if d, ok := s.d.(*pgDriver); ok {
		return d.Pool()
	}
	return nil
}

// DB runs queries outside a transaction.
func (s *Store) DB() Querier { return s.d }

// write is a querier for a single writing statement that returns rows
// (INSERT … RETURNING): on SQLite it goes through the write pool like a
// transaction does, instead of waiting on the lock from the read pool.
func (s *Store) write() Querier {
	if d, ok := s.d.(*sqliteDriver); ok {
		return writeQuerier{d}
	}
	return s.d
}

type writeQuerier struct{ d *sqliteDriver }

func (w writeQuerier) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return w.d.Exec(ctx, q, args...)
}

func (w writeQuerier) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	return sqlQuery(ctx, w.d.write, w.d.rewrite.get(q), args)
}

func (w writeQuerier) QueryRow(ctx context.Context, q string, args ...any) Row {
	return sqlRow{row: w.d.write.QueryRowContext(ctx, w.d.rewrite.get(q), sqliteArgs(args)...)}
}

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx Tx) error) error {
	tx, err := s.d.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		s.noteFull(err)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		s.noteFull(err)
		return fmt.Errorf("commit: %w", err)
	}
	s.wrote.Store(time.Now().UnixNano())
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure.
func (s *Store) IsUniqueViolation(err error) bool { return s.d.isUniqueViolation(err) }

func hasParam(raw, name string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return u.Query().Has(name)
}

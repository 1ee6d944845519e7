package store

import (
	"context"
	"errors"
)

// Querier is the little of a database connection the store needs. Both the
// SQLite driver (database/sql) and the PostgreSQL driver (pgx) adapt to it,
// so every named query runs unchanged on either; queries are written with
// PostgreSQL's $n placeholders and the SQLite driver rewrites them.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows iterates over a query result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNotFound when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a transaction. Native returns the driver's own transaction
// (*sql.Tx or pgx.Tx) so the job queue can insert jobs in it.
type Tx interface {
	Querier
	Native() any
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// driver is what each database brings: its querier, its transactions and
// the few places where dialects differ.
type driver interface {
	Querier
	Kind() string
	Begin(ctx context.Context) (txDriver, error)
	Ping(ctx context.Context) error
	Close() error
	isUniqueViolation(err error) bool
}

type txDriver interface {
	Tx
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

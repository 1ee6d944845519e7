package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// KindSQLite and KindPostgres name the two supported databases.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

type sqliteDriver struct {
	db      *sql.DB
	rewrite *placeholderCache
}

// openSQLite opens path in WAL mode. Write transactions start as BEGIN
// IMMEDIATE: with several connections a deferred transaction that reads
// before it writes fails with SQLITE_BUSY instead of waiting (field notes).
// synchronous=FULL keeps every commit durable across power loss; ingest
// batches orders into one commit to pay for that fsync only once.
func openSQLite(path string) (*sqliteDriver, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: create %s: %w", dir, err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &sqliteDriver{db: db, rewrite: newPlaceholderCache()}, nil
}

func (d *sqliteDriver) Kind() string                   { return KindSQLite }
func (d *sqliteDriver) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }
func (d *sqliteDriver) Close() error                   { return d.db.Close() }

// DB exposes the pool for River's SQLite driver.
func (d *sqliteDriver) DB() *sql.DB { return d.db }

func (d *sqliteDriver) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return sqlExec(ctx, d.db, d.rewrite.get(q), args)
}

func (d *sqliteDriver) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	return sqlQuery(ctx, d.db, d.rewrite.get(q), args)
}

func (d *sqliteDriver) QueryRow(ctx context.Context, q string, args ...any) Row {
	return sqlRow{d.db.QueryRowContext(ctx, d.rewrite.get(q), sqliteArgs(args)...)}
}

func (d *sqliteDriver) Begin(ctx context.Context) (txDriver, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &sqliteTx{tx: tx, rewrite: d.rewrite}, nil
}

func (d *sqliteDriver) isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

type sqliteTx struct {
	tx      *sql.Tx
	rewrite *placeholderCache
}

func (t *sqliteTx) Native() any                    { return t.tx }
func (t *sqliteTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t *sqliteTx) Rollback(context.Context) error { return t.tx.Rollback() }
func (t *sqliteTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return sqlRow{t.tx.QueryRowContext(ctx, t.rewrite.get(q), sqliteArgs(args)...)}
}
func (t *sqliteTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return sqlExec(ctx, t.tx, t.rewrite.get(q), args)
}
func (t *sqliteTx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	return sqlQuery(ctx, t.tx, t.rewrite.get(q), args)
}

type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func sqlExec(ctx context.Context, c sqlConn, q string, args []any) (int64, error) {
	res, err := c.ExecContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func sqlQuery(ctx context.Context, c sqlConn, q string, args []any) (Rows, error) {
	rows, err := c.QueryContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// sqliteArgs stores times as integer microseconds since the epoch (UTC):
// they sort and compare exactly, which text timestamps with variable
// fractional digits do not.
func sqliteArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UnixMicro()
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UnixMicro()
			}
		}
	}
	return args
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

type sqlRow struct{ row *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

var placeholderRE = regexp.MustCompile(`\$(\d+)`)

// placeholderCache rewrites $n to SQLite's ?n once per distinct query.
type placeholderCache struct {
	mu sync.RWMutex
	m  map[string]string
}

func newPlaceholderCache() *placeholderCache { return &placeholderCache{m: map[string]string{}} }

func (c *placeholderCache) get(q string) string {
	c.mu.RLock()
	r, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return r
	}
	r = placeholderRE.ReplaceAllString(q, "?$1")
	c.mu.Lock()
	c.m[q] = r
	c.mu.Unlock()
	return r
}

// sqlitePath extracts the file path from "sqlite:PATH" or "sqlite://PATH".
func sqlitePath(u string) string {
	p := strings.TrimPrefix(u, "sqlite:")
	return strings.TrimPrefix(p, "//")
}

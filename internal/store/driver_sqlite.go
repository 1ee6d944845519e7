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

// sqliteDriver keeps two pools on one file. Every transaction, River's
// included, goes through write, which has a single connection: writers
// then queue in Go instead of meeting SQLite's busy handler, which sleeps
// in steps of up to 100 ms and made a lone client wait ~35 ms per order.
// Plain queries use read, where WAL lets readers run beside the writer.
type sqliteDriver struct {
	path    string
	read    *sql.DB
	write   *sql.DB
	rewrite *placeholderCache
	// readConns and writeConns open each pool's connections, which keep
	// their prepared statements (stmtconn.go).
	readConns, writeConns *stmtConnector
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
	// WAL is not set here for every connection but once, by ensureWAL:
	// switching a fresh file to WAL takes an exclusive lock, and SQLite
	// answers a connection that asks for it while another process holds
	// the lock with SQLITE_BUSY at once, without waiting on busy_timeout.
	// Concurrent `supplyhub migrate` on a new file failed that way about one
	// run in ten (TestConcurrentMigrateFreshDatabase). WAL is a property of
	// the file, so every later connection is in WAL mode anyway.
	// temp_store=MEMORY keeps statement journals (SQLite writes one for a
	// multi-row INSERT or an UPDATE that could fail part way) in memory
	// instead of a temporary file: they only ever roll back a statement
	// inside an open transaction, so a file adds write syscalls and no
	// durability. A 5,000-order burst spent about 2.5 % of the daemon's CPU
	// writing them, and CPU per 1,000 orders fell 1.14–1.34 → 1.01–1.03 s
	// with it (BENCHMARKS.md).
	for _, p := range []string{"busy_timeout(10000)", "synchronous(FULL)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writeConns := newStmtConnector(base, stmtCacheMax)
	write := sql.OpenDB(writeConns)
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	readConns := newStmtConnector(base, stmtCacheMax)
	read := sql.OpenDB(readConns)
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(5 * time.Minute)
	if err := ensureWAL(write, 10*time.Second); err != nil {
		_ = errors.Join(read.Close(), write.Close())
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &sqliteDriver{path: path, read: read, write: write, rewrite: newPlaceholderCache(),
		readConns: readConns, writeConns: writeConns}, nil
}

// ensureWAL puts the database file in WAL mode, retrying while another
// process holds the lock the switch needs (see openSQLite), for at most
// wait.
func ensureWAL(db *sql.DB, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		var mode string
		err := db.QueryRow(`PRAGMA journal_mode=WAL`).Scan(&mode)
		var se *sqlite.Error
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("journal_mode is %q, want wal", mode)
		case !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline):
			return fmt.Errorf("set journal_mode=WAL: %w", err)
		}
		time.Sleep(pause)
	}
}

func (d *sqliteDriver) Kind() string                   { return KindSQLite }
func (d *sqliteDriver) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

func (d *sqliteDriver) Close() error {
	return errors.Join(d.read.Close(), d.write.Close())
}

// DB exposes the write pool for River's SQLite driver: River's own
// transactions then queue behind ours instead of sleeping on the lock.
func (d *sqliteDriver) DB() *sql.DB { return d.write }

// Exec runs on the write pool: it is a write.
func (d *sqliteDriver) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return sqlExec(ctx, d.write, d.rewrite.get(q), args)
}

// Query and QueryRow run on the read pool; the few statements that write
// through QueryRow (INSERT … RETURNING outside a transaction, in operator
// commands) still work there, waiting on busy_timeout.
func (d *sqliteDriver) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	return sqlQuery(ctx, d.read, d.rewrite.get(q), args)
}

func (d *sqliteDriver) QueryRow(ctx context.Context, q string, args ...any) Row {
	return sqlRow{row: d.read.QueryRowContext(ctx, d.rewrite.get(q), sqliteArgs(args)...)}
}

func (d *sqliteDriver) Begin(ctx context.Context) (txDriver, error) {
	tx, err := d.write.BeginTx(ctx, nil)
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

// sqliteTx runs on the write pool's only connection.
type sqliteTx struct {
	tx      *sql.Tx
	rewrite *placeholderCache
}

func (t *sqliteTx) Native() any { return t.tx }

func (t *sqliteTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t *sqliteTx) Rollback(context.Context) error { return t.tx.Rollback() }

func (t *sqliteTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return sqlRow{row: t.tx.QueryRowContext(ctx, t.rewrite.get(q), sqliteArgs(args)...)}
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
	return &sqlRows{Rows: rows}, nil
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

// sqlRows adapts *sql.Rows to Rows.
type sqlRows struct{ *sql.Rows }

func (r *sqlRows) Close() { _ = r.Rows.Close() }

// sqlRow adapts *sql.Row to Row.
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

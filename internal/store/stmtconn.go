package store

import (
	"container/list"
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// stmtCacheMax bounds the prepared statements kept per connection, least
// recently used dropped first. The store's and River's hot queries are a
// few dozen constant strings; the bound only stops queries built at run
// time from growing the cache forever.
const stmtCacheMax = 256

// stmtCacheMaxParams keeps statements with long IN lists out of the cache:
// each list length is its own text, and caching them would push the hot
// statements out for little reuse. Bulk inserts (bulkMarker) are kept:
// they come in at most 20 shapes per table.
const stmtCacheMaxParams = 32

// stmtConnector opens SQLite connections that keep a prepared statement
// per distinct SQL text. modernc's driver parses and compiles the text on
// every Exec and Query otherwise, and River's SQLite driver and the store
// only ever pass text: compiling was a third of the daemon's CPU. Because
// the cache sits under database/sql, every caller gets it, inside and
// outside transactions, with no change to how it runs its queries.
type stmtConnector struct {
	base sqldriver.Connector
	max  int

	// prepares counts statements prepared for the cache, live those not
	// finalized yet, asText the calls run as text instead, and runs every
	// Exec and Query, over all of this connector's connections.
	prepares, live, asText, runs atomic.Int64
}

func newStmtConnector(base sqldriver.Connector, max int) *stmtConnector {
	return &stmtConnector{base: base, max: max}
}

// Connect opens a base connection and wraps it.
func (c *stmtConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := newStmtConn(conn, c)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return sc, nil
}

// Driver returns the base connector's sqldriver.
func (c *stmtConnector) Driver() sqldriver.Driver { return c.base.Driver() }

// baseConn is what stmtConn needs of the driver's connection; modernc's
// has all of it.
type baseConn interface {
	sqldriver.Conn
	sqldriver.ConnPrepareContext
	sqldriver.ConnBeginTx
	sqldriver.ExecerContext
	sqldriver.QueryerContext
	sqldriver.Pinger
	sqldriver.SessionResetter
	sqldriver.Validator
}

// stmtConn is one connection and its statements. database/sql never runs
// two calls on one connection at once, but a Rows can be closed from
// another goroutine (when its context ends), so the cache has a lock.
type stmtConn struct {
	base  baseConn
	owner *stmtConnector

	mu  sync.Mutex
	lru *list.List // of *cachedStmt, most recently used first
	m   map[string]*list.Element
}

// cachedStmt is a prepared statement. busy is set while its rows are
// open: one SQLite statement cannot run twice at once, so a second use
// meanwhile runs as text. evicted marks one dropped from the cache while
// busy, finalized when its rows close.
type cachedStmt struct {
	query         string
	st            sqldriver.Stmt
	busy, evicted bool
}

func newStmtConn(conn sqldriver.Conn, owner *stmtConnector) (*stmtConn, error) {
	bc, ok := conn.(baseConn)
	if !ok {
		return nil, fmt.Errorf("sqlite statement cache: driver connection %T lacks a needed interface", conn)
	}
	return &stmtConn{base: bc, owner: owner, lru: list.New(), m: map[string]*list.Element{}}, nil
}

// Prepare, Begin, BeginTx, PrepareContext, Ping, ResetSession and IsValid
// go to the base connection. A statement the caller prepares is its own.
func (c *stmtConn) Prepare(query string) (sqldriver.Stmt, error) { return c.base.Prepare(query) }

func (c *stmtConn) Begin() (sqldriver.Tx, error) { return c.base.Begin() }

func (c *stmtConn) BeginTx(ctx context.Context, opts sqldriver.TxOptions) (sqldriver.Tx, error) {
	return c.base.BeginTx(ctx, opts)
}

func (c *stmtConn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	return c.base.PrepareContext(ctx, query)
}

func (c *stmtConn) Ping(ctx context.Context) error { return c.base.Ping(ctx) }

func (c *stmtConn) ResetSession(ctx context.Context) error { return c.base.ResetSession(ctx) }

func (c *stmtConn) IsValid() bool { return c.base.IsValid() }

// Close finalizes every statement, then closes the connection. database/sql
// closes a connection only once its rows are closed.
func (c *stmtConn) Close() error {
	c.mu.Lock()
	var errs []error
	for el := c.lru.Front(); el != nil; el = el.Next() {
		errs = append(errs, c.finalize(el.Value.(*cachedStmt)))
	}
	c.lru.Init()
	clear(c.m)
	c.mu.Unlock()
	return errors.Join(append(errs, c.base.Close())...)
}

// ExecContext runs query through its cached statement; modernc's Exec
// steps it to the end (RETURNING included) and resets it.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	c.owner.runs.Add(1)
	cs, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		c.owner.asText.Add(1)
		return c.base.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.st.(sqldriver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query through its cached statement, which stays busy
// until the rows close.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	c.owner.runs.Add(1)
	cs, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		c.owner.asText.Add(1)
		return c.base.QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(sqldriver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &cachedRows{Rows: rows, c: c, cs: cs}, nil
}

// acquire returns query's statement marked busy, preparing it on first
// use, or nil when query should run as text: its statement is busy, or
// it is not worth caching. A query that does not compile returns the
// error, as running it would.
func (c *stmtConn) acquire(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	if el, ok := c.m[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			c.mu.Unlock()
			return nil, nil
		}
		cs.busy = true
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return cs, nil
	}
	c.mu.Unlock()
	// A bulk insert has many parameters but only a few shapes (bulkChunks).
	if manyParams(query) && !strings.HasPrefix(query, bulkMarker) {
		return nil, nil
	}
	st, err := c.base.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, okE := st.(sqldriver.StmtExecContext)
	_, okQ := st.(sqldriver.StmtQueryContext)
	if !okE || !okQ {
		_ = st.Close()
		return nil, nil
	}
	c.owner.prepares.Add(1)
	c.owner.live.Add(1)
	cs := &cachedStmt{query: query, st: st, busy: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Calls on a connection do not overlap, so no one added query meanwhile.
	c.m[query] = c.lru.PushFront(cs)
	for c.lru.Len() > c.owner.max {
		el := c.lru.Back()
		old := el.Value.(*cachedStmt)
		c.lru.Remove(el)
		delete(c.m, old.query)
		if old.busy {
			old.evicted = true
		} else {
			_ = c.finalize(old)
		}
	}
	return cs, nil
}

// release marks cs free again, or finalizes it if it left the cache.
func (c *stmtConn) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		_ = c.finalize(cs)
	}
}

// finalize closes cs's statement once; c.mu is held.
func (c *stmtConn) finalize(cs *cachedStmt) error {
	if cs.st == nil {
		return nil
	}
	err := cs.st.Close()
	cs.st = nil
	c.owner.live.Add(-1)
	return err
}

// cachedRows releases its statement when closed. It passes on the column
// type methods modernc's rows have.
type cachedRows struct {
	sqldriver.Rows
	c  *stmtConn
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs != nil {
		r.c.release(r.cs)
		r.cs = nil
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(sqldriver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(sqldriver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(sqldriver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(sqldriver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(sqldriver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

// manyParams reports whether q has more than stmtCacheMaxParams
// parameters, numbered (?NNN, the store's) or not (?, River's).
func manyParams(q string) bool {
	bare := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			continue
		}
		if i+1 >= len(q) || q[i+1] < '0' || q[i+1] > '9' {
			bare++
			if bare > stmtCacheMaxParams {
				return true
			}
			continue
		}
		n := 0
		for i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			i++
			n = n*10 + int(q[i]-'0')
			if n > stmtCacheMaxParams {
				return true
			}
		}
	}
	return false
}

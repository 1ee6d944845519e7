package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCacheMax bounds the prepared statements kept per pool. The store's
// queries are constant strings, so this is never reached in practice; it
// only stops a query built at run time from growing the cache forever.
const stmtCacheMax = 512

// stmtCacheMaxParams keeps statements with long IN lists out of the cache:
// each list length is its own text, and hundreds of them, prepared on
// every connection, would cost memory for little reuse.
const stmtCacheMaxParams = 32

// stmtCache keeps one prepared statement per distinct SQL text on one
// SQLite pool. Without it modernc's driver parses and compiles the text
// on every call, which was a third of the daemon's CPU under load.
// database/sql prepares a cached *sql.Stmt once per connection of the pool
// and, through Tx.StmtContext, reuses it inside transactions.
type stmtCache struct {
	db *sql.DB

	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]struct{}
	closed  bool
	// preparing is true while a goroutine prepares pending; wg waits for it.
	preparing bool
	wg        sync.WaitGroup
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]struct{}{}}
}

// lookup returns the statement for q, or nil when it is not prepared yet.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	return st
}

// get returns the statement for q, preparing it on the pool first if
// needed. It is nil when the cache is full or closed, or the prepare
// failed: the caller then runs the text, which reports any error in it.
// Never call it while holding the pool's only connection (a write
// transaction): the prepare would wait for that connection forever.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if st := c.lookup(q); st != nil {
		return st
	}
	c.mu.RLock()
	full := c.closed || len(c.m) >= stmtCacheMax
	c.mu.RUnlock()
	if full || manyParams(q) {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return c.put(q, st)
}

// put stores st for q unless another caller won the race or the cache
// is closed or full, and returns the statement to use (nil: none).
func (c *stmtCache) put(q string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		_ = st.Close()
		return old
	}
	if c.closed || len(c.m) >= stmtCacheMax {
		_ = st.Close()
		return nil
	}
	c.m[q] = st
	delete(c.pending, q)
	return st
}

// want notes q, first seen inside a write transaction, to be prepared
// once that transaction has released the connection (preparePending).
func (c *stmtCache) want(q string) {
	if manyParams(q) {
		return
	}
	c.mu.Lock()
	if !c.closed && len(c.pending)+len(c.m) < stmtCacheMax {
		c.pending[q] = struct{}{}
	}
	c.mu.Unlock()
}

// preparePending prepares the wanted statements in the background. It is
// called after a transaction ends, and runs apart from the caller so that
// a commit never waits for the connection a second time.
func (c *stmtCache) preparePending() {
	c.mu.Lock()
	if c.closed || c.preparing || len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	c.preparing = true
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		for {
			c.mu.Lock()
			var q string
			found := false
			for q = range c.pending {
				found = true
				break
			}
			if !found || c.closed {
				c.preparing = false
				c.mu.Unlock()
				return
			}
			delete(c.pending, q)
			c.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if st, err := c.db.PrepareContext(ctx, q); err == nil {
				c.put(q, st)
			}
			cancel()
		}
	}()
}

// close closes every statement; later lookups find none.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

// manyParams reports whether q, in SQLite's ?n form, numbers a parameter
// above stmtCacheMaxParams.
func manyParams(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
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

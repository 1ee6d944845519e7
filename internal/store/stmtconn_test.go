package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openStmtTestDB opens a SQLite file through a stmtConnector keeping max
// statements per connection, with conns connections at most and a table
// t(id, v) of three rows. At cleanup it checks that closing the pool
// finalized every statement.
func openStmtTestDB(t *testing.T, max, conns int) (*sql.DB, *stmtConnector) {
	t.Helper()
	base, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "stmt.db") +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	c := newStmtConnector(base, max)
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if n := c.live.Load(); n != 0 {
			t.Errorf("%d statements left unfinalized after close", n)
		}
	})
	for _, q := range []string{
		`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`,
		`INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db, c
}

// counts is a snapshot of a connector's counters.
type counts struct{ prepares, asText int64 }

func countsOf(c *stmtConnector) counts { return counts{c.prepares.Load(), c.asText.Load()} }

func (a counts) minus(b counts) counts { return counts{a.prepares - b.prepares, a.asText - b.asText} }

func TestStmtConnPreparesOnce(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, stmtCacheMax, 1)
	const get = `SELECT v FROM t WHERE id = ?1`
	const set = `UPDATE t SET v = ?2 WHERE id = ?1`
	const add = `INSERT INTO t (v) VALUES (?1) RETURNING id`

	before := countsOf(c)
	var lastID int64
	for i := range 100 {
		want := "v" + strconv.Itoa(i)
		if _, err := db.ExecContext(ctx, set, 2, want); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := db.QueryRowContext(ctx, get, 2).Scan(&v); err != nil || v != want {
			t.Fatalf("call %d: got %q, %v; want %q", i, v, err, want)
		}
		// The same statements inside a transaction, RETURNING included.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, add, want).Scan(&id); err != nil || id <= lastID {
			t.Fatalf("call %d: RETURNING id %d, %v; want more than %d", i, id, err, lastID)
		}
		lastID = id
		if err := tx.QueryRowContext(ctx, get, id).Scan(&v); err != nil || v != want {
			t.Fatalf("call %d in tx: got %q, %v; want %q", i, v, err, want)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := countsOf(c).minus(before), (counts{prepares: 3}); got != want {
		t.Errorf("300 calls of 3 queries: %+v, want %+v", got, want)
	}
	// Exec steps a RETURNING statement to its end: one row per call.
	for range 3 {
		if _, err := db.ExecContext(ctx, add, "exec"); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE v = 'exec'`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("rows inserted by Exec with RETURNING: %d, %v; want 3", n, err)
	}
}

func TestStmtConnNestedUse(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, stmtCacheMax, 1)
	const sel = `SELECT v FROM t WHERE id >= ?1 ORDER BY id`

	// Warm the statement, then use it again while its rows are open: one
	// SQLite statement cannot be stepped twice at once.
	var first string
	if err := db.QueryRowContext(ctx, sel, 1).Scan(&first); err != nil || first != "a" {
		t.Fatalf("warm: %q, %v", first, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	before := countsOf(c)
	rows, err := tx.QueryContext(ctx, sel, 1)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []string
	for rows.Next() {
		var v, w string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, sel, 3).Scan(&w); err != nil {
			t.Fatalf("nested query: %v", err)
		}
		outer, inner = append(outer, v), append(inner, w)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got, want := outer, []string{"a", "b", "c"}; !equalStrings(got, want) {
		t.Errorf("outer rows = %v, want %v", got, want)
	}
	if got, want := inner, []string{"c", "c", "c"}; !equalStrings(got, want) {
		t.Errorf("inner rows = %v, want %v", got, want)
	}
	if got, want := countsOf(c).minus(before), (counts{asText: 3}); got != want {
		t.Errorf("nested calls: %+v, want %+v (the three inner ones as text)", got, want)
	}
	// Once the rows are closed the statement is free again.
	before = countsOf(c)
	var w string
	if err := tx.QueryRowContext(ctx, sel, 2).Scan(&w); err != nil || w != "b" {
		t.Fatalf("after close: %q, %v", w, err)
	}
	if got := countsOf(c).minus(before); got != (counts{}) {
		t.Errorf("after close: %+v, want the cached statement", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestStmtConnEvictWhileOpen(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, 2, 1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; rows.Next(); i++ {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if i == 0 {
			// Push the open statement out of a cache of two, and prepare
			// more so that freed memory would be reused.
			for j := range 20 {
				var n int
				if err := conn.QueryRowContext(ctx, `SELECT `+strconv.Itoa(j)+` FROM t LIMIT 1`).Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
			// Its statement lives on until the rows close.
			if n := c.live.Load(); n != 3 {
				t.Errorf("%d statements alive, want the cache's 2 and the open one", n)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !equalStrings(got, want) {
		t.Errorf("rows of the evicted statement = %v, want %v", got, want)
	}
	if n := c.live.Load(); n != 2 {
		t.Errorf("%d statements alive, want the cache's 2", n)
	}
}

func TestStmtConnRollbackClosesRows(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, stmtCacheMax, 1)
	const sel = `SELECT v FROM t WHERE id >= ?1 ORDER BY id`
	const ins = `INSERT INTO t (id, v) VALUES (?1, ?2)`
	for range 2 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, ins, 4, "d"); err != nil {
			t.Fatal(err)
		}
		// Left open: database/sql closes it when the transaction ends.
		rows, err := tx.QueryContext(ctx, sel, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal("no rows")
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
	before := countsOf(c)
	var got []string
	rows, err := db.QueryContext(ctx, sel, 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if want := []string{"a", "b", "c"}; !equalStrings(got, want) {
		t.Errorf("after rollback: %v, want %v", got, want)
	}
	if got := countsOf(c).minus(before); got != (counts{}) {
		t.Errorf("after rollback: %+v, want the cached statement, released", got)
	}
}

func TestStmtConnSchemaChange(t *testing.T) {
	ctx := context.Background()
	db, _ := openStmtTestDB(t, stmtCacheMax, 2)
	const all = `SELECT * FROM t WHERE id = ?1`
	cached, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cached.Close()
	other, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	columns := func() []string {
		t.Helper()
		rows, err := cached.QueryContext(ctx, all, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return cols
	}
	if got := columns(); !equalStrings(got, []string{"id", "v"}) {
		t.Fatalf("columns %v", got)
	}
	// A migration on another connection: the cached statement follows.
	for _, q := range []string{`ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`} {
		if _, err := other.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := columns(); !equalStrings(got, []string{"id", "v", "w"}) {
		t.Fatalf("columns after ALTER TABLE: %v", got)
	}
	if _, err := other.ExecContext(ctx, `DROP TABLE t`); err != nil {
		t.Fatal(err)
	}
	if _, err := cached.QueryContext(ctx, all, 1); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("dropped table: got %v, want no such table", err)
	}
	if _, err := other.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, z INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, `INSERT INTO t VALUES (1, 7)`); err != nil {
		t.Fatal(err)
	}
	if got := columns(); !equalStrings(got, []string{"id", "z"}) {
		t.Fatalf("columns after the table was made again: %v", got)
	}
}

func TestStmtConnErrorsAndLimits(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, stmtCacheMax, 1)
	const ins = `INSERT INTO t (id, v) VALUES (?1, ?2)`
	if _, err := db.ExecContext(ctx, ins, 4, "d"); err != nil {
		t.Fatal(err)
	}
	before := countsOf(c)
	_, err := db.ExecContext(ctx, ins, 4, "again")
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		t.Fatalf("duplicate key through a cached statement: %v, want SQLITE_CONSTRAINT_PRIMARYKEY", err)
	}
	// The statement is usable after its error.
	if _, err := db.ExecContext(ctx, ins, 5, "e"); err != nil {
		t.Fatal(err)
	}
	if got := countsOf(c).minus(before); got != (counts{}) {
		t.Errorf("after an error: %+v, want the cached statement", got)
	}

	before = countsOf(c)
	if _, err := db.QueryContext(ctx, `SELECT nope FROM t`); err == nil || !strings.Contains(err.Error(), "no such column") {
		t.Fatalf("bad query: %v, want no such column", err)
	}
	if got := countsOf(c).minus(before); got != (counts{}) {
		t.Errorf("bad query: %+v, want nothing prepared", got)
	}

	// An IN list longer than stmtCacheMaxParams runs as text, numbered or not.
	for _, mark := range []func(int) string{
		func(i int) string { return "?" + strconv.Itoa(i+1) },
		func(int) string { return "?" },
	} {
		marks := make([]string, stmtCacheMaxParams+1)
		args := make([]any, len(marks))
		for i := range marks {
			marks[i], args[i] = mark(i), i+1
		}
		before = countsOf(c)
		var n int
		q := `SELECT count(*) FROM t WHERE id IN (` + strings.Join(marks, ", ") + `)`
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil || n != 5 {
			t.Fatalf("%s: %d, %v; want 5", q, n, err)
		}
		if got, want := countsOf(c).minus(before), (counts{asText: 1}); got != want {
			t.Errorf("%d parameters: %+v, want %+v", len(args), got, want)
		}
	}
}

// TestStmtConnCachesBulk: a bulk insert (bulkMarker) is cached whatever its
// parameters: its shapes are few, and compiling one costs more than the
// per-row statements it replaces.
func TestStmtConnCachesBulk(t *testing.T) {
	ctx := context.Background()
	db, c := openStmtTestDB(t, stmtCacheMax, 1)
	b := &bulkStmt{head: `INSERT INTO t (id, v) VALUES `, row: `($1, $2)`, nargs: 2}
	rows := stmtCacheMaxParams // twice as many parameters as the cache takes otherwise
	q := b.text(KindSQLite, rows)
	for round := 0; round < 2; round++ {
		args := make([]any, 0, 2*rows)
		for i := 0; i < rows; i++ {
			args = append(args, 100*(round+1)+i, "bulk")
		}
		before := countsOf(c)
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
		want := counts{prepares: 1}
		if round > 0 {
			want = counts{}
		}
		if got := countsOf(c).minus(before); got != want {
			t.Errorf("round %d: %+v, want %+v", round, got, want)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE v = 'bulk'`).Scan(&n); err != nil || n != 2*rows {
		t.Fatalf("%d bulk rows, %v; want %d", n, err, 2*rows)
	}
}

// TestBulkChunks: chunks are powers of two up to bulkMaxRows, largest
// first, then the rest when at most bulkExactRows, and add up.
func TestBulkChunks(t *testing.T) {
	for n, want := range map[int][]int{0: nil, 1: {1}, 7: {7}, 16: {16}, 23: {16, 7}, 64: {64}, 300: {256, 32, 12}, 600: {256, 256, 64, 16, 8}} {
		if got := bulkChunks(n); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("bulkChunks(%d) = %v, want %v", n, got, want)
		}
	}
	b := &bulkStmt{head: "INSERT INTO t (a, b) VALUES ", row: "($1, 0, $2)", tail: " RETURNING id", nargs: 2}
	for kind, want := range map[string]string{
		KindPostgres: bulkMarker + "INSERT INTO t (a, b) VALUES ($1, 0, $2), ($3, 0, $4), ($5, 0, $6) RETURNING id",
		KindSQLite:   bulkMarker + "INSERT INTO t (a, b) VALUES (?, 0, ?), (?, 0, ?), (?, 0, ?) RETURNING id",
	} {
		if got := b.text(kind, 3); got != want {
			t.Errorf("%s: text(3) = %q, want %q", kind, got, want)
		}
	}
}

// TestStmtConnConcurrent runs queries on a small pool from many
// goroutines, some abandoned by their context mid-rows (database/sql then
// closes the rows from its own goroutine); run it with -race.
func TestStmtConnConcurrent(t *testing.T) {
	db, c := openStmtTestDB(t, 4, 3)
	const sel = `SELECT v FROM t WHERE id >= ?1 ORDER BY id`
	queries := []string{sel, `SELECT count(*) FROM t WHERE id > ?1`, `SELECT max(id) FROM t WHERE id > ?1`,
		`SELECT min(id) FROM t WHERE id > ?1`, `SELECT sum(id) FROM t WHERE id > ?1`, `SELECT 1 WHERE ?1 > 0`}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				ctx, cancel := context.WithCancel(context.Background())
				rows, err := db.QueryContext(ctx, queries[(g+i)%len(queries)], 0)
				if err != nil {
					cancel()
					errs <- err
					return
				}
				rows.Next()
				if i%3 == 0 {
					cancel() // database/sql closes the rows
					for rows.Next() {
					}
				}
				rows.Close()
				cancel()
				if i%5 == 0 {
					if _, err := db.Exec(`UPDATE t SET v = v WHERE id = ?1`, g); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var v string
	if err := db.QueryRow(sel, 3).Scan(&v); err != nil || v != "c" {
		t.Fatalf("after: %q, %v", v, err)
	}
	if n := c.live.Load(); n > 3*4 {
		t.Errorf("%d statements alive, want at most 3 connections × 4", n)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

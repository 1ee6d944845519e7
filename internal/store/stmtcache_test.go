package store

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openCacheTestDB opens a bare SQLite store with one table t(id, v) of
// three rows; these tests are about the driver, not the schema.
func openCacheTestDB(t *testing.T) (*Store, *sqliteDriver) {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	for _, q := range []string{
		`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`,
		`INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`,
	} {
		if _, err := st.DB().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return st, st.d.(*sqliteDriver)
}

// waitCached polls until q (with $n placeholders) is prepared on c.
func waitCached(t *testing.T, d *sqliteDriver, c *stmtCache, q string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.lookup(d.rewrite.get(q)) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("query never prepared: %s", q)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSQLiteStmtCacheTransaction(t *testing.T) {
	ctx := context.Background()
	st, d := openCacheTestDB(t)
	const sel = `SELECT v FROM t WHERE id >= $1 ORDER BY id`
	const ins = `INSERT INTO t (id, v) VALUES ($1, $2)`

	// First seen in a transaction: runs as text, prepared after commit.
	if err := st.InTx(ctx, func(tx Tx) error {
		var v string
		if err := tx.QueryRow(ctx, sel, 3).Scan(&v); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, ins, 4, "d")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitCached(t, d, d.writeStmts, sel)
	waitCached(t, d, d.writeStmts, ins)

	// A cached query used again while its own rows are still open must not
	// disturb them: SQLite cannot run one statement twice at once.
	var outer, inner []string
	if err := st.InTx(ctx, func(tx Tx) error {
		rows, err := tx.Query(ctx, sel, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v, w string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, sel, 4).Scan(&w); err != nil {
				return err
			}
			outer, inner = append(outer, v), append(inner, w)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := outer, []string{"a", "b", "c", "d"}; !equalStrings(got, want) {
		t.Errorf("outer rows = %v, want %v", got, want)
	}
	if got, want := inner, []string{"d", "d", "d", "d"}; !equalStrings(got, want) {
		t.Errorf("inner rows = %v, want %v", got, want)
	}

	// Errors from a cached statement keep their type and roll back.
	err := st.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, ins, 5, "e"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, ins, 1, "again")
		return err
	})
	if !st.IsUniqueViolation(err) {
		t.Fatalf("duplicate insert: got %v, want a unique violation", err)
	}
	var v string
	if err := st.DB().QueryRow(ctx, `SELECT v FROM t WHERE id = $1`, 5).Scan(&v); !errors.Is(err, ErrNotFound) {
		t.Fatalf("row of the rolled-back transaction: got %q, %v; want ErrNotFound", v, err)
	}
}

func TestSQLiteStmtCachePools(t *testing.T) {
	ctx := context.Background()
	st, d := openCacheTestDB(t)
	const get = `SELECT v FROM t WHERE id = $1`
	const upd = `UPDATE t SET v = $2 WHERE id = $1`

	for i, want := range []string{"b", "B", "BB"} {
		if i > 0 {
			n, err := st.DB().Exec(ctx, upd, 2, want)
			if err != nil || n != 1 {
				t.Fatalf("update: %d rows, %v", n, err)
			}
		}
		var v string
		if err := st.DB().QueryRow(ctx, get, 2).Scan(&v); err != nil || v != want {
			t.Fatalf("read %d: got %q, %v; want %q", i, v, err, want)
		}
		var w string
		if err := st.write().QueryRow(ctx, get, 2).Scan(&w); err != nil || w != want {
			t.Fatalf("read %d on the write pool: got %q, %v; want %q", i, w, err, want)
		}
	}
	for _, c := range []struct {
		name  string
		cache *stmtCache
		q     string
	}{{"read", d.readStmts, get}, {"write", d.writeStmts, upd}, {"write", d.writeStmts, get}} {
		if c.cache.lookup(d.rewrite.get(c.q)) == nil {
			t.Errorf("%s pool: %s not cached", c.name, c.q)
		}
	}

	var v string
	if err := st.DB().QueryRow(ctx, get, 99).Scan(&v); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing row: got %v, want ErrNotFound", err)
	}
	// An IN list longer than stmtCacheMaxParams runs as text.
	marks := make([]string, stmtCacheMaxParams+1)
	args := make([]any, len(marks))
	for i := range marks {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), i+1
	}
	long := `SELECT count(*) FROM t WHERE id IN (` + strings.Join(marks, ", ") + `)`
	var n int
	if err := st.DB().QueryRow(ctx, long, args...).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d parameters: got %d, %v; want 3", len(args), n, err)
	}
	if d.readStmts.lookup(d.rewrite.get(long)) != nil {
		t.Errorf("query with %d parameters cached", len(args))
	}
	const bad = `SELECT nope FROM t`
	if _, err := st.DB().Query(ctx, bad); err == nil {
		t.Error("bad query: no error")
	}
	if d.readStmts.lookup(bad) != nil {
		t.Error("bad query cached")
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

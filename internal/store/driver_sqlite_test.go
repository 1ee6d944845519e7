package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// TestSQLiteConnectionSettings reads back, on both pools, the settings
// every connection must carry: durability (WAL, synchronous=FULL), foreign
// keys, the busy wait, and statement journals kept in memory.
func TestSQLiteConnectionSettings(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "settings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d := st.d.(*sqliteDriver)
	want := []struct {
		pragma string
		value  string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"temp_store", "2"}, // MEMORY
	}
	for name, db := range map[string]*sql.DB{"read": d.read, "write": d.write} {
		for _, w := range want {
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+w.pragma).Scan(&got); err != nil {
				t.Fatalf("%s pool: PRAGMA %s: %v", name, w.pragma, err)
			}
			if got != w.value {
				t.Errorf("%s pool: %s = %s, want %s", name, w.pragma, got, w.value)
			}
		}
	}
}

// TestSQLiteStoreStatements checks the store's SQLite pools through the
// cache: a transaction's queries prepared once, a query nested in its own
// open rows, and errors that keep their type and roll back.
func TestSQLiteStoreStatements(t *testing.T) {
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
	d := st.d.(*sqliteDriver)
	for _, q := range []string{
		`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`,
		`INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`,
	} {
		if _, err := st.DB().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const sel = `SELECT v FROM t WHERE id >= $1 ORDER BY id`
	const ins = `INSERT INTO t (id, v) VALUES ($1, $2)`

	before := countsOf(d.writeConns)
	for i := range 20 {
		if err := st.InTx(ctx, func(tx Tx) error {
			var v string
			if err := tx.QueryRow(ctx, sel, 3).Scan(&v); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, ins, 10+i, "x")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := countsOf(d.writeConns).minus(before), (counts{prepares: 2}); got != want {
		t.Errorf("20 transactions of 2 queries: %+v, want %+v", got, want)
	}

	var outer, inner []string
	if err := st.InTx(ctx, func(tx Tx) error {
		rows, err := tx.Query(ctx, sel, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(outer) < 4 {
			var v, w string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, sel, 3).Scan(&w); err != nil {
				return err
			}
			outer, inner = append(outer, v), append(inner, w)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := outer, []string{"a", "b", "c", "x"}; !equalStrings(got, want) {
		t.Errorf("outer rows = %v, want %v", got, want)
	}
	if got, want := inner, []string{"c", "c", "c", "c"}; !equalStrings(got, want) {
		t.Errorf("inner rows = %v, want %v", got, want)
	}

	err = st.InTx(ctx, func(tx Tx) error {
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

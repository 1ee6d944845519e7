// Package storetest gives each test its own migrated database: a SQLite
// file in a temp dir, or a fresh PostgreSQL schema when
// SUPPLYHUB_TEST_POSTGRES_URL is set, so test packages run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// EnvPostgresURL names the variable holding the PostgreSQL test server URL.
const EnvPostgresURL = "SUPPLYHUB_TEST_POSTGRES_URL"

// Kinds lists the databases to test against: SQLite always, PostgreSQL
// when EnvPostgresURL is set.
func Kinds() []string {
	if os.Getenv(EnvPostgresURL) != "" {
		return []string{store.KindSQLite, store.KindPostgres}
	}
	return []string{store.KindSQLite}
}

// Each runs fn as a subtest per database kind, logging why PostgreSQL is
// skipped when it is.
func Each(t *testing.T, fn func(t *testing.T, kind string)) {
	t.Helper()
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		t.Run(kind, func(t *testing.T) {
			if kind == store.KindPostgres {
				SkipWithoutPostgres(t)
			}
			fn(t, kind)
		})
	}
}

// SkipWithoutPostgres skips t with a clear message when no server is set.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvPostgresURL) == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgresURL)
	}
}

// URL returns a database URL for a new, empty database of kind: a SQLite
// file under a temp dir, or a new PostgreSQL schema selected through
// search_path and dropped when the test ends.
func URL(t testing.TB, kind string) string {
	t.Helper()
	if kind == store.KindSQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "supplyhub.db")
	}
	SkipWithoutPostgres(t)
	base := os.Getenv(EnvPostgresURL)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", EnvPostgresURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	if !q.Has("pool_max_conns") {
		q.Set("pool_max_conns", "4")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store (Supplyhub's and River's tables) of kind,
// closed when the test ends.
func Open(t testing.TB, kind string) *store.Store {
	t.Helper()
	return OpenURL(t, URL(t, kind))
}

// OpenURL opens and migrates the database at url, closed when the test ends.
func OpenURL(t testing.TB, u string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, u)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := jobs.Migrate(ctx, st); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

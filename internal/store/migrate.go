package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(kind string) ([]migration, error) {
	dir := path.Join("migrations", kind)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies every pending migration, each in its own transaction.
// Concurrent replicas serialise on an advisory lock (PostgreSQL) or the
// write lock (SQLite), so starting several at once is safe.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	ms, err := loadMigrations(s.d.Kind())
	if err != nil {
		return nil, err
	}
	if _, err := s.d.Exec(ctx, `CREATE TABLE IF NOT EXISTS supplyhub_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create table: %w", err)
	}
	for _, m := range ms {
		done, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

func (s *Store) applyMigration(ctx context.Context, m migration) (bool, error) {
	applied := false
	err := s.InTx(ctx, func(tx Tx) error {
		if s.d.Kind() == KindPostgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7301)`); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM supplyhub_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// Both drivers run a whole multi-statement script when it has no
		// arguments.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO supplyhub_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", m.name, err)
	}
	return applied, nil
}

// PendingMigrations reports how many of this build's migrations are not
// applied yet; /readyz is 503 while it is not zero.
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	ms, err := loadMigrations(s.d.Kind())
	if err != nil {
		return 0, err
	}
	var n int
	err = s.d.QueryRow(ctx, `SELECT count(*) FROM supplyhub_migrations`).Scan(&n)
	if err != nil {
		return len(ms), fmt.Errorf("count migrations: %w", err)
	}
	return len(ms) - n, nil
}

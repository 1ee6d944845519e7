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

// Migrate applies every pending Supplyhub migration; see MigrateWith.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	return s.MigrateWith(ctx, nil)
}

// MigrateWith applies every pending Supplyhub migration, then runs more
// (River's migrations), all under one lock:
// on PostgreSQL a session-level advisory lock held on one pinned
// connection that every step runs on, bookkeeping table included; on
// SQLite a single BEGIN IMMEDIATE transaction, which holds the file's
// write lock. Replicas or "migrate" commands started together on a fresh
// database therefore run one after the other, and the later ones find
// everything applied. more may be nil; it runs its steps through inTx,
// each in a transaction on the locked connection (on SQLite, inside the
// one transaction).
func (s *Store) MigrateWith(ctx context.Context, more MigrateMore) (applied []string, err error) {
	ms, err := loadMigrations(s.d.Kind())
	if err != nil {
		return nil, err
	}
	switch d := s.d.(type) {
	case *pgDriver:
		return migratePostgres(ctx, d, ms, more)
	default:
		err = s.InTx(ctx, func(tx Tx) error {
			var err error
			applied, err = applyAll(ctx, tx, ms)
			if err != nil {
				return err
			}
			if more != nil {
				return more(ctx, func(fn func(tx Tx) error) error { return fn(tx) })
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return applied, nil
	}
}

// MigrateMore runs further migrations under the migration lock, each
// step in a transaction through inTx.
type MigrateMore func(ctx context.Context, inTx func(fn func(tx Tx) error) error) error

// migrationLockKey is the advisory lock of one schema's migrations:
// replicas sharing a schema serialise, other schemas on the same
// database (tests, other tenants) do not wait for them.
const migrationLockKey = `hashtext('supplyhub_migrate:' || coalesce(current_schema(), ''))`

func migratePostgres(ctx context.Context, d *pgDriver, ms []migration, more MigrateMore) (applied []string, err error) {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		return nil, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// A session lock outlives the transaction: if it cannot be
		// released, close the connection rather than pool it still held.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+migrationLockKey+`)`); uerr != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	inTx := func(fn func(tx Tx) error) error {
		ptx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(&pgTx{tx: ptx}); err != nil {
			_ = ptx.Rollback(ctx)
			return err
		}
		if err := ptx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	// One transaction per migration, as before the lock covered them all:
	// a failure keeps the migrations applied before it.
	if err := inTx(func(tx Tx) error { return createBookkeeping(ctx, tx) }); err != nil {
		return nil, err
	}
	for _, m := range ms {
		var done bool
		if err := inTx(func(tx Tx) error {
			var err error
			done, err = applyMigration(ctx, tx, m)
			return err
		}); err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	if more != nil {
		if err := more(ctx, inTx); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

func createBookkeeping(ctx context.Context, tx Tx) error {
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS supplyhub_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create table: %w", err)
	}
	return nil
}

// applyAll applies every pending migration in tx (SQLite: the whole run
// is one transaction holding the write lock).
func applyAll(ctx context.Context, tx Tx, ms []migration) (applied []string, err error) {
	if err := createBookkeeping(ctx, tx); err != nil {
		return nil, err
	}
	for _, m := range ms {
		done, err := applyMigration(ctx, tx, m)
		if err != nil {
			return nil, err
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, tx Tx, m migration) (bool, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM supplyhub_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate %s: %w", m.name, err)
	}
	if n > 0 {
		return false, nil
	}
	// Both drivers run a whole multi-statement script when it has no
	// arguments.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migrate %s: %w", m.name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO supplyhub_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return false, fmt.Errorf("migrate %s: %w", m.name, err)
	}
	return true, nil
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

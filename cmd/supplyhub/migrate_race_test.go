package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// freshDatabase creates a new, empty PostgreSQL database (not just a
// schema: a fresh database has none of the types and tables that racing
// CREATE statements collide on) and drops it when the test ends.
func freshDatabase(t *testing.T) string {
	t.Helper()
	storetest.SkipWithoutPostgres(t)
	base := os.Getenv(storetest.EnvPostgresURL)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "mig_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("pool_max_conns", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestConcurrentMigrateFreshDatabase starts five "supplyhub migrate"
// processes at once on a fresh database, five rounds over, and requires
// every one to succeed: they must serialise on the migration lock, River's
// migrations included, instead of racing in CREATE TABLE.
func TestConcurrentMigrateFreshDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		cfgPath := testConfig(t, t.TempDir())
		for round := 0; round < 5; round++ {
			dbURL := storetest.URL(t, kind) // a new SQLite file
			if kind == store.KindPostgres {
				dbURL = freshDatabase(t)
			}
			concurrentMigrate(t, cfgPath, dbURL, round)
			if t.Failed() {
				return
			}
		}
	})
}

func concurrentMigrate(t *testing.T, cfgPath, dbURL string, round int) {
	t.Helper()
	const n = 5
	cmds := make([]*bytesCmd, n)
	for i := range cmds {
		c := command(t, cfgPath, dbURL, nil, "migrate")
		cmds[i] = &bytesCmd{cmd: c}
		c.Stdout, c.Stderr = &cmds[i].out, &cmds[i].out
	}
	// Start them all before waiting on any, so they overlap.
	for _, c := range cmds {
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, c := range cmds {
		wg.Add(1)
		go func() { defer wg.Done(); c.err = c.cmd.Wait() }()
	}
	wg.Wait()
	for i, c := range cmds {
		if c.err != nil {
			t.Errorf("round %d, migrate %d: %v\n%s", round, i, c.err, c.out.String())
		}
	}
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pending, err := st.PendingMigrations(context.Background())
	if err != nil || pending != 0 {
		t.Errorf("round %d: %d migrations pending (%v)", round, pending, err)
	}
	if n := queryInt(t, st, `SELECT count(*) FROM river_migration`); n == 0 {
		t.Errorf("round %d: River's migrations not applied", round)
	}
}

type bytesCmd struct {
	cmd *exec.Cmd
	out bytes.Buffer
	err error
}

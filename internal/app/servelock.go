package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ErrServeLocked is returned when another serve holds a SQLite database.
var ErrServeLocked = errors.New("another supplyhub serve is running on this SQLite database")

// claimSQLite makes this process the only serve of a SQLite database, by
// an exclusive flock on DB.serve.lock beside the file, and then makes the
// jobs a previous process left running available again at once: with the
// lock held nobody else can be working them, so waiting for River's
// rescue window (jobs.rescue_after) would only delay recovery after a
// crash. Operator commands do not take the lock and run beside serve.
// The returned release drops the lock; the kernel drops it too when the
// process dies, kill -9 included.
func (a *App) claimSQLite(ctx context.Context) (release func(), err error) {
	db := a.Store.SQLitePath()
	if db == "" {
		return func() {}, nil
	}
	path := db + ".serve.lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("serve lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s, lock %s held by pid %s): stop it first, or use PostgreSQL to run replicas",
				ErrServeLocked, db, path, string(holder))
		}
		return nil, fmt.Errorf("serve lock %s: %w", path, err)
	}
	// The pid is for the operator reading the error above; the lock is
	// the flock, not the file's content.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0)
	}
	n, err := jobs.RequeueRunning(ctx, a.Store)
	if err != nil {
		f.Close()
		return nil, err
	}
	if n > 0 {
		a.log.Warn("jobs left running by a previous process are available again", "jobs", n)
	}
	return func() { f.Close() }, nil
}

// claimReplica claims this replica's name on PostgreSQL (see
// jobs.ClaimReplica) and returns the River client ID to use; on SQLite it
// returns "" (River picks one; the serve lock does the same job there).
func (a *App) claimReplica(ctx context.Context) (string, error) {
	if a.Store.Kind() != store.KindPostgres {
		return "", nil
	}
	name := a.Cfg.Jobs.ReplicaName
	if name == "" {
		name, _ = os.Hostname()
	}
	r, err := jobs.ClaimReplica(ctx, a.Store, jobs.ReplicaName(name))
	if err != nil {
		return "", err
	}
	a.replica = r
	switch {
	case !r.Claimed:
		a.log.Warn("another live replica uses this replica name: jobs this process leaves running at a crash wait for jobs.rescue_after",
			"replica_name", name, "client_id", r.ID)
	case r.Requeued > 0:
		a.log.Warn("jobs left running by this replica's previous process are available again", "replica_name", r.Name, "jobs", r.Requeued)
	}
	return r.ID, nil
}

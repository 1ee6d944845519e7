package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supplyhub/supplyhub/internal/store"
)

// Replica is a serve process's identity on PostgreSQL. Its River client
// ID is "NAME/RANDOM": unique per process, as River requires, with the
// replica name first so that jobs it left running can be found again.
type Replica struct {
	// Name is the replica name, claimed for the process's lifetime.
	Name string
	// ID is the River client ID.
	ID string
	// Claimed is false when another live process held the name; Name is
	// then made unique and nothing was requeued.
	Claimed bool
	// Requeued counts jobs a previous process of this name left running.
	Requeued int64
	conn     *pgx.Conn
}

// ClaimReplica takes the replica name on PostgreSQL with a session
// advisory lock held on a connection of its own until Release. Holding
// it proves that no other live process uses the name: PostgreSQL drops
// the lock when the holder's connection closes, which the kernel does at
// once when a process dies, kill -9 included. So the jobs the name's
// previous process left running cannot be running anywhere: they are
// made available at once instead of after jobs.rescue_after. Call it
// before the River client starts.
func ClaimReplica(ctx context.Context, st *store.Store, name string) (*Replica, error) {
	r := &Replica{Name: name}
	pc, err := st.PgxPool().Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim replica %s: %w", name, err)
	}
	// Out of the pool: the connection lives as long as the claim.
	r.conn = pc.Hijack()
	if err := r.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('supplyhub_replica:' || coalesce(current_schema(), '') || ':' || $1))`, name).Scan(&r.Claimed); err != nil {
		r.Release(ctx)
		return nil, fmt.Errorf("claim replica %s: %w", name, err)
	}
	if !r.Claimed {
		// Another live process has the name: a unique one, which no
		// later process will ever claim, keeps its jobs out of reach.
		r.Name = name + "-" + randomHex(4)
	} else {
		tag, err := r.conn.Exec(ctx, `UPDATE river_job SET state = 'available'
WHERE state = 'running' AND split_part(attempted_by[array_length(attempted_by, 1)], '/', 1) = $1`, name)
		if err != nil {
			r.Release(ctx)
			return nil, fmt.Errorf("claim replica %s: requeue its running jobs: %w", name, err)
		}
		r.Requeued = tag.RowsAffected()
	}
	r.ID = r.Name + "/" + randomHex(6)
	return r, nil
}

// Release drops the claim (closing its connection). The lock is released
// by a statement first: PostgreSQL drops a closed session's locks only
// once its backend has finished, after Close returns, so a claim of the
// same name made right after Release could still find it held
// (TestClaimReplica failed that way about once in a few dozen runs).
func (r *Replica) Release(ctx context.Context) {
	if r != nil && r.conn != nil {
		ctx := context.WithoutCancel(ctx)
		uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, _ = r.conn.Exec(uctx, `SELECT pg_advisory_unlock_all()`)
		cancel()
		_ = r.conn.Close(ctx)
		r.conn = nil
	}
}

// ReplicaName cleans a host name into a replica name: River client IDs
// are at most 100 bytes, and "/" separates the name from the process part.
func ReplicaName(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", "-")
	if s == "" {
		s = "supplyhub"
	}
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

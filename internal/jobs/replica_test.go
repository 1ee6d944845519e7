package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestClaimReplica: a name is held by one live process at a time; the
// next holder requeues only the running jobs of its own name, and only
// once the previous holder is gone.
func TestClaimReplica(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	insert := func(state, attemptedBy string) int64 {
		t.Helper()
		var id int64
		err := st.DB().QueryRow(ctx, `INSERT INTO river_job (args, kind, max_attempts, state, attempt, attempted_at, attempted_by, finalized_at)
VALUES ('{}', 'dispatch', 10, $1::river_job_state, 1, now(), ARRAY[$2], CASE WHEN $1 = 'completed' THEN now() END) RETURNING id`, state, attemptedBy).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	stateOf := func(id int64) string {
		t.Helper()
		var s string
		if err := st.DB().QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	mine := insert("running", "web/aaaa")
	other := insert("running", "web-2/bbbb")
	done := insert("completed", "web/cccc")

	first, err := jobs.ClaimReplica(ctx, st, "web")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Claimed || first.Requeued != 1 || !strings.HasPrefix(first.ID, "web/") {
		t.Fatalf("first claim: %+v", first)
	}
	if stateOf(mine) != "available" || stateOf(other) != "running" || stateOf(done) != "completed" {
		t.Errorf("states after claim: mine %s, other %s, done %s", stateOf(mine), stateOf(other), stateOf(done))
	}
	// While the first holds the name, a second process gets a unique name
	// and requeues nothing, even a job that looks like the name's.
	again := insert("running", first.ID)
	second, err := jobs.ClaimReplica(ctx, st, "web")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Release(ctx)
	if second.Claimed || second.Requeued != 0 || second.Name == "web" || strings.HasPrefix(second.ID, "web/") {
		t.Errorf("second claim while held: %+v", second)
	}
	if stateOf(again) != "running" {
		t.Errorf("a live holder's job was requeued")
	}
	// Once the first is gone, the name is free and its job comes back.
	first.Release(ctx)
	third, err := jobs.ClaimReplica(ctx, st, "web")
	if err != nil {
		t.Fatal(err)
	}
	defer third.Release(ctx)
	if !third.Claimed || third.Requeued != 1 || stateOf(again) != "available" {
		t.Errorf("third claim: %+v, job %s", third, stateOf(again))
	}
}

package jobs_test

import (
	"context"
	"testing"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestMigrateDropsJSONIndexes: on PostgreSQL river_job keeps the indexes
// River fetches, completes and cleans up by, without the GIN indexes on
// args and metadata, and migrating again (a restart) is a no-op.
func TestMigrateDropsJSONIndexes(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	indexes := func() map[string]bool {
		t.Helper()
		rows, err := st.DB().Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'river_job'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got[n] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	check := func() {
		t.Helper()
		got := indexes()
		for _, n := range []string{"river_job_args_index", "river_job_metadata_index"} {
			if got[n] {
				t.Errorf("index %s still there", n)
			}
		}
		for _, n := range []string{"river_job_pkey", "river_job_prioritized_fetching_index", "river_job_state_and_finalized_at_index", "river_job_unique_idx", "river_job_kind"} {
			if !got[n] {
				t.Errorf("index %s missing", n)
			}
		}
	}
	check()
	if err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	check()
}

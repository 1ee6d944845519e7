package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// blockCompletion makes the database refuse to mark a webhook delivery's
// dispatch job completed while the table test_block has a row: the
// statement completing the job fails, and whatever is in its transaction
// with it rolls back.
var blockCompletion = map[string][]string{
	store.KindSQLite: {
		`CREATE TABLE test_block (x INTEGER)`,
		`INSERT INTO test_block VALUES (1)`,
		`CREATE TRIGGER test_block_completion BEFORE UPDATE OF state ON river_job
WHEN NEW.state = 'completed' AND EXISTS (SELECT 1 FROM test_block)
AND json_extract(NEW.args, '$.delivery_id') IN (SELECT id FROM deliveries WHERE kind = 'webhook')
BEGIN SELECT RAISE(ABORT, 'completion blocked by the test'); END`,
	},
}

// webhookJobStates lists the states of the webhook delivery's dispatch jobs.
var qWebhookJobStates = map[string]string{
	store.KindSQLite: `SELECT state FROM river_job WHERE kind = 'dispatch'
AND json_extract(args, '$.delivery_id') IN (SELECT id FROM deliveries WHERE kind = 'webhook')`,
}

// TestDeliveredAndJobCompletedInOneTransaction: a successful attempt's
// record (attempt row, delivery delivered, supplier order dispatched) and
// its job's completion commit together. While the database refuses the
// completion, every successful POST leaves neither: no attempt, the
// delivery still pending, the job not completed, and it is tried again.
// (Recorded in a transaction of its own, as before, the first POST left a
// delivered delivery whose job could not finish.) Once completion is
// allowed, the next attempt records both.
//
// The order's first attempt is its batch job's (DispatchBatchArgs), which
// River completes; it fails here, so that the retries run in the
// delivery's own dispatch job, the one completed with its record.
//
// SQLite only: on PostgreSQL River's batch completer finishes the job after
// the record (measured cheaper there, see BENCHMARKS.md).
func TestDeliveredAndJobCompletedInOneTransaction(t *testing.T) {
	for _, kind := range []string{store.KindSQLite} {
		ctx := context.Background()
		rcv := newReceiver(t, func(n int) (int, map[string]string) {
			if n == 1 {
				return 500, nil
			}
			return 200, nil
		})
		retry := make([]any, 40)
		for i := range retry {
			retry[i] = "200ms"
		}
		cfg := webhookConfig(t, storetest.URL(t, kind), rcv.srv.URL, webhook.NewSecret(), retry)
		d := apptest.StartConfig(t, cfg)
		st := d.App.Store
		for _, q := range blockCompletion[kind] {
			if _, err := st.DB().Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		jobStates := func() []string {
			t.Helper()
			rows, err := st.DB().Query(ctx, qWebhookJobStates[kind])
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}
		postOrder(t, d, "ONE-TX")
		// Three POSTs: the batch's failed one, and a successful one that
		// has ended (and was tried again).
		apptest.Eventually(t, 15*time.Second, "a third webhook attempt", func() bool { return len(rcv.calls()) >= 3 })
		checkAttempts(t, d, "webhook", []int{500}, "failed")
		for _, s := range jobStates() {
			if s == "completed" {
				t.Fatalf("job %s although its attempt's record rolled back", s)
			}
		}

		if _, err := st.DB().Exec(ctx, `DELETE FROM test_block`); err != nil {
			t.Fatal(err)
		}
		checkAttemptsEventually(t, d, "webhook", []int{500, 200}, "delivered")
		states := jobStates()
		if len(states) != 1 || states[0] != "completed" {
			t.Fatalf("webhook dispatch jobs %v, want one completed", states)
		}
		calls := rcv.calls()
		for i, c := range calls {
			if c.id != calls[0].id {
				t.Errorf("attempt %d: webhook-id %s, want %s", i+1, c.id, calls[0].id)
			}
		}
	}
}

package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
	"github.com/supplyhub/supplyhub/pipeline"
)

// twoHooks gives supplier 31 two webhook channels, "ok" and "bad", to two
// receivers, with bad's retry schedule: an order to 31 puts one delivery
// to each in the same batch job.
func twoHooks(t *testing.T, kind string, ok, bad *receiver, badRetry []any) *config.Config {
	t.Helper()
	cfg := apptest.Config(t, storetest.URL(t, kind))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Channels = []config.Channel{
		{Name: "ok", Type: "webhook", Settings: map[string]any{"url": ok.srv.URL, "secret": webhook.NewSecret()}},
		{Name: "bad", Type: "webhook", Settings: map[string]any{"url": bad.srv.URL, "secret": webhook.NewSecret(), "retry": badRetry}},
	}
	return cfg
}

// deliveryOn returns the only delivery on channel.
func deliveryOn(t *testing.T, d *apptest.Daemon, channel string) *domain.Delivery {
	t.Helper()
	for _, dl := range allDeliveries(t, d) {
		if dl.Channel == channel {
			return dl
		}
	}
	t.Fatalf("no delivery on %s", channel)
	return nil
}

// riverJobs lists the River jobs of kind as (args, state, attempt).
type riverJob struct {
	args    []byte
	state   string
	attempt int
}

func riverJobs(t *testing.T, d *apptest.Daemon, kind string) []riverJob {
	t.Helper()
	// River's SQLite schema keeps args as JSONB, which json() reads back.
	q := `SELECT json(args), state, attempt FROM river_job WHERE kind = $1 ORDER BY id`
	if d.App.Store.Kind() == store.KindPostgres {
		q = `SELECT args::text, state, attempt FROM river_job WHERE kind = $1 ORDER BY id`
	}
	rows, err := d.App.Store.DB().Query(context.Background(), q, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []riverJob
	for rows.Next() {
		var j riverJob
		var args string
		if err := rows.Scan(&args, &j.state, &j.attempt); err != nil {
			t.Fatal(err)
		}
		j.args = []byte(args)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dispatchJobsOf returns the DispatchArgs jobs of delivery id.
func dispatchJobsOf(t *testing.T, d *apptest.Daemon, id int64) []pipeline.DispatchArgs {
	t.Helper()
	var out []pipeline.DispatchArgs
	for _, j := range riverJobs(t, d, pipeline.DispatchArgs{}.Kind()) {
		var a pipeline.DispatchArgs
		if err := json.Unmarshal(j.args, &a); err != nil {
			t.Fatal(err)
		}
		if a.DeliveryID == id {
			out = append(out, a)
		}
	}
	return out
}

// TestBatchRetriesContinueItsAttempts: an order's two deliveries share a
// batch job. The one whose receiver answers is delivered once and never
// gets a job of its own; the failing one gets exactly one DispatchArgs job,
// whose attempts continue the batch's: with two retries scheduled it is
// dead after three attempts in all (attempts 2 and 3 logged as such), not
// after the batch's plus three.
func TestBatchRetriesContinueItsAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ok := newReceiver(t, func(int) (int, map[string]string) { return 200, nil })
		bad := newReceiver(t, func(int) (int, map[string]string) { return 500, nil })
		d, logs := apptest.StartLogged(t, twoHooks(t, kind, ok, bad, []any{"100ms", "100ms"}))
		postOrder(t, d, "B-1")
		apptest.Eventually(t, 15*time.Second, "bad delivery dead", func() bool {
			for _, dl := range allDeliveries(t, d) {
				if dl.Channel == "bad" && dl.Status == domain.DeliveryDead {
					return true
				}
			}
			return false
		})
		okDel, badDel := deliveryOn(t, d, "ok"), deliveryOn(t, d, "bad")
		if okDel.Status != domain.DeliveryDelivered || okDel.Attempts != 1 {
			t.Errorf("ok delivery %s after %d attempts, want delivered after 1", okDel.Status, okDel.Attempts)
		}
		if n := len(ok.calls()); n != 1 {
			t.Errorf("ok receiver called %d times, want 1", n)
		}
		if n := len(bad.calls()); n != 3 || badDel.Attempts != 3 {
			t.Errorf("bad receiver called %d times, %d attempts recorded; want 3 and 3 (two retries)", n, badDel.Attempts)
		}
		if js := dispatchJobsOf(t, d, okDel.ID); len(js) != 0 {
			t.Errorf("ok delivery has dispatch jobs %+v, want none", js)
		}
		if js := dispatchJobsOf(t, d, badDel.ID); len(js) != 1 || js[0].Prior != 1 {
			t.Errorf("bad delivery has dispatch jobs %+v, want one with prior 1", js)
		}
		if bs := riverJobs(t, d, pipeline.DispatchBatchArgs{}.Kind()); len(bs) != 1 {
			t.Errorf("%d batch jobs, want 1", len(bs))
		}
		for n := 1; n <= 3; n++ {
			if !loggedAttempt(logs.String(), "bad", n) {
				t.Errorf("no failure logged for attempt %d on bad:\n%s", n, logs.String())
			}
		}
	})
}

// loggedAttempt reports whether a warning or error about channel's
// attempt n was logged, with its order and supplier.
func loggedAttempt(logs, channel string, n int) bool {
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Level, Channel, Order, Supplier string
			Attempt                         int
		}
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		if (l.Level == "WARN" || l.Level == "ERROR") && l.Channel == channel && l.Attempt == n && l.Order != "" && l.Supplier != "" {
			return true
		}
	}
	return false
}

// TestBatchThrottledKeepsItsRetries: a receiver throttling the batch's
// attempt is tried again after its Retry-After, without using a retry:
// with none scheduled, the delivery still arrives.
func TestBatchThrottledKeepsItsRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ok := newReceiver(t, func(int) (int, map[string]string) { return 200, nil })
		bad := newReceiver(t, func(n int) (int, map[string]string) {
			if n == 1 {
				return 429, map[string]string{"Retry-After": "1"}
			}
			return 200, nil
		})
		d := apptest.StartConfig(t, twoHooks(t, kind, ok, bad, []any{}))
		postOrder(t, d, "B-2")
		apptest.Eventually(t, 15*time.Second, "throttled delivery delivered", func() bool {
			return deliveryOn(t, d, "bad").Status == domain.DeliveryDelivered
		})
		if n := len(bad.calls()); n != 2 {
			t.Errorf("throttling receiver called %d times, want 2", n)
		}
		if js := dispatchJobsOf(t, d, deliveryOn(t, d, "bad").ID); len(js) != 1 || js[0].Prior != 0 {
			t.Errorf("throttled delivery has dispatch jobs %+v, want one with prior 0", js)
		}
	})
}

// TestBatchRerunSendsNothingTwice: the batch job run again (as River does
// after a rescue or an error) leaves out the delivered delivery and the
// failed one, whose own job has its retry: nothing is sent, and no second
// retry job is made.
func TestBatchRerunSendsNothingTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ok := newReceiver(t, func(int) (int, map[string]string) { return 200, nil })
		bad := newReceiver(t, func(int) (int, map[string]string) { return 500, nil })
		// The retry is an hour away: it stays scheduled while the batch
		// runs again.
		d := apptest.StartConfig(t, twoHooks(t, kind, ok, bad, []any{"1h"}))
		postOrder(t, d, "B-3")
		apptest.Eventually(t, 15*time.Second, "both first attempts recorded", func() bool {
			return deliveryOn(t, d, "ok").Attempts == 1 && deliveryOn(t, d, "bad").Attempts == 1
		})
		batches := riverJobs(t, d, pipeline.DispatchBatchArgs{}.Kind())
		if len(batches) != 1 {
			t.Fatalf("%d batch jobs, want 1", len(batches))
		}
		var args pipeline.DispatchBatchArgs
		if err := json.Unmarshal(batches[0].args, &args); err != nil {
			t.Fatal(err)
		}
		if err := d.App.Queue.Insert(context.Background(), []river.InsertManyParams{pipeline.DispatchBatchJob(args.DeliveryIDs)}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 15*time.Second, "second batch run completed", func() bool {
			bs := riverJobs(t, d, pipeline.DispatchBatchArgs{}.Kind())
			return len(bs) == 2 && bs[0].state == "completed" && bs[1].state == "completed"
		})
		if n, m := len(ok.calls()), len(bad.calls()); n != 1 || m != 1 {
			t.Errorf("receivers called %d and %d times, want 1 and 1", n, m)
		}
		okDel, badDel := deliveryOn(t, d, "ok"), deliveryOn(t, d, "bad")
		if okDel.Attempts != 1 || badDel.Attempts != 1 || badDel.Status != domain.DeliveryFailed {
			t.Errorf("attempts %d and %d (bad %s), want 1 and 1 (failed)", okDel.Attempts, badDel.Attempts, badDel.Status)
		}
		if js := dispatchJobsOf(t, d, badDel.ID); len(js) != 1 {
			t.Errorf("failed delivery has dispatch jobs %+v, want one", js)
		}
		if js := dispatchJobsOf(t, d, okDel.ID); len(js) != 0 {
			t.Errorf("delivered delivery has dispatch jobs %+v, want none", js)
		}
	})
}

// TestBatchHandsOverLaterEvents: a batch job holding a delivery of another
// event than order.created (ingest never makes one, but a batch must not
// attempt it out of its order) hands it to a dispatch job of its own, with
// a new wake generation, which delivers it; the batch run again leaves it
// alone.
func TestBatchHandsOverLaterEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		ok := newReceiver(t, func(int) (int, map[string]string) { return 200, nil })
		d := apptest.StartConfig(t, twoHooks(t, kind, ok, ok, []any{"1h"}))
		postOrder(t, d, "B-4")
		apptest.Eventually(t, 15*time.Second, "order delivered", func() bool {
			return deliveryOn(t, d, "ok").Status == domain.DeliveryDelivered
		})
		created := deliveryOn(t, d, "ok")
		load, err := d.App.Store.DeliveryForDispatch(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		later := &domain.Delivery{SupplierOrderID: created.SupplierOrderID, SupplierID: created.SupplierID, Channel: "ok",
			Kind: "webhook", Event: domain.EventOrderCancelled, Snapshot: load.Snapshot}
		if err := d.App.Store.InTx(ctx, func(tx store.Tx) error {
			_, err := d.App.Store.InsertDelivery(ctx, tx, later)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for run := 1; run <= 2; run++ {
			if err := d.App.Queue.Insert(ctx, []river.InsertManyParams{pipeline.DispatchBatchJob([]int64{later.ID})}); err != nil {
				t.Fatal(err)
			}
			apptest.Eventually(t, 15*time.Second, fmt.Sprintf("batch run %d completed", run), func() bool {
				n := 0
				for _, j := range riverJobs(t, d, pipeline.DispatchBatchArgs{}.Kind()) {
					if j.state == "completed" {
						n++
					}
				}
				return n == run+1 // the order's own batch, then each run
			})
			if js := dispatchJobsOf(t, d, later.ID); len(js) != 1 || js[0].WakeGen != 1 {
				t.Fatalf("run %d: dispatch jobs of the later event %+v, want one with wake_gen 1", run, js)
			}
		}
		apptest.Eventually(t, 15*time.Second, "later event delivered", func() bool {
			dl, err := d.App.Store.DeliveryByID(ctx, later.ID)
			return err == nil && dl.Status == domain.DeliveryDelivered && dl.Attempts == 1
		})
	})
}

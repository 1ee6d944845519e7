package main

import (
	"context"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// faultSize is the kill -9 burst's size: n orders from m senders, k kills.
// SUPPLYHUB_FAULT_LONG=1 selects the long form.
func faultSize() (n, m, k int, settle time.Duration) {
	if os.Getenv("SUPPLYHUB_FAULT_LONG") != "" {
		return 10000, 32, 5, 5 * time.Minute
	}
	return 1000, 32, 2, 2 * time.Minute
}

// TestKill9Burst posts a burst of orders, each owing a webhook and two
// files, and kill -9s the daemon at random points k times in a row,
// restarting it each time while the senders keep posting (a post the kill
// cut off is sent again with the same external id). Once settled, every
// acknowledged order is stored once, every owed delivery was made with the
// stored order's content, and no webhook-id came with two bodies.
func TestKill9Burst(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	n, m, k, settleLimit := faultSize()
	storetest.Each(t, func(t *testing.T, kind string) {
		dbURL := storetest.URL(t, kind)
		dataDir := t.TempDir()
		hook := newHookReceiver(t)
		cfgPath := faultConfig(t, dataDir, hook, "", "")
		watch := watchOutbox(t, dataDir)
		var cur atomic.Pointer[proc]
		cur.Store(startServe(t, cfgPath, dbURL))
		key := createKey(t, cfgPath, dbURL, "--retailer", "acme")
		seed := uint64(time.Now().UnixNano())
		rng := rand.New(rand.NewPCG(seed, 0))
		t.Logf("kill points drawn with seed %d", seed)

		b := newBurst(key, true, func(int, int) string { return cur.Load().url })
		b.start(n, m)
		defer b.cancel()
		var lastReady time.Time
		span := n / (k + 1)
		for j := 1; j <= k; j++ {
			// Somewhere in the middle half of the j-th slice of the burst.
			at := int64(j*span - span/4 + rng.IntN(span/2+1))
			if !b.waitAccepted(at) {
				t.Fatalf("kill %d: the burst ended before %d orders were accepted: %v", j, at, b.failures())
			}
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			cur.Load().kill9()
			if got := b.accepted.Load(); got >= int64(n) {
				t.Fatalf("kill %d came after the whole burst was accepted: nothing was tested", j)
			}
			cur.Store(startServe(t, cfgPath, dbURL))
			lastReady = time.Now()
		}
		<-b.done
		if f := b.failures(); len(f) > 0 {
			t.Fatalf("%d posts failed, first: %s", len(f), f[0])
		}
		burstEnd := time.Now()

		st, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		waitSettled(t, st, settleLimit, nil)
		settle, drain := time.Since(lastReady), time.Since(burstEnd)
		sos, byExt := storedOrders(t, st, "acme")
		b.checkAcked(t, byExt)
		rep := checkDeliveries(t, st, dataDir, sos, hook, watch)
		sent, accepted, retried := b.counts()
		t.Logf("FAULT kill9 %s n=%d m=%d k=%d sent=%d accepted=%d retried=%d stored=%d owed=%d delivered=%d webhooks=%d file_writes=%d dup_same=%d dup_conflict=%d recorded_dup=%d tmp_left=%d settle=%s after_burst=%s",
			kind, n, m, k, sent, accepted, retried, len(byExt), rep.owed, rep.delivered, rep.hook.requests, rep.fileWrites,
			rep.dupSame(), rep.dupConflict(), rep.recordedDup, rep.tmpLeft, settle.Round(time.Millisecond), drain.Round(time.Millisecond))
		if accepted != n || len(byExt) != n {
			t.Errorf("%d of %d orders accepted, %d stored: every order is retried until answered", accepted, n, len(byExt))
		}
		if rep.owed != 3*len(byExt) || rep.delivered != rep.owed {
			t.Errorf("%d deliveries owed (want 3 per order, %d), %d delivered with the right content", rep.owed, 3*len(byExt), rep.delivered)
		}
		if rep.hook.conflicts > 0 { // files: checked by checkDeliveries
			t.Errorf("%d webhook-ids were received with different bodies", rep.hook.conflicts)
		}
		// A delivery recorded as delivered is never attempted again: a
		// rescued job finds it delivered. Repeats happen only unrecorded.
		if rep.recordedDup > 0 {
			t.Errorf("%d deliveries have more than one successful attempt recorded", rep.recordedDup)
		}
		cur.Load().stop(t)
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func orderJSON(ext string) []byte {
	return []byte(`{"external_id":"` + ext + `","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":2,"unit_price":1250},
{"sku":"PNT-9","supplier":"40","name":"Paint","quantity":1,"unit_price":2000}],"shipping":{"31":500}}`)
}

var client = &http.Client{Timeout: 10 * time.Second}

// post sends one order and returns the number when the answer was 2xx.
func post(url, key, ext string) (string, bool) {
	req, _ := http.NewRequest("POST", url+"/api/v1/orders", bytes.NewReader(orderJSON(ext)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", false
	}
	var o struct{ Number string }
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		return "", false // the answer was cut off: not acknowledged
	}
	return o.Number, true
}

// countFiles counts delivered files (not temp files) in dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".tmp-") {
			n++
		}
	}
	return n
}

func queryInt(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestCrashSafety posts 2,000 orders from 32 senders, kill -9s the daemon
// once 500 are acknowledged and lets the rest of the burst hit the dead
// port. After a restart: every acknowledged order is stored under the
// number its answer gave; an order whose answer the kill cut off is stored
// whole (supplier orders, lines, deliveries) or not at all; every delivery
// is made with the stored order's content and recorded as made exactly
// once; no webhook-id reaches the receiver with two different bodies
// (the same body twice is the documented crash window, and is counted).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		dbURL := storetest.URL(t, kind)
		dataDir := t.TempDir()
		hook := newHookReceiver(t)
		cfgPath := faultConfig(t, dataDir, hook, "", "")
		watch := watchOutbox(t, dataDir)
		p := startServe(t, cfgPath, dbURL)
		key := createKey(t, cfgPath, dbURL, "--retailer", "acme")

		const total, concurrency, killAfter = 2000, 32, 500
		b := newBurst(key, false, func(int, int) string { return p.url })
		b.start(total, concurrency)
		defer b.cancel()
		if !b.waitAccepted(killAfter) {
			t.Fatalf("the burst ended before %d orders were accepted: %v", killAfter, b.failures())
		}
		p.kill9()
		<-b.done
		if f := b.failures(); len(f) > 0 {
			t.Fatalf("%d posts failed, first: %s", len(f), f[0])
		}
		sent, acked, cut := b.counts()
		if acked >= total {
			t.Fatal("the kill came after the burst: nothing was tested")
		}

		p2 := startServe(t, cfgPath, dbURL)
		restarted := time.Now()
		st, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		waitSettled(t, st, 90*time.Second, nil)
		settle := time.Since(restarted)
		sos, byExt := storedOrders(t, st, "acme")
		b.checkAcked(t, byExt)
		rep := checkDeliveries(t, st, dataDir, sos, hook, watch)
		t.Logf("FAULT crash %s sent=%d accepted=%d unanswered=%d stored=%d owed=%d delivered=%d webhooks=%d file_writes=%d dup_same=%d dup_conflict=%d recorded_dup=%d tmp_left=%d settle=%s",
			kind, sent, acked, cut, len(byExt), rep.owed, rep.delivered, rep.hook.requests, rep.fileWrites, rep.dupSame(),
			rep.dupConflict(), rep.recordedDup, rep.tmpLeft, settle.Round(time.Millisecond))
		if len(byExt) < acked || len(byExt) > acked+cut {
			t.Errorf("%d orders stored: want between the %d acknowledged and the %d sent before the kill", len(byExt), acked, acked+cut)
		}
		if rep.owed != 3*len(byExt) || rep.delivered != rep.owed {
			t.Errorf("%d deliveries owed (want 3 per stored order, %d), %d delivered with the right content", rep.owed, 3*len(byExt), rep.delivered)
		}
		if rep.hook.conflicts > 0 { // files: checked by checkDeliveries
			t.Errorf("%d webhook-ids were received with different bodies", rep.hook.conflicts)
		}
		if rep.recordedDup > 0 {
			t.Errorf("%d deliveries have more than one successful attempt recorded", rep.recordedDup)
		}
		p2.stop(t)
	})
}

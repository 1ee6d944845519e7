package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
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

// TestCrashSafety posts 2,000 orders concurrently, kill -9s the daemon in
// the middle, restarts it, and checks that every acknowledged order is
// stored with its supplier orders and that every stored supplier order is
// dispatched exactly once per channel (one file each, none missing).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		dbURL := storetest.URL(t, kind)
		dataDir := t.TempDir()
		cfgPath := testConfig(t, dataDir)
		// Short rescue window so jobs left running by the killed process
		// are picked up again within the test.
		t.Setenv("SUPPLYHUB_JOBS_ATTEMPT_TIMEOUT", "2s")
		t.Setenv("SUPPLYHUB_JOBS_RESCUE_AFTER", "3s")
		p := startServe(t, cfgPath, dbURL)
		key := createKey(t, cfgPath, dbURL, "--retailer", "acme")

		const total, concurrency, killAfter = 2000, 32, 500
		var acked sync.Map // ext → number
		var ok atomic.Int64
		next := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					ext := fmt.Sprintf("C-%05d", i)
					if n, good := post(p.url, key, ext); good {
						acked.Store(ext, n)
						ok.Add(1)
					}
				}
			}()
		}
		killed := make(chan struct{})
		go func() {
			for ok.Load() < killAfter {
				time.Sleep(time.Millisecond)
			}
			p.kill9()
			close(killed)
		}()
		for i := 0; i < total; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
		<-killed
		nAcked := int(ok.Load())
		t.Logf("%s: %d of %d orders acknowledged before and around the kill", kind, nAcked, total)
		if nAcked >= total {
			t.Fatal("the kill came after the burst: nothing was tested")
		}

		p2 := startServe(t, cfgPath, dbURL)
		st, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		acme, err := st.RetailerByCode(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		acked.Range(func(k, v any) bool {
			var id int64
			fmt.Sscan(v.(string), &id)
			o, err := st.OrderByID(context.Background(), nil, acme.ID, id)
			if err != nil {
				t.Errorf("acknowledged order %s (%v) is not stored: %v", k, v, err)
				return true
			}
			if o.Header.ExternalID != k.(string) || len(o.Suppliers) != 2 {
				t.Errorf("order %v: external id %s, %d supplier orders", v, o.Header.ExternalID, len(o.Suppliers))
			}
			return true
		})
		stored := queryInt(t, st, `SELECT count(*) FROM orders`)
		if stored < nAcked {
			t.Fatalf("%d orders stored, fewer than the %d acknowledged", stored, nAcked)
		}
		deadline := time.Now().Add(90 * time.Second)
		for {
			pending := queryInt(t, st, `SELECT count(*) FROM deliveries WHERE status <> 'delivered'`)
			f31, f40 := countFiles(t, dataDir+"/outbox/31"), countFiles(t, dataDir+"/outbox/40")
			if pending == 0 && f31 == stored && f40 == stored {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 90s: %d deliveries not delivered; files 31=%d 40=%d for %d stored orders", pending, f31, f40, stored)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if n := queryInt(t, st, `SELECT count(*) FROM deliveries`); n != 2*stored {
			t.Errorf("%d deliveries for %d orders, want exactly 2 per order", n, stored)
		}
		if n := queryInt(t, st, `SELECT count(*) FROM supplier_orders WHERE status <> 'dispatched'`); n != 0 {
			t.Errorf("%d supplier orders not marked dispatched", n)
		}
		// Every acknowledged order's files are there, with the right name.
		acked.Range(func(_, v any) bool {
			for _, sup := range []string{"31", "40"} {
				if _, err := os.Stat(fmt.Sprintf("%s/outbox/%s/%s-%s.json", dataDir, sup, v, sup)); err != nil {
					t.Errorf("order %v: %v", v, err)
				}
			}
			return true
		})
		p2.stop(t)
	})
}

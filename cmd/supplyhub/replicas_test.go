package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestTwoReplicasShareJobs runs two serve processes on one PostgreSQL
// schema, posts orders to both, and checks that both work dispatch jobs
// and that no delivery is attempted twice.
func TestTwoReplicasShareJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.SkipWithoutPostgres(t)
	dbURL := storetest.URL(t, store.KindPostgres)
	dataDir := t.TempDir()
	cfgPath := testConfig(t, dataDir)
	a := startServe(t, cfgPath, dbURL)
	b := startServe(t, cfgPath, dbURL)
	key := createKey(t, cfgPath, dbURL, "--retailer", "acme")

	const total = 600
	var wg sync.WaitGroup
	errs := make(chan string, total)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += 16 {
				url := a.url
				if i%2 == 1 {
					url = b.url
				}
				// Every order is posted to both replicas: the second post
				// must find the first, whichever commits first.
				ext := fmt.Sprintf("R-%04d", i)
				n1, ok1 := post(url, key, ext)
				n2, ok2 := post(map[string]string{a.url: b.url, b.url: a.url}[url], key, ext)
				if !ok1 || !ok2 || n1 != n2 {
					errs <- fmt.Sprintf("%s: %v/%v numbers %s/%s", ext, ok1, ok2, n1, n2)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := queryInt(t, st, `SELECT count(*) FROM orders`); n != total {
		t.Fatalf("%d orders stored, want %d", n, total)
	}
	deadline := time.Now().Add(60 * time.Second)
	for queryInt(t, st, `SELECT count(*) FROM deliveries WHERE status <> 'delivered'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("deliveries not done after 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := queryInt(t, st, `SELECT count(*) FROM deliveries`); n != 2*total {
		t.Errorf("%d deliveries, want %d", n, 2*total)
	}
	if n := queryInt(t, st, `SELECT count(*) FROM (SELECT delivery_id FROM delivery_attempts GROUP BY delivery_id HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d deliveries were attempted more than once", n)
	}
	if n := queryInt(t, st, `SELECT count(*) FROM delivery_attempts`); n != 2*total {
		t.Errorf("%d attempts for %d deliveries", n, 2*total)
	}
	workers := queryInt(t, st, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job WHERE kind IN ('dispatch', 'dispatch_batch')`)
	if workers != 2 {
		t.Errorf("jobs were worked by %d replicas, want both", workers)
	}
	if f := countFiles(t, dataDir+"/outbox/31"); f != total {
		t.Errorf("%d files for supplier 31, want %d", f, total)
	}
	a.stop(t)
	b.stop(t)
}

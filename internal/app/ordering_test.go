package app_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestOrderedChainMovesOnAtOnce: six events about one supplier order go to
// a retailer endpoint that fails the first 20 attempts (~10 s). The five
// later events wait for the first without polling every 2 s as they used
// to (each is snoozed with a growing backoff), and once the first is
// delivered each finished delivery wakes the next: the chain completes in
// order within moments, where it used to take ~2 s per link.
func TestOrderedChainMovesOnAtOnce(t *testing.T) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		t.Run(kind, func(t *testing.T) { orderedChain(t, kind) })
	}
}

type timedCall struct {
	id     string
	status int
	at     time.Time
}

func orderedChain(t *testing.T, kind string) {
	const failures = 20
	var mu sync.Mutex
	var calls []timedCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		status := 204
		if len(calls) < failures {
			status = 503
		}
		calls = append(calls, timedCall{r.Header.Get("webhook-id"), status, time.Now()})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	snapshot := func() []timedCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]timedCall(nil), calls...)
	}

	retry := []any{}
	for i := 0; i < failures+5; i++ {
		retry = append(retry, "500ms")
	}
	cfg := apptest.Config(t, storetest.URL(t, kind))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": srv.URL, "secret": webhook.NewSecret(), "retry": retry}}}
	d := apptest.StartConfig(t, cfg)
	number := postOrder(t, d, "CHAIN-1")
	// Each change also moves the order's own status: two events each.
	for _, c := range []string{`{"status":"acknowledged"}`, `{"status":"shipped","tracking":{"carrier":"DHL","number":"JD9"}}`, `{"status":"delivered"}`} {
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"-31/status", d.Keys["supplier:31"], c); code != 200 {
			t.Fatalf("%s: %d %s", c, code, b)
		}
	}
	apptest.Eventually(t, 60*time.Second, "six events delivered", func() bool {
		n := 0
		for _, c := range snapshot() {
			if c.status == 204 {
				n++
			}
		}
		return n >= 6
	})

	var ok []timedCall
	for _, c := range snapshot() {
		if c.status == 204 {
			ok = append(ok, c)
		}
	}
	seen := map[string]bool{}
	last := -1
	for _, c := range ok {
		var n int
		if _, err := fmt.Sscanf(c.id, "msg_%d", &n); err != nil {
			t.Fatalf("webhook-id %q: %v", c.id, err)
		}
		if n <= last || seen[c.id] {
			t.Errorf("%s delivered after msg_%d", c.id, last)
		}
		seen[c.id], last = true, n
	}
	chain := ok[len(ok)-1].at.Sub(ok[0].at)
	t.Logf("%s: chain of %d delivered %s after the first success (%d failed attempts before)", kind, len(ok), chain.Round(time.Millisecond), failures)
	if chain > 3*time.Second {
		t.Errorf("the chain took %s after the first event was delivered; each link should be woken at once", chain)
	}

	// How often the waiting jobs ran while blocked: each run that found an
	// earlier event unfinished is a snooze. A backoff doubling from 2 s
	// allows about log2(blocked/2 s) of them; polling every 2 s made it
	// blocked/2 s.
	blocked := ok[0].at.Sub(snapshot()[0].at)
	limit := 2 + int(math.Log2(blocked.Seconds()/2+1))
	q := `SELECT json_extract(args, '$.delivery_id'), coalesce(json_extract(metadata, '$.snoozes'), 0) FROM river_job WHERE kind = 'dispatch'`
	if kind == store.KindPostgres {
		q = `SELECT (args->>'delivery_id')::bigint, coalesce((metadata->>'snoozes')::int, 0) FROM river_job WHERE kind = 'dispatch'`
	}
	rows, err := d.App.Store.DB().Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		total += int(n)
		if n > int64(limit) {
			t.Errorf("the job of delivery %d was snoozed %d times while blocked %s, want at most %d", id, n, blocked.Round(time.Millisecond), limit)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d snoozes in all while blocked %s (at most %d per job allowed)", kind, total, blocked.Round(time.Millisecond), limit)
}

package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
)

// TestPostgresRestartMidRun: the daemon runs on a private PostgreSQL that
// is stopped (-m immediate, as a crash) while orders are being posted.
// While it is down, POSTs get a prompt 503 with a JSON error, /readyz is
// 503 and /healthz stays up; once it is back, /readyz recovers and every
// order that got a 201 is delivered, before, during and after the outage.
func TestPostgresRestartMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and restarts a PostgreSQL server")
	}
	pg := startPGCluster(t)
	l := newLedger()
	l.setUp(true)
	rcv := httptest.NewServer(l)
	t.Cleanup(rcv.Close)
	cfg := apptest.Config(t, pg.URL())
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": rcv.URL + "/supplier", "secret": webhook.NewSecret(), "retry": outageRetry()}}}
	d := apptest.StartConfig(t, cfg)
	key := d.Keys["retailer:acme"]

	var accepted sync.Map // order number -> true
	var sent, refused atomic.Int64
	var slowest atomic.Int64
	post := func(ext string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		start := time.Now()
		code, b, err := call(ctx, d.URL, "POST", "/api/v1/orders", key, faultOrderBody(ext))
		if took := int64(time.Since(start)); took > slowest.Load() {
			slowest.Store(took)
		}
		sent.Add(1)
		switch {
		case err != nil:
			return 0, fmt.Errorf("%s: no answer: %w", ext, err)
		case code == 201:
			accepted.Store(orderNumber(b), true)
		case code == 503 && errorCode(b) == "unavailable":
			refused.Add(1)
		default:
			return code, fmt.Errorf("%s: %d %s", ext, code, b)
		}
		return code, nil
	}
	for _, err := range parallel(40, 4, func(i int) error {
		if code, err := post(fmt.Sprintf("PG-A%d", i)); err != nil || code != 201 {
			return fmt.Errorf("before the outage: %d %v", code, err)
		}
		return nil
	}) {
		t.Fatal(err)
	}

	// Posters keep going while the server stops under them.
	stopPosting := make(chan struct{})
	var posters sync.WaitGroup
	var posterErrs []error
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		posters.Add(1)
		go func() {
			defer posters.Done()
			for i := 0; ; i++ {
				select {
				case <-stopPosting:
					return
				default:
				}
				if _, err := post(fmt.Sprintf("PG-B%d-%d", w, i)); err != nil {
					mu.Lock()
					posterErrs = append(posterErrs, err)
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // some posts land before the stop
	pg.stop(t)
	stoppedAt := time.Now()
	apptest.Eventually(t, 15*time.Second, "/readyz 503 while PostgreSQL is down", func() bool {
		code, _, _ := d.Do(t, "GET", "/readyz", "", nil)
		return code == 503
	})
	apptest.Eventually(t, 15*time.Second, "a POST refused with 503 while down", func() bool { return refused.Load() > 0 })
	if code, _, _ := d.Do(t, "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("/healthz %d while the database is down: the process should stay up", code)
	}
	time.Sleep(time.Second) // a second of refused posts
	pg.start(t)
	startedAt := time.Now()
	apptest.Eventually(t, 30*time.Second, "/readyz 200 after PostgreSQL is back", func() bool {
		code, _, _ := d.Do(t, "GET", "/readyz", "", nil)
		return code == 200
	})
	readyAfter := time.Since(startedAt)
	var acceptedAgain time.Duration
	apptest.Eventually(t, 30*time.Second, "a POST accepted again", func() bool {
		code, err := post(fmt.Sprintf("PG-C-%d", time.Now().UnixNano()))
		acceptedAgain = time.Since(startedAt)
		return err == nil && code == 201
	})
	close(stopPosting)
	posters.Wait()
	for _, err := range posterErrs {
		t.Error(err)
	}
	if s := time.Duration(slowest.Load()); s > 5*time.Second {
		t.Errorf("the slowest POST took %s: requests should fail fast while the database is down, not hang", s)
	}

	var want []string
	accepted.Range(func(k, _ any) bool { want = append(want, k.(string)+"-31"); return true })
	apptest.Eventually(t, 60*time.Second, "every accepted order delivered", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		got := map[string]bool{}
		for so := range l.lastID {
			got[strings.TrimPrefix(so, "/supplier ")] = true
		}
		for _, so := range want {
			if !got[so] {
				return false
			}
		}
		return true
	})
	deliveredAfter := time.Since(startedAt)
	distinct, dups := l.check(t, len(want))
	t.Logf("FAULT postgres-restart sent=%d stored=%d delivered=%d duplicates=%d recover=%s (refused 503: %d, down %s, /readyz ok %s after start, first 201 %s after, all delivered %s after, slowest POST %s)",
		sent.Load(), len(want), distinct, dups, readyAfter.Round(time.Millisecond), refused.Load(),
		startedAt.Sub(stoppedAt).Round(time.Millisecond), readyAfter.Round(time.Millisecond),
		acceptedAgain.Round(time.Millisecond), deliveredAfter.Round(time.Millisecond), time.Duration(slowest.Load()).Round(time.Millisecond))
}

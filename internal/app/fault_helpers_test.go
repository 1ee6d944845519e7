package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// allDeliveries pages through every delivery in the daemon's store.
func allDeliveries(t *testing.T, d *apptest.Daemon) []*domain.Delivery {
	t.Helper()
	var out []*domain.Delivery
	var after int64
	for {
		page, err := d.App.Store.FindDeliveries(context.Background(), store.DeliveryFilter{AfterID: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out
		}
		after = page[len(page)-1].ID
	}
}

// faultOrderBody is a one-line order for supplier 31.
func faultOrderBody(ext string) string {
	return `{"external_id":"` + ext + `","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":2,"unit_price":1250}]}`
}

// call sends one request and returns the status and body; unlike
// Daemon.Do it is safe from any goroutine and reports transport errors.
func call(ctx context.Context, base, method, path, key, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// parallel runs f(i) for i in [0,n) on workers goroutines and returns the
// errors f reported.
func parallel(n, workers int, f func(i int) error) []error {
	var mu sync.Mutex
	var errs []error
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// ledger is a webhook receiver that checks what a real receiver relies
// on: one content per webhook-id, and per supplier order and endpoint the
// accepted messages in the order Supplyhub created them (msg_<delivery id>
// grows with creation).
type ledger struct {
	mu       sync.Mutex
	up       bool
	first    map[string][]byte // first body per id: every repeat must equal it
	accepted map[string]int    // webhook-id -> times answered 2xx
	lastID   map[string]int64
	failed   map[string]int // supplier order -> failed attempts seen
	problems []string
	calls    int
}

func newLedger() *ledger {
	return &ledger{first: map[string][]byte{}, accepted: map[string]int{}, lastID: map[string]int64{}, failed: map[string]int{}}
}

var msgID = regexp.MustCompile(`^msg_(\d+)$`)

// ServeHTTP answers 503 while down, 204 while up; path names the endpoint.
func (l *ledger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	id := r.Header.Get("webhook-id")
	var ev struct {
		Data struct {
			Number        string `json:"number"`
			SupplierOrder struct {
				Number string `json:"number"`
			} `json:"supplier_order"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	so := ev.Data.Number
	if so == "" {
		so = ev.Data.SupplierOrder.Number
	}
	l.mu.Lock()
	l.calls++
	// The whole body, data.supplier_order included, is fixed per
	// webhook-id (only the webhook-timestamp header and the signature
	// change per attempt).
	if first, ok := l.first[id]; !ok {
		l.first[id] = body
	} else if !bytes.Equal(first, body) {
		l.problems = append(l.problems, fmt.Sprintf("%s sent with two contents:\n%s\n%s", id, first, body))
	}
	if !l.up {
		l.failed[so]++
		l.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	m := msgID.FindStringSubmatch(id)
	if m == nil || so == "" {
		l.problems = append(l.problems, fmt.Sprintf("message %q about %q unreadable", id, so))
	} else {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		key := r.URL.Path + " " + so
		if l.accepted[id] == 0 && n < l.lastID[key] {
			l.problems = append(l.problems, fmt.Sprintf("%s: %s arrived after msg_%d", key, id, l.lastID[key]))
		}
		if n > l.lastID[key] {
			l.lastID[key] = n
		}
		l.accepted[id]++
	}
	l.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (l *ledger) setUp(up bool) {
	l.mu.Lock()
	l.up = up
	l.mu.Unlock()
}

// counts returns the distinct ids answered 2xx and the repeats among them.
func (l *ledger) counts() (distinct, duplicates int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range l.accepted {
		distinct++
		duplicates += n - 1
	}
	return distinct, duplicates
}

// check fails t with each problem the ledger saw and unless exactly want
// distinct webhook ids were answered 2xx (one per accepted order); it
// returns the distinct ids and the repeats among them.
func (l *ledger) check(t *testing.T, want int) (distinct, duplicates int) {
	t.Helper()
	distinct, duplicates = l.counts()
	l.mu.Lock()
	for _, p := range l.problems {
		t.Error(p)
	}
	l.mu.Unlock()
	if distinct != want {
		t.Errorf("%d distinct webhooks for %d accepted orders", distinct, want)
	}
	return distinct, duplicates
}

// listenOn serves h on addr (a port that was free before), retrying
// briefly in case the port is still in TIME_WAIT handling.
func listenOn(t *testing.T, addr string, h http.Handler) *http.Server {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// errorCode is the "code" of an API error body, or "" when it has none.
func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(b), &e) != nil {
		return ""
	}
	return e.Error.Code
}

package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// receiver is a real HTTP webhook endpoint that answers from a script.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) (status int, header map[string]string)
	seen   chan struct{}
}

type received struct {
	id, sig string
	body    []byte
	header  http.Header
	status  int
}

func newReceiver(t *testing.T, answer func(n int) (int, map[string]string)) *receiver {
	t.Helper()
	r := &receiver{answer: answer, seen: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status, hdr := r.answer(len(r.got) + 1)
		r.got = append(r.got, received{id: req.Header.Get("webhook-id"), sig: req.Header.Get("webhook-signature"), body: body, header: req.Header.Clone(), status: status})
		r.mu.Unlock()
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		r.seen <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) calls() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// webhookConfig gives supplier 31 a webhook to url (plus its file channel)
// and an email channel, with a fast retry schedule.
func webhookConfig(t *testing.T, dbURL, url, secret string, retry []any) *config.Config {
	t.Helper()
	cfg := apptest.Config(t, dbURL)
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Email = "orders@tools.example"
	cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels,
		config.Channel{Type: "webhook", Settings: map[string]any{"url": url, "secret": secret, "retry": retry}},
		config.Channel{Type: "email", Settings: map[string]any{"attach_csv": true}})
	return cfg
}

func postOrder(t *testing.T, d *apptest.Daemon, ext string) string {
	t.Helper()
	body := `{"external_id":"` + ext + `","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com","phone":"+33 1 23"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":2,"unit_price":1250}]}`
	code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body)
	if code != 201 {
		t.Fatalf("post order: %d %s", code, resp)
	}
	var o struct{ Number string }
	_ = json.Unmarshal(resp, &o)
	return o.Number
}

// TestNewOrderReachesEveryChannel: a supplier with file, webhook and
// email channels gets the order on all three. The latency is logged, not
// asserted: speed is measured by benchmarks, and a loaded CI machine must
// not turn it into a flaky failure (it is ~100 ms here).
func TestNewOrderReachesEveryChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := webhookConfig(t, storetest.URL(t, kind), rcv.srv.URL+"/hooks/orders", secret, nil)
		d := apptest.StartConfig(t, cfg)
		start := time.Now()
		number := postOrder(t, d, "W-1")
		select {
		case <-rcv.seen:
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook within 10s of ingest")
		}
		webhookAfter := time.Since(start)
		maildir := filepath.Join(d.DataDir, "mail", "new")
		apptest.Eventually(t, 10*time.Second, "email in maildir", func() bool {
			entries, _ := os.ReadDir(maildir)
			return len(entries) == 1
		})
		t.Logf("%s: webhook after %s, email after %s", kind, webhookAfter.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		c := rcv.calls()[0]
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(c.body, c.header); err != nil {
			t.Errorf("independent verifier rejects the signature: %v", err)
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Number string `json:"number"`
				Order  struct {
					Customer struct{ Name string } `json:"customer"`
				} `json:"order"`
			} `json:"data"`
		}
		if err := json.Unmarshal(c.body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "order.created" || ev.Data.Number != number+"-31" || ev.Data.Order.Customer.Name != "Zoë Martin" {
			t.Errorf("payload %s", c.body)
		}
		entries, _ := os.ReadDir(maildir)
		raw, _ := os.ReadFile(filepath.Join(maildir, entries[0].Name()))
		for _, want := range []string{"To: orders@tools.example", "Message-ID: <order.created." + number + "-31+", number + "-31.csv",
			// The reply token: replies prove they answer this email.
			"Reply-To: \"Supplyhub\" <orders+" + number + "-31."} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("email lacks %q:\n%.600s", want, raw)
			}
		}
	})
}

func TestWebhookRetriesKeepTheSameID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		rcv := newReceiver(t, func(n int) (int, map[string]string) {
			if n <= 3 {
				return 500, nil
			}
			return 200, nil
		})
		cfg := webhookConfig(t, storetest.URL(t, kind), rcv.srv.URL, webhook.NewSecret(), []any{"50ms", "50ms", "50ms", "50ms"})
		d := apptest.StartConfig(t, cfg)
		postOrder(t, d, "R-1")
		apptest.Eventually(t, 10*time.Second, "4 attempts", func() bool { return len(rcv.calls()) >= 4 })
		checkAttemptsEventually(t, d, "webhook", []int{500, 500, 500, 200}, "delivered")
		calls := rcv.calls()
		if len(calls) != 4 {
			t.Fatalf("%d attempts, want exactly 4", len(calls))
		}
		for i, c := range calls {
			if c.id != calls[0].id || string(c.body) != string(calls[0].body) {
				t.Errorf("attempt %d: id %s body differs from attempt 1 (%s)", i+1, c.id, calls[0].id)
			}
		}
	})
}

func TestWebhookRetryAcrossRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		rcv := newReceiver(t, func(n int) (int, map[string]string) {
			if n == 1 {
				return 503, nil
			}
			return 200, nil
		})
		// The retry waits 2s: long enough to stop the daemon before it.
		cfg := webhookConfig(t, storetest.URL(t, kind), rcv.srv.URL, webhook.NewSecret(), []any{"2s"})
		d := apptest.StartConfig(t, cfg)
		postOrder(t, d, "RS-1")
		apptest.Eventually(t, 5*time.Second, "first attempt", func() bool { return len(rcv.calls()) == 1 })
		d.Stop()
		if n := len(rcv.calls()); n != 1 {
			t.Fatalf("%d attempts before restart", n)
		}
		d2 := apptest.StartConfig(t, cfg)
		apptest.Eventually(t, 15*time.Second, "second attempt after restart", func() bool { return len(rcv.calls()) == 2 })
		calls := rcv.calls()
		if calls[1].id != calls[0].id {
			t.Errorf("webhook-id changed across restart: %s then %s", calls[0].id, calls[1].id)
		}
		checkAttemptsEventually(t, d2, "webhook", []int{503, 200}, "delivered")
	})
}

func TestGoneDisablesEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 410, nil })
		cfg := webhookConfig(t, storetest.URL(t, kind), rcv.srv.URL, webhook.NewSecret(), []any{"50ms", "50ms"})
		cfg.Mail.Admin = "ops@hub.example"
		d := apptest.StartConfig(t, cfg)
		postOrder(t, d, "G-1")
		checkAttemptsEventually(t, d, "webhook", []int{410}, "dead")
		postOrder(t, d, "G-2")
		apptest.Eventually(t, 5*time.Second, "second delivery dead without a call", func() bool {
			ds, _ := d.App.Store.ListDeliveries(context.Background(), "dead", 0, 100)
			n := 0
			for _, dl := range ds {
				if dl.Kind == "webhook" {
					n++
				}
			}
			return n == 2
		})
		if n := len(rcv.calls()); n != 1 {
			t.Errorf("a disabled endpoint was called: %d calls", n)
		}
		// The operator got one email, sent by a job committed with the
		// disabling (so a crash between the two cannot lose it).
		apptest.Eventually(t, 10*time.Second, "the alert email to mail.admin", func() bool {
			entries, _ := os.ReadDir(filepath.Join(d.DataDir, "mail", "new"))
			n := 0
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(d.DataDir, "mail", "new", e.Name()))
				if strings.Contains(string(b), "To: ops@hub.example") && strings.Contains(string(b), "disabled") {
					n++
				}
			}
			return n == 1
		})
		var jobs int
		if err := d.App.Store.DB().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'endpoint_disabled_alert'`).Scan(&jobs); err != nil || jobs != 1 {
			t.Errorf("%d alert jobs (%v), want 1", jobs, err)
		}
	})
}

func TestThrottlingDoesNotSpendRetries(t *testing.T) {
	rcv := newReceiver(t, func(n int) (int, map[string]string) {
		if n <= 3 {
			return 429, map[string]string{"Retry-After": "1"}
		}
		return 200, nil
	})
	// One attempt allowed in all: only throttling in between.
	cfg := webhookConfig(t, storetest.URL(t, "sqlite"), rcv.srv.URL, webhook.NewSecret(), []any{})
	d := apptest.StartConfig(t, cfg)
	postOrder(t, d, "T-1")
	checkAttemptsEventually(t, d, "webhook", []int{429, 429, 429, 200}, "delivered")
}

// checkAttempts asserts the only webhook delivery's attempts and status.
func checkAttempts(t *testing.T, d *apptest.Daemon, kind string, codes []int, status string) {
	t.Helper()
	ds, err := d.App.Store.ListDeliveries(context.Background(), "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range ds {
		if dl.Kind != kind {
			continue
		}
		as, err := d.App.Store.Attempts(context.Background(), dl.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, a := range as {
			got = append(got, a.StatusCode)
		}
		if dl.Status != status || len(got) != len(codes) {
			t.Fatalf("delivery %s with attempts %v, want %s with %v", dl.Status, got, status, codes)
		}
		for i := range codes {
			if got[i] != codes[i] {
				t.Fatalf("attempts %v, want %v", got, codes)
			}
		}
		return
	}
	t.Fatalf("no %s delivery", kind)
}

func checkAttemptsEventually(t *testing.T, d *apptest.Daemon, kind string, codes []int, status string) {
	t.Helper()
	apptest.Eventually(t, 15*time.Second, kind+" delivery "+status, func() bool {
		ds, _ := d.App.Store.ListDeliveries(context.Background(), status, 0, 100)
		for _, dl := range ds {
			if dl.Kind == kind {
				return true
			}
		}
		return false
	})
	checkAttempts(t, d, kind, codes, status)
}

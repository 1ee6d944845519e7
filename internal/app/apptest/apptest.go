// Package apptest starts a real Supplyhub daemon in-process on a loopback
// port, over SQLite or a fresh PostgreSQL schema, for end-to-end tests.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// Daemon is a running test daemon.
type Daemon struct {
	stop    func()
	App     *app.App
	URL     string
	DataDir string
	// Keys holds a fresh API key per party: "retailer:acme", "supplier:31".
	Keys map[string]string
}

// Config returns the test configuration: retailer acme (and other),
// suppliers 31 (2.2 %) and 40 (5 %) each with a file channel.
func Config(t testing.TB, dbURL string) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database.URL = dbURL
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.SFTP.Addr = "127.0.0.1:0"
	cfg.HTTP.RateLimit = 0 // load tests and benchmarks post as fast as they can
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Retailers = []config.Retailer{{Code: "acme", Name: "Acme"}, {Code: "other", Name: "Other Shop"}}
	cfg.Suppliers = []config.Supplier{
		{Code: "31", Name: "Tools Ltd", CommissionRate: "2.2", Channels: []config.Channel{{Type: "file"}}},
		{Code: "40", Name: "Paint Co", CommissionRate: "5", Channels: []config.Channel{{Type: "file"}}},
	}
	return cfg
}

// Start runs a daemon of kind with Config, stopped when the test ends.
func Start(t testing.TB, kind string) *Daemon {
	t.Helper()
	return StartConfig(t, Config(t, storetest.URL(t, kind)))
}

// StartConfig runs a daemon with cfg, stopped when the test ends.
func StartConfig(t testing.TB, cfg *config.Config) *Daemon {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return start(t, cfg, log)
}

// Logs holds everything a daemon logged, one JSON object per line.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns the lines logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartLogged runs a daemon with cfg like StartConfig and captures all it
// logs, at debug level, for tests that check the log lines.
func StartLogged(t testing.TB, cfg *config.Config) (*Daemon, *Logs) {
	t.Helper()
	logs := &Logs{}
	return start(t, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))), logs
}

func start(t testing.TB, cfg *config.Config, log *slog.Logger) *Daemon {
	t.Helper()
	if ps := cfg.Validate(app.ChannelCheck(nil)); len(ps) > 0 {
		t.Fatalf("test config: %v", ps)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("app: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	d := &Daemon{App: a, URL: "http://" + ln.Addr().String(), DataDir: cfg.DataDir, Keys: map[string]string{}}
	for _, r := range cfg.Retailers {
		rr, err := a.Store.RetailerByCode(ctx, r.Code)
		if err != nil {
			t.Fatal(err)
		}
		d.Keys["retailer:"+r.Code] = newKey(t, a.Store, store.NewAPIKey{Role: store.RoleRetailer, RetailerID: rr.ID})
	}
	for _, s := range cfg.Suppliers {
		ss, err := a.Store.SupplierByCode(ctx, s.Code)
		if err != nil {
			t.Fatal(err)
		}
		d.Keys["supplier:"+s.Code] = newKey(t, a.Store, store.NewAPIKey{Role: store.RoleSupplier, SupplierID: ss.ID})
	}
	d.Keys["admin"] = newKey(t, a.Store, store.NewAPIKey{Role: store.RoleAdmin})
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- a.Serve(ctx, ln, func(net.Addr) { close(ready) }) }()
	// Serve sets the SFTP address before it calls ready: waiting here
	// makes the daemon's fields safe to read from the test.
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	stopped := false
	d.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop within 15s")
		}
	}
	t.Cleanup(d.stop)
	return d
}

func newKey(t testing.TB, st *store.Store, k store.NewAPIKey) string {
	t.Helper()
	key, hash, hint := auth.NewKey(k.Role)
	k.Hash, k.Hint = hash, hint
	if _, err := st.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return key
}

// Do sends a request with the key and a JSON body (nil for none) and
// returns the status and decoded body (raw bytes in "_raw").
func (d *Daemon) Do(t testing.TB, method, path, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, d.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

// Stop shuts the daemon down as SIGTERM would; the test may then start
// another on the same configuration.
func (d *Daemon) Stop() { d.stop() }

// Outbox is the default file-channel folder of a supplier.
func (d *Daemon) Outbox(supplier string) string {
	return filepath.Join(d.DataDir, "outbox", supplier)
}

// Eventually polls cond every 20ms until it holds or the deadline passes.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// blockingReceiver is a webhook receiver that holds the first request
// open (the delivery is in flight) and answers 204 to later ones.
type blockingReceiver struct {
	srv     *httptest.Server
	arrived chan struct{} // closed when the first request came in
	release chan struct{} // closed when the test ends
	mu      sync.Mutex
	ids     []string
}

func newBlockingReceiver(t *testing.T) *blockingReceiver {
	t.Helper()
	b := &blockingReceiver{arrived: make(chan struct{}), release: make(chan struct{})}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.ids = append(b.ids, r.Header.Get("webhook-id"))
		first := len(b.ids) == 1
		b.mu.Unlock()
		if first {
			close(b.arrived)
			select { // until the sender dies
			case <-r.Context().Done():
			case <-b.release:
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(b.srv.Close)
	t.Cleanup(func() { close(b.release) }) // runs first
	return b
}

func (b *blockingReceiver) calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.ids...)
}

// TestRecoveryAfterKillDefaults kills serve with SIGKILL while a webhook
// is in flight, starts it again with the default rescue settings, and
// requires the delivery to complete well within 30 s, under the same
// webhook-id, instead of after jobs.rescue_after. On SQLite the restarted
// serve holds the serve lock and requeues every running job; on
// PostgreSQL it claims the same replica name (the host name) and requeues
// the jobs its previous process left running.
func TestRecoveryAfterKillDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) { recoverAfterKill(t, kind, false, 30*time.Second) })
}

// TestRescueAfterKillRenamed is the PostgreSQL path for a replica that
// does not come back: the restarted process runs under another replica
// name, so only River's rescuer can take the job, after jobs.rescue_after
// (90 s) plus its 30 s interval and the first retry delay. It takes two
// minutes, so it runs only with SUPPLYHUB_TEST_SLOW=1.
func TestRescueAfterKillRenamed(t *testing.T) {
	if testing.Short() || os.Getenv("SUPPLYHUB_TEST_SLOW") == "" {
		t.Skip("takes ~2 minutes: set SUPPLYHUB_TEST_SLOW=1")
	}
	storetest.SkipWithoutPostgres(t)
	recoverAfterKill(t, store.KindPostgres, true, 150*time.Second)
}

// recoverAfterKill posts an order, kills serve with SIGKILL while its
// webhook is in flight, restarts serve (under another replica name when
// renamed) and requires the delivery done within bound of the kill, under
// the same webhook-id.
func recoverAfterKill(t *testing.T, kind string, renamed bool, bound time.Duration) {
	t.Helper()
	rcv := newBlockingReceiver(t)
	dataDir := t.TempDir()
	cfgPath := filepath.Join(dataDir, "supplyhub.yaml")
	cfg := `data_dir: ` + dataDir + `
log: {level: info, format: text}
webhooks: {allow_private: ["127.0.0.1/32"]}
retailers: [{code: acme, name: Acme}]
suppliers:
  - code: "31"
    name: Tools
    channels: [{type: webhook, url: "` + rcv.srv.URL + `", secret: "` + webhook.NewSecret() + `"}]
  - {code: "40", name: Paint, channels: [{type: api}]}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := storetest.URL(t, kind)
	p := startServe(t, cfgPath, dbURL)
	key := createKey(t, cfgPath, dbURL, "--retailer", "acme")
	if _, ok := post(p.url, key, "RC-1"); !ok {
		t.Fatal("post failed")
	}
	select {
	case <-rcv.arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook never arrived")
	}
	p.kill9()
	killed := time.Now()
	if renamed {
		t.Setenv("SUPPLYHUB_JOBS_REPLICA_NAME", "replacement")
	}

	p2 := startServe(t, cfgPath, dbURL)
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := killed.Add(bound)
	for queryInt(t, st, `SELECT count(*) FROM deliveries WHERE status = 'delivered'`) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: delivery not done %s after the kill (receiver saw %v)\n%s", kind, bound, rcv.calls(), p2.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s (renamed %v): delivered %.1fs after kill -9 (default rescue settings)", kind, renamed, time.Since(killed).Seconds())
	c := rcv.calls()
	if len(c) != 2 || c[0] == "" || c[0] != c[1] {
		t.Errorf("receiver saw webhook-ids %v, want the same id twice", c)
	}
	p2.stop(t)
}

// TestSecondServeOnSQLiteRefused starts a second serve on the database a
// first one is serving: it must exit 1 saying why, while operator commands
// keep working beside the first.
func TestSecondServeOnSQLiteRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	dataDir := t.TempDir()
	cfgPath := testConfig(t, dataDir)
	dbURL := storetest.URL(t, store.KindSQLite)
	p := startServe(t, cfgPath, dbURL)
	cmd := command(t, cfgPath, dbURL, []string{"SUPPLYHUB_HTTP_ADDR=" + freeAddr(t)}, "serve")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("second serve: %v, want exit status 1\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "another supplyhub serve is running on this SQLite database") {
			t.Errorf("second serve did not say why:\n%s", out.String())
		}
		t.Logf("second serve: %s", out.String())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("second serve still running after 20s:\n%s", out.String())
	}
	createKey(t, cfgPath, dbURL, "--retailer", "acme")
	if _, ok := post(p.url, createKey(t, cfgPath, dbURL, "--retailer", "acme"), "LK-1"); !ok {
		t.Error("the first serve stopped answering")
	}
	p.stop(t)
}

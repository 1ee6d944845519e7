package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestReplayDeadDelivery lets a webhook delivery die, then replays it with
// the CLI while serve runs, by id and by endpoint, and checks the receiver
// gets the same webhook-id again.
func TestReplayDeadDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	var healthy atomic.Bool
	var mu sync.Mutex
	var ids []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
		if healthy.Load() {
			w.WriteHeader(204)
			return
		}
		w.WriteHeader(500)
	}))
	defer rcv.Close()
	calls := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), ids...) }

	dataDir := t.TempDir()
	cfgPath := filepath.Join(dataDir, "supplyhub.yaml")
	cfg := `data_dir: ` + dataDir + `
log: {level: warn, format: text}
webhooks: {allow_private: ["127.0.0.1/32"]}
retailers: [{code: acme, name: Acme}]
suppliers:
  - code: "31"
    name: Tools
    channels: [{type: webhook, url: "` + rcv.URL + `", secret: "` + webhook.NewSecret() + `", retry: []}]
  - {code: "40", name: Paint, channels: [{type: api}]}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := storetest.URL(t, "sqlite")
	p := startServe(t, cfgPath, dbURL)
	key := createKey(t, cfgPath, dbURL, "--retailer", "acme")
	run := func(args ...string) string {
		t.Helper()
		cmd := command(t, cfgPath, dbURL, nil, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, ok := post(p.url, key, "RP-1"); !ok {
		t.Fatal("post failed")
	}
	waitFor("a dead delivery", func() bool { return strings.Contains(run("deliveries", "list", "--failed"), " dead ") })
	list := run("deliveries", "list", "--failed")
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if out := run("deliveries", "show", id); !strings.Contains(out, "500") {
		t.Errorf("show lacks the remote answer:\n%s", out)
	}
	healthy.Store(true)
	if out := run("deliveries", "replay", id); !strings.Contains(out, id+"\treplayed") {
		t.Fatalf("replay: %s", out)
	}
	waitFor("the replay", func() bool { return len(calls()) == 2 })
	if c := calls(); c[0] != c[1] {
		t.Errorf("replay changed the webhook-id: %v", c)
	}
	waitFor("delivered", func() bool { return strings.Contains(run("deliveries", "list", "--status", "delivered"), id) })
	// A delivered one is not replayed by --endpoint (it replays dead ones).
	if out := run("deliveries", "replay", "--endpoint", "31/webhook", "--since", "2000-01-01T00:00:00Z"); strings.Contains(out, "replayed") {
		t.Errorf("endpoint replay touched a delivered delivery: %s", out)
	}
	// A second order dies, then the endpoint replay picks it up.
	healthy.Store(false)
	if _, ok := post(p.url, key, "RP-2"); !ok {
		t.Fatal("post failed")
	}
	waitFor("second dead delivery", func() bool { return strings.Contains(run("deliveries", "list", "--status", "dead"), " dead ") })
	healthy.Store(true)
	if out := run("deliveries", "replay", "--endpoint", "31/webhook"); !strings.Contains(out, "replayed") {
		t.Fatalf("endpoint replay: %s", out)
	}
	waitFor("all delivered", func() bool { return !strings.Contains(run("deliveries", "list", "--failed"), "dead") })
}

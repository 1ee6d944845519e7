package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
)

// smallFS mounts an 8 MiB tmpfs for the test, unmounted when it ends.
func smallFS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (no CAP_SYS_ADMIN in this container?): %v %s", err, out)
	}
	// Registered before the daemon's cleanup, so it runs after the daemon
	// has stopped.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes name until the file system is full.
func fill(t *testing.T, name string) int64 {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	for _, size := range []int{256 << 10, 4 << 10, 512} {
		buf := make([]byte, size)
		for {
			w, err := f.Write(buf)
			n += int64(w)
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

// TestSQLiteDiskFull: the SQLite data dir is on a small file system that
// fills up. POSTs get 507 with a storage_full JSON error (never a 2xx for
// an order that was not stored, never a crash), /readyz turns 503; once
// space is freed the daemon is ready and accepts again, and every order
// that got a 201 is delivered, to the webhook and as a file.
func TestSQLiteDiskFull(t *testing.T) {
	dir := smallFS(t)
	l := newLedger() // down until the disk is full: deliveries wait
	rcv := httptest.NewServer(l)
	t.Cleanup(rcv.Close)
	cfg := apptest.Config(t, "sqlite:"+filepath.Join(dir, "supplyhub.db"))
	cfg.DataDir = dir
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Channels = []config.Channel{
		{Type: "file", Settings: map[string]any{"retry": outageRetry()}},
		{Type: "webhook", Settings: map[string]any{"url": rcv.URL + "/supplier", "secret": webhook.NewSecret(), "retry": outageRetry()}}}
	d, logs := apptest.StartLogged(t, cfg)
	key := d.Keys["retailer:acme"]
	defer func() {
		if t.Failed() {
			dumpStuck(t, d)
		}
	}()

	var mu sync.Mutex
	accepted := map[string]bool{}
	sent, full := 0, 0
	post := func(ext string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		code, b, err := call(ctx, d.URL, "POST", "/api/v1/orders", key, faultOrderBody(ext))
		mu.Lock()
		defer mu.Unlock()
		sent++
		switch {
		case err != nil:
			t.Fatalf("%s: no answer: %v", ext, err)
		case code == 201:
			accepted[orderNumber(b)] = true
		case code == 507 && errorCode(b) == "storage_full":
			full++
		default:
			t.Fatalf("%s: %d %s, want 201 or 507 storage_full", ext, code, b)
		}
		return code
	}
	for i := 0; i < 20; i++ {
		if code := post(fmt.Sprintf("DF-A%d", i)); code != 201 {
			t.Fatalf("before the disk filled: %d", code)
		}
	}

	filler := filepath.Join(dir, "filler")
	filled := fill(t, filler)
	// SQLite may still fit a few orders in free pages of its files.
	i := 0
	apptest.Eventually(t, 20*time.Second, "a POST refused with 507", func() bool {
		i++
		return post(fmt.Sprintf("DF-B%d", i)) == 507
	})
	apptest.Eventually(t, 10*time.Second, "/readyz 503 on a full disk", func() bool {
		code, _, _ := d.Do(t, "GET", "/readyz", "", nil)
		return code == 503
	})
	// The portal says so too: its login page writes a session (the CSRF
	// token), which a full disk refuses. Never a bare 500.
	apptest.Eventually(t, 10*time.Second, "the portal's login page 507 on a full disk", func() bool {
		code, _, b := d.Do(t, "GET", "/portal/login", "", nil)
		switch code {
		case 507:
			if !strings.Contains(string(b), "storage is full") {
				t.Errorf("portal 507 page %q does not say the storage is full", b)
			}
			if strings.Contains(string(b), "csrf_token") {
				t.Errorf("portal 507 page also carries the page that could not be saved: %q", b)
			}
			return true
		case 200:
			return false
		}
		t.Fatalf("portal login page on a full disk: %d %s, want 507 (or 200 while SQLite still fits a session)", code, b)
		return false
	})
	_, _, body := d.Do(t, "GET", "/readyz", "", nil)
	if code, _, _ := d.Do(t, "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("/healthz %d on a full disk: the process should stay up", code)
	}
	for j := 0; j < 10; j++ {
		post(fmt.Sprintf("DF-C%d", j))
	}
	// The receiver comes back while the disk is still full: a send may
	// work while its record cannot be written.
	l.setUp(true)
	callsBefore := l.calls
	time.Sleep(2 * time.Second) // let retries run against the full disk
	l.mu.Lock()
	callsWhileFull := l.calls - callsBefore
	l.mu.Unlock()

	// River logs every failed fetch (about 18 a second on a full disk):
	// the log holds back repeats, 10 s at a time.
	riverErrs := map[string]int{}
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec struct{ Level, Msg, Component string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Component == "river" && rec.Level == "ERROR" {
			riverErrs[rec.Msg]++
		}
	}
	for msg, n := range riverErrs {
		if n > 3 {
			t.Errorf("River logged %q %d times while the disk was full, want repeats held back", msg, n)
		}
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	var acceptedAgain time.Duration
	apptest.Eventually(t, 30*time.Second, "a POST accepted after space is freed", func() bool {
		i++
		ok := post(fmt.Sprintf("DF-D%d", i)) == 201
		acceptedAgain = time.Since(freed)
		return ok
	})
	apptest.Eventually(t, 30*time.Second, "/readyz 200 after space is freed", func() bool {
		code, _, _ := d.Do(t, "GET", "/readyz", "", nil)
		return code == 200
	})
	readyAfter := time.Since(freed)

	mu.Lock()
	want := make([]string, 0, len(accepted))
	for n := range accepted {
		want = append(want, n+"-31")
	}
	mu.Unlock()
	apptest.Eventually(t, 60*time.Second, "every accepted order delivered to the webhook and as a file", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, so := range want {
			if l.lastID["/supplier "+so] == 0 {
				return false
			}
			if _, err := os.Stat(filepath.Join(d.Outbox("31"), so+".json")); err != nil {
				return false
			}
		}
		return true
	})
	deliveredAfter := time.Since(freed)
	distinct, dups := l.check(t, len(want))
	// The last records may land just after the receiver has seen the
	// message.
	apptest.Eventually(t, 15*time.Second, "every delivery recorded as delivered", func() bool {
		for _, dl := range allDeliveries(t, d) {
			if dl.Status != "delivered" {
				return false
			}
		}
		return true
	})
	t.Logf("FAULT sqlite-disk-full sent=%d stored=%d delivered=%d duplicates=%d recover=%s (507: %d, %d webhook calls while full, filler %d KiB, first 201 %s after freeing, all delivered %s after; /readyz said %q)",
		sent, len(want), distinct, dups, readyAfter.Round(time.Millisecond), full, callsWhileFull, filled>>10,
		acceptedAgain.Round(time.Millisecond), deliveredAfter.Round(time.Millisecond), strings.TrimSpace(string(body)))
}

package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

const chromiumPath = "/usr/bin/chromium"

// newChromium starts a headless Chromium with a fresh profile, or skips
// the test when it is not installed. Every Run on the returned context
// should get its own timeout from withTimeout; the first one starts the
// browser and has none (a timeout there would kill the browser).
func newChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need %s (apt-get install --no-install-recommends chromium): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with a deadline, failing the test with what.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func login(t *testing.T, ctx context.Context, d *apptest.Daemon, email string) {
	t.Helper()
	step(t, ctx, "sign in as "+email,
		chromedp.Navigate(d.URL+"/portal/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("header .who")))
}

// hookSink is a real HTTP webhook receiver.
type hookSink struct {
	mu     sync.Mutex
	bodies []string
	srv    *httptest.Server
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		w.WriteHeader(204)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) has(subs ...string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.bodies {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(b, s)
		}
		if ok {
			return true
		}
	}
	return false
}

func mailWith(d *apptest.Daemon, subs ...string) bool {
	dir := filepath.Join(d.DataDir, "mail", "new")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(string(b), s)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestBrowserSupplierCancels: in a real browser a supplier signs in,
// filters ORDER HISTORY, opens an order and cancels it with a note; the
// retailer's webhook receiver and mailbox both get the cancellation. A
// form sent without its CSRF token is refused, and a retailer cannot
// open another retailer's order.
func TestBrowserSupplierCancels(t *testing.T) {
	ctx := newChromium(t)
	hooks := newHookSink(t)
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Retailers[0].Email = "orders@acme.example"
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": hooks.srv.URL, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}
	d := apptest.StartConfig(t, cfg)
	n1, _ := postOrder(t, d, "acme", "WEB-1001", "HAM-1:31")
	n2, _ := postOrder(t, d, "acme", "WEB-1002", "SAW-2:31", "PAINT-1:40")
	other, _ := postOrder(t, d, "other", "OTH-1", "PAINT-2:40")
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
	shots := t.TempDir()

	login(t, ctx, d, "s31@example.com")
	if got := text(t, ctx, "table.orders tbody"); !strings.Contains(got, n1+"-31") || !strings.Contains(got, n2+"-31") {
		t.Fatalf("order history: %q", got)
	}
	step(t, ctx, "filter by reference",
		chromedp.SendKeys(chromedp.ID("q"), "WEB-1002"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`input#q[value="WEB-1002"]`)))
	if got := text(t, ctx, "table.orders tbody"); !strings.Contains(got, n2+"-31") || strings.Contains(got, n1+"-31") {
		t.Fatalf("filtered history: %q", got)
	}
	screenshot(t, ctx, filepath.Join(shots, "history.png"))
	step(t, ctx, "open the order",
		chromedp.Click(chromedp.CSS(`table.orders a[href="/portal/orders/`+n2+`-31"]`)),
		chromedp.WaitVisible(chromedp.ID("note")))

	// Without its token the form is refused with a clear page.
	step(t, ctx, "post without token",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/cancel"] input[name=csrf_token]').remove()`),
		chromedp.SendKeys(chromedp.ID("note"), "no token"),
		chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button[type=submit]`)),
		// Only the refusal page has it: the order page's h1 would match
		// before the browser has left it.
		chromedp.WaitVisible(chromedp.ID("error-page")))
	if got := text(t, ctx, "main"); !strings.Contains(got, "security token") {
		t.Fatalf("post without token: %q", got)
	}

	step(t, ctx, "cancel with a note",
		chromedp.Navigate(d.URL+"/portal/orders/"+n2+"-31"),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.SendKeys(chromedp.ID("note"), "Out of stock until March"),
		chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if got := text(t, ctx, "main h1"); !strings.Contains(got, "Cancelled") {
		t.Fatalf("after cancel: %q", got)
	}
	screenshot(t, ctx, filepath.Join(shots, "order.png"))
	apptest.Eventually(t, 10*time.Second, "the retailer's webhook", func() bool {
		return hooks.has(`"supplier_order.cancelled"`, "Out of stock until March", `"channel":"portal"`)
	})
	apptest.Eventually(t, 10*time.Second, "the retailer's email", func() bool {
		return mailWith(d, "To: orders@acme.example", "Out of stock until March")
	})

	// The account menu opens from the email, with no script, and offers
	// "sign out everywhere" (hidden until then, so the bar fits one line).
	step(t, ctx, "open the account menu", chromedp.Click(chromedp.CSS("details.account summary")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/logout-everywhere"] button`)))

	// A retailer cannot open another retailer's order.
	step(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
	login(t, ctx, d, "acme@example.com")
	step(t, ctx, "open a foreign order", chromedp.Navigate(d.URL+"/portal/orders/"+other), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(t, ctx, "main h1"); got != "Not found" {
		t.Fatalf("foreign order: %q", got)
	}
	step(t, ctx, "open own order", chromedp.Navigate(d.URL+"/portal/orders/"+n1), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(t, ctx, "main h1"); !strings.Contains(got, "Order "+n1) {
		t.Fatalf("own order: %q", got)
	}
}

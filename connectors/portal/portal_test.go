package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/portal"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestIsolation: every role against every foreign or missing object gets
// the same 404 page, on GET and POST alike, and nothing changes.
func TestIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme, _ := postOrder(t, d, "acme", "A-1", "HAM-1:31", "PAINT-1:40")
		other, _ := postOrder(t, d, "other", "O-1", "PAINT-2:40")
		addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
		addUser(t, d, "s40@example.com", store.PortalSupplier, "40")
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
		addUser(t, d, "other@example.com", store.PortalRetailer, "other")
		addUser(t, d, "ops@example.com", store.PortalOperator, "")
		// A manual order draft with a file, as an operator makes it.
		manual := isolationDraft(t, d)

		type probe struct {
			method, path string
			want         int
		}
		matrix := map[string][]probe{
			"s31@example.com": {
				{"GET", "/portal/orders/" + acme + "-31", 200},
				{"GET", "/portal/orders/" + acme + "-40", 404},
				{"GET", "/portal/orders/" + other + "-40", 404},
				{"GET", "/portal/orders/" + acme + "-40/file", 404},
				{"POST", "/portal/orders/" + acme + "-40/cancel", 404},
				{"POST", "/portal/orders/" + acme + "-40/acknowledge", 404},
				{"POST", "/portal/orders/" + other + "-40/ship", 404},
				{"GET", "/portal/orders/" + acme, 404},
				{"GET", "/portal/orders/nope-31", 404},
				{"GET", "/portal/manual", 404},
				{"GET", manual, 404},
				{"GET", manual + "/files/1", 404},
				{"POST", manual, 404},
				{"POST", "/portal/manual/new", 404},
				{"GET", "/portal/orders/" + acme + "-31/files/1", 404},
				{"GET", "/portal/webhooks", 404},
				{"GET", "/portal/summaries", 404},
				{"POST", "/portal/orders/" + acme + "/cancel-order", 404},
			},
			"s40@example.com": {
				{"GET", "/portal/orders/" + other + "-40", 200},
				{"GET", "/portal/orders/" + acme + "-31", 404},
				{"GET", "/portal/orders/" + acme + "-31/file", 404},
				{"POST", "/portal/orders/" + acme + "-31/cancel", 404},
			},
			"acme@example.com": {
				{"GET", "/portal/orders/" + acme, 200},
				{"GET", "/portal/orders/" + other, 404},
				{"GET", "/portal/orders/" + acme + "-31", 404},
				{"GET", "/portal/orders/" + acme + "-31/file", 404},
				{"GET", "/portal/orders.csv", 404},
				{"POST", "/portal/orders/" + acme + "-31/cancel", 404},
				{"POST", "/portal/orders/" + acme + "-31/acknowledge", 404},
				{"GET", manual, 404},
				{"GET", manual + "/files/1", 404},
				{"POST", manual, 404},
				{"GET", "/portal/manual/new", 404},
				{"POST", "/portal/webhooks/1/replay", 404},
				{"POST", "/portal/orders/" + other + "/cancel-order", 404},
			},
			"other@example.com": {
				{"GET", "/portal/orders/" + other, 200},
				{"GET", "/portal/orders/" + acme, 404},
				{"POST", "/portal/orders/" + acme + "-40/cancel", 404},
				{"POST", "/portal/orders/" + acme + "/cancel-order", 404},
				{"GET", "/portal/summaries.csv?month=2026-11", 200},
			},
			"ops@example.com": {
				{"GET", manual, 200},
				{"GET", manual + "/files/1", 200},
				{"GET", manual + "/files/2", 404},
				{"GET", "/portal/manual/999", 404},
				{"GET", "/portal/webhooks", 404},
				{"POST", "/portal/orders/" + acme + "/cancel-order", 404},
				{"GET", "/portal/orders/" + acme + "-31/files/1", 404},
				{"POST", "/portal/orders/" + acme + "-31/cancel", 404},
				{"GET", "/portal/orders/" + acme + "-31/file", 404},
			},
		}
		for email, probes := range matrix {
			// The page names the user, so the bodies are compared per user.
			var notFoundBody string
			b := newBrowser(t, d)
			b.mustLogin(email)
			for _, p := range probes {
				var code int
				var body string
				if p.method == "GET" {
					code, _, body = b.get(p.path)
				} else {
					if _, _, _ = b.get("/portal/orders"); b.csrf == "" {
						t.Fatal("no CSRF token on the orders page")
					}
					code, _, body = b.post(p.path, url.Values{"note": {"x"}, "carrier": {"DHL"}, "tracking_number": {"1"}})
				}
				if code != p.want {
					t.Errorf("%s %s %s = %d, want %d", email, p.method, p.path, code, p.want)
				}
				if code == 404 {
					// One page for missing and foreign: nothing tells them apart.
					if notFoundBody == "" {
						notFoundBody = stripToken(body)
					} else if stripToken(body) != notFoundBody {
						t.Errorf("%s %s: the 404 page differs from the others", email, p.path)
					}
				}
			}
		}
		// Nothing moved: the POSTs above were all refused.
		for _, n := range []string{acme + "-31", acme + "-40", other + "-40"} {
			code, _, body := d.Do(t, "GET", "/api/v1/orders/"+strings.Split(n, "-")[0], d.Keys["retailer:"+map[bool]string{true: "acme", false: "other"}[strings.HasPrefix(n, acme)]], nil)
			if code != 200 || strings.Contains(string(body), `"cancelled"`) || strings.Contains(string(body), `"shipped"`) {
				t.Errorf("order %s after the refused posts: %d %s", n, code, body)
			}
		}
	})
}

// stripToken removes what differs per session from a page.
func stripToken(body string) string { return csrfRE.ReplaceAllString(body, "") }

// TestCSRF: a form posted without its token (or with another session's)
// is refused with 403 and changes nothing; with it, the change is made.
func TestCSRF(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	number, _ := postOrder(t, d, "acme", "C-1", "HAM-1:31")
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	b := newBrowser(t, d)
	b.mustLogin("s31@example.com")
	b.get("/portal/orders/" + number + "-31")
	path := "/portal/orders/" + number + "-31/cancel"
	code, _, body := b.post(path, url.Values{"note": {"out of stock"}, "csrf_token": {""}})
	if code != http.StatusForbidden || !strings.Contains(body, "security token") {
		t.Fatalf("without token: %d %.300s", code, body)
	}
	code, _, _ = b.post(path, url.Values{"note": {"out of stock"}, "csrf_token": {"forged"}})
	if code != http.StatusForbidden {
		t.Fatalf("forged token: %d", code)
	}
	// A cross-site POST is refused before the token is even looked at.
	req, _ := http.NewRequest("POST", d.URL+path, strings.NewReader(url.Values{"note": {"x"}, "csrf_token": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _, _ := b.do(req); code != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", code)
	}
	code, _, body = b.get("/portal/orders/" + number + "-31")
	if code != 200 || strings.Contains(body, "badge s-cancelled") {
		t.Fatalf("order changed by a refused form: %d", code)
	}
	// The note is required; the error sits next to the field.
	code, _, body = b.post(path, url.Values{"note": {"  "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="note-err"`) {
		t.Fatalf("empty note: %d %.300s", code, body)
	}
	code, h, _ := b.post(path, url.Values{"note": {"out of stock"}})
	if code != http.StatusSeeOther {
		t.Fatalf("with token: %d", code)
	}
	_, _, body = b.get(h.Get("Location"))
	if !strings.Contains(body, "badge s-cancelled") || !strings.Contains(body, "out of stock") {
		t.Fatalf("order page after cancel: %.500s", body)
	}
}

// TestLoginThrottle: five wrong passwords lock the account for a while,
// even against the right password, with a clear message.
func TestLoginThrottle(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	b := newBrowser(t, d)
	for i := 0; i < 5; i++ {
		if code, _ := b.login("s31@example.com", "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	code, body := b.login("S31@example.com", testPassword)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins for this account") {
		t.Fatalf("after 5 failures: %d %.300s", code, body)
	}
	// Another account from the same address is not locked (yet).
	addUser(t, d, "s40@example.com", store.PortalSupplier, "40")
	if code, _ := b.login("s40@example.com", testPassword); code != http.StatusSeeOther {
		t.Fatalf("other account: %d", code)
	}
	// 20 failures from one address, over many accounts, lock the address.
	g := newBrowser(t, d)
	for i := 5; i < 20; i++ {
		if code, _ := g.login(fmt.Sprintf("guess%d@example.com", i), "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	c := newBrowser(t, d)
	if code, body := c.login("s40@example.com", testPassword); code != http.StatusTooManyRequests || !strings.Contains(body, "your network address") {
		t.Fatalf("after 20 failures from the address: %d %.300s", code, body)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/portal/orders?status=new": "/portal/orders?status=new",
		"":                          "",
		"https://evil.example/":     "",
		"//evil.example/portal/":    "",
		"/portal\\evil":             "",
		"/api/v1/orders":            "",
		"/portal/\\evil.example":    "",
	} {
		if got := portal.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSessions: sign-out everywhere ends the user's other sessions; a
// disabled user is signed out at the next request; sessions survive a
// restart of the daemon.
func TestSessions(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	d := apptest.StartConfig(t, cfg)
	u := addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	a, b := newBrowser(t, d), newBrowser(t, d)
	a.mustLogin("s31@example.com")
	b.mustLogin("s31@example.com")
	d.Stop()
	d2 := apptest.StartConfig(t, cfg)
	a.d, b.d = d2, d2
	if code, _, _ := a.get("/portal/orders"); code != 200 {
		t.Fatalf("after restart: %d", code)
	}
	if code, _, _ := b.get("/portal/orders"); code != 200 {
		t.Fatalf("after restart: %d", code)
	}
	if code, _, _ := a.post("/portal/logout-everywhere", nil); code != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d", code)
	}
	if code, h, _ := b.get("/portal/orders"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/portal/login") {
		t.Fatalf("other session after logout everywhere: %d %s", code, h.Get("Location"))
	}
	c := newBrowser(t, d2)
	c.mustLogin("s31@example.com")
	if _, err := d2.App.Store.DisableUser(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := c.get("/portal/orders"); code != http.StatusSeeOther {
		t.Fatalf("disabled user: %d", code)
	}
	if code, _ := c.login("s31@example.com", testPassword); code != http.StatusUnauthorized {
		t.Fatalf("disabled user login: %d", code)
	}
}

// TestStatusPage: the API gives each order a status_url; the page shows
// the order's items, total, references and tracking, and never the
// customer's address or contact.
func TestStatusPage(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	number, statusURL := postOrder(t, d, "acme", "S-1", "HAM-1:31", "PAINT-1:40")
	if !strings.HasPrefix(statusURL, d.URL+"/o/") || len(statusURL) != len(d.URL)+3+32 {
		t.Fatalf("status_url %q", statusURL)
	}
	// The retailer's order page links to it too.
	addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
	rb := newBrowser(t, d)
	rb.mustLogin("acme@example.com")
	if _, _, page := rb.get("/portal/orders/" + number); !strings.Contains(page, `href="`+statusURL+`"`) {
		t.Errorf("retailer order page lacks the status link")
	}
	code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"-31/status", d.Keys["supplier:31"],
		map[string]any{"status": "shipped", "tracking": map[string]any{"carrier": "DHL", "number": "JD0042"}})
	if code != 200 {
		t.Fatalf("ship: %d %s", code, b)
	}
	resp, err := http.Get(statusURL)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("X-Robots-Tag") == "" || !strings.Contains(body, `name="robots" content="noindex`) {
		t.Fatalf("status page: %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"Order " + number, number + "-31", number + "-40", "Shipped", "JD0042", "Item HAM-1", "50.00 EUR"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	for _, never := range []string{"zoe@example.com", "Rivoli", "+33", "Zo"} {
		if strings.Contains(body, never) {
			t.Errorf("status page shows %q", never)
		}
	}
	resp, err = http.Get(d.URL + "/o/" + strings.Repeat("0", 32))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 404 {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return sb.String()
}

// TestDemoUsers: the demo configuration writes one sign-in per role to
// $DATA_DIR/demo-users.txt, and each of them works.
func TestDemoUsers(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Demo.WriteKeys = true
	d := apptest.StartConfig(t, cfg)
	b, err := os.ReadFile(filepath.Join(d.DataDir, "demo-users.txt"))
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if strings.HasPrefix(line, "#") || len(f) != 3 {
			continue
		}
		roles[f[0]] = true
		br := newBrowser(t, d)
		if code, where := br.login(f[1], f[2]); code != http.StatusSeeOther {
			t.Errorf("demo %s %s: %d %s", f[0], f[1], code, where)
		}
	}
	if !roles["operator"] || !roles["supplier"] || !roles["retailer"] {
		t.Errorf("demo users file:\n%s", b)
	}
}

// TestAnonymousPagesStoreNothing: pages for visitors who are not signed
// in (other than the sign-in form) create no session row, so a crawler
// cannot fill the session table.
func TestAnonymousPagesStoreNothing(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/portal/nope", "/portal/orders", "/portal/", "/portal/orders/1-31", "/o/" + strings.Repeat("a", 32)} {
		resp, err := noFollow.Get(d.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(resp.Cookies()) != 0 {
			t.Errorf("%s set a cookie: %v", p, resp.Cookies())
		}
	}
	var n int
	if err := d.App.Store.DB().QueryRow(t.Context(), `SELECT count(*) FROM portal_sessions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions stored (%v)", n, err)
	}
}

// isolationDraft creates, through the operator's form, a manual order
// draft of retailer acme with one file, and returns its path.
func isolationDraft(t *testing.T, d *apptest.Daemon) string {
	t.Helper()
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")
	return createDraft(t, b, manualForm("ISO-1"), upload{"po.txt", []byte("purchase order")})
}

package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
)

const testPassword = "correct horse battery"

// addUser creates a portal user with testPassword.
func addUser(t testing.TB, d *apptest.Daemon, email, role, party string) *store.User {
	t.Helper()
	ctx := context.Background()
	u := &store.User{Email: email, Role: role}
	switch role {
	case store.PortalSupplier:
		s, err := d.App.Store.SupplierByCode(ctx, party)
		if err != nil {
			t.Fatal(err)
		}
		u.SupplierID = s.ID
	case store.PortalRetailer:
		r, err := d.App.Store.RetailerByCode(ctx, party)
		if err != nil {
			t.Fatal(err)
		}
		u.RetailerID = r.ID
	}
	var err error
	if u.PasswordHash, err = auth.HashPassword(testPassword); err != nil {
		t.Fatal(err)
	}
	if err := d.App.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is a plain HTTP client with a cookie jar, like a browser
// without JavaScript. It does not follow redirects, so tests see them.
type browser struct {
	t    testing.TB
	d    *apptest.Daemon
	c    *http.Client
	csrf string
}

func newBrowser(t testing.TB, d *apptest.Daemon) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, d: d, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (int, http.Header, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header, string(body)
}

func (b *browser) get(path string) (int, http.Header, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.d.URL+path, nil)
	return b.do(req)
}

// post sends a form with the token of the last page seen, unless the
// values set csrf_token themselves (to "" to leave it out).
func (b *browser) post(path string, v url.Values) (int, http.Header, string) {
	b.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["csrf_token"]; !ok {
		v.Set("csrf_token", b.csrf)
	} else if v.Get("csrf_token") == "" {
		v.Del("csrf_token")
	}
	req, _ := http.NewRequest("POST", b.d.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// Same-origin, as a browser says it (CrossOriginProtection).
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) login(email, password string) (int, string) {
	b.t.Helper()
	if code, _, _ := b.get("/portal/login"); code != 200 {
		b.t.Fatalf("login page: %d", code)
	}
	code, h, body := b.post("/portal/login", url.Values{"email": {email}, "password": {password}})
	if code == http.StatusSeeOther {
		return code, h.Get("Location")
	}
	return code, body
}

func (b *browser) mustLogin(email string) {
	b.t.Helper()
	if code, body := b.login(email, testPassword); code != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d %s", email, code, body)
	}
}

// postOrder posts an order for retailer with lines "sku:supplier" and
// returns its number and status_url.
func postOrder(t testing.TB, d *apptest.Daemon, retailer, ext string, lines ...string) (string, string) {
	t.Helper()
	var ls []map[string]any
	for _, l := range lines {
		sku, sup, _ := strings.Cut(l, ":")
		ls = append(ls, map[string]any{"sku": sku, "supplier": sup, "name": "Item " + sku, "quantity": 2, "unit_price": 1250})
	}
	body := map[string]any{"external_id": ext, "placed_at": "2026-11-22T10:00:00Z", "currency": "EUR",
		"customer":         map[string]any{"name": "Zoë Martin", "email": "zoe@example.com", "phone": "+33 1 23"},
		"shipping_address": map[string]any{"name": "Zoë Martin", "line1": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"},
		"lines":            ls}
	code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:"+retailer], body)
	if code != 201 {
		t.Fatalf("post order: %d %s", code, resp)
	}
	var o struct {
		Number    string `json:"number"`
		StatusURL string `json:"status_url"`
	}
	_ = json.Unmarshal(resp, &o)
	return o.Number, o.StatusURL
}

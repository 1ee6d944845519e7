package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// pulled is a supplier order as GET /api/v1/supplier/orders returns it.
type pulled struct {
	Number           string    `json:"number"`
	OrderNumber      string    `json:"order_number"`
	ExternalID       string    `json:"external_id"`
	Retailer         string    `json:"retailer"`
	PlacedAt         time.Time `json:"placed_at"`
	Currency         string    `json:"currency"`
	Status           string    `json:"status"`
	Version          int       `json:"version"`
	ItemTotal        int64     `json:"item_total"`
	Shipping         int64     `json:"shipping"`
	CommissionRateBP int       `json:"commission_rate_bp"`
	Commission       int64     `json:"commission"`
	Payout           int64     `json:"payout"`
	Notes            string    `json:"notes"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Lines            []struct {
		SKU       string `json:"sku"`
		Supplier  string `json:"supplier"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		UnitPrice int64  `json:"unit_price"`
		Total     int64  `json:"total"`
	} `json:"lines"`
	Customer struct {
		Name    string `json:"name"`
		Company string `json:"company"`
		Email   string `json:"email"`
		Phone   string `json:"phone"`
	} `json:"customer"`
	ShippingAddress struct {
		Name       string `json:"name"`
		Line1      string `json:"line1"`
		City       string `json:"city"`
		PostalCode string `json:"postal_code"`
		Country    string `json:"country"`
	} `json:"shipping_address"`
}

type pulledList struct {
	Orders     []pulled `json:"orders"`
	NextCursor string   `json:"next_cursor"`
}

// pull lists with the key and query, failing the test on anything but 200.
func pull(t *testing.T, d *apptest.Daemon, key, query string) (pulledList, http.Header) {
	t.Helper()
	code, hdr, body := d.Do(t, "GET", "/api/v1/supplier/orders?"+query, key, nil)
	if code != http.StatusOK {
		t.Fatalf("GET ?%s: %d %s", query, code, body)
	}
	var l pulledList
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("GET ?%s: %v: %s", query, err, body)
	}
	return l, hdr
}

// postOrders posts n orders (lines for suppliers 31 and 40) and returns
// their numbers in order.
func postOrders(t *testing.T, d *apptest.Daemon, prefix string, n int) []string {
	t.Helper()
	var numbers []string
	for i := range n {
		code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order(fmt.Sprintf("%s-%d", prefix, i)))
		if code != http.StatusCreated {
			t.Fatalf("post: %d %s", code, body)
		}
		var o orderBody
		_ = json.Unmarshal(body, &o)
		numbers = append(numbers, o.Number)
	}
	return numbers
}

// waitStatus waits until the key's supplier has n orders in status.
func waitStatus(t *testing.T, d *apptest.Daemon, key, status string, n int) {
	t.Helper()
	apptest.Eventually(t, 10*time.Second, fmt.Sprintf("%d orders %s", n, status), func() bool {
		l, _ := pull(t, d, key, "status="+status)
		return len(l.Orders) == n
	})
}

func numbersOf(l pulledList) []string {
	var out []string
	for _, o := range l.Orders {
		out = append(out, o.Number)
	}
	return out
}

// within is what a by=updated window [from, to) must return, given
// every order in (updated_at, id) order; times round up to the
// microsecond as the server's do.
func within(all []pulled, from, to time.Time) []string {
	up := func(t time.Time) time.Time {
		if tr := t.Truncate(time.Microsecond); !tr.Equal(t) {
			return tr.Add(time.Microsecond)
		}
		return t
	}
	from, to = up(from), up(to)
	var out []string
	for _, o := range all {
		if !o.UpdatedAt.Before(from) && o.UpdatedAt.Before(to) {
			out = append(out, o.Number)
		}
	}
	return out
}

func rfc(t time.Time) string { return url.QueryEscape(t.UTC().Format(time.RFC3339Nano)) }

// nextLink returns the path of the Link header's next page, or "".
func nextLink(hdr http.Header) string {
	l := hdr.Get("Link")
	if l == "" {
		return ""
	}
	if !strings.HasSuffix(l, `>; rel="next"`) {
		return "bad link " + l
	}
	return strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
}

func TestSupplierPullScopedToSupplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		k31, k40 := d.Keys["supplier:31"], d.Keys["supplier:40"]
		if l, _ := pull(t, d, k31, ""); len(l.Orders) != 0 {
			t.Fatalf("fresh daemon lists %v", numbersOf(l))
		}
		// An order for 40 alone: 31 still has none.
		only40 := order("ONLY-40")
		only40["lines"] = only40["lines"].([]any)[1:]
		delete(only40, "shipping")
		if code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], only40); code != 201 {
			t.Fatalf("post: %d %s", code, body)
		}
		if l, _ := pull(t, d, k31, ""); len(l.Orders) != 0 {
			t.Errorf("31 sees 40's order: %v", numbersOf(l))
		}

		numbers := postOrders(t, d, "S", 3)
		// By creation time: dispatch moves updated_at, and a delivery
		// recorded while the request runs can set it past the default
		// to=now (seen under a loaded CI machine: one of 40's orders
		// missing). Windows by updated time are tested on their own below.
		l31, _ := pull(t, d, k31, "by=created")
		l40, _ := pull(t, d, k40, "by=created")
		if len(l31.Orders) != 3 || len(l40.Orders) != 4 {
			t.Fatalf("31 lists %v, 40 lists %v", numbersOf(l31), numbersOf(l40))
		}
		for _, o := range l31.Orders {
			if !strings.HasSuffix(o.Number, "-31") || len(o.Lines) != 1 || o.Lines[0].SKU != "HAM-1" || o.Lines[0].Supplier != "31" {
				t.Errorf("31 got %+v", o)
			}
		}
		// The whole supplier order, and nothing of 40's part. The list is
		// by updated time, which dispatch moves, so find it by number.
		o := l31.Orders[0]
		for _, c := range l31.Orders {
			if c.Number == numbers[0]+"-31" {
				o = c
			}
		}
		if o.Number != numbers[0]+"-31" || o.OrderNumber != numbers[0] || o.ExternalID != "S-0" || o.Retailer != "acme" ||
			o.Currency != "EUR" || o.Version < 1 || o.Status == "" || o.ItemTotal != 2500 || o.Shipping != 500 ||
			o.CommissionRateBP != 220 || o.Commission != 55 || o.Payout != 2945 {
			t.Errorf("supplier order %+v", o)
		}
		if l := o.Lines[0]; l.Name != "Hammer" || l.Quantity != 2 || l.UnitPrice != 1250 || l.Total != 2500 {
			t.Errorf("line %+v", l)
		}
		if !o.PlacedAt.Equal(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)) || o.CreatedAt.IsZero() || o.UpdatedAt.Before(o.CreatedAt) {
			t.Errorf("times: placed %s created %s updated %s", o.PlacedAt, o.CreatedAt, o.UpdatedAt)
		}
		if o.Customer.Name != "Zoë Martin" || o.Customer.Email != "zoe@example.com" || o.Customer.Phone != "+33 1 23 45 67 89" ||
			o.ShippingAddress.City != "Paris" || o.ShippingAddress.Country != "FR" {
			t.Errorf("customer %+v address %+v", o.Customer, o.ShippingAddress)
		}
		_, _, raw := d.Do(t, "GET", "/api/v1/supplier/orders", k31, nil)
		for _, leak := range []string{"PNT-9", "Paint", `"40"`, "-40", "supplier_orders"} {
			if strings.Contains(string(raw), leak) {
				t.Errorf("31's list mentions %s: %s", leak, raw)
			}
		}

		// One order: 200 for one's own; 404 for another's, the same as for none.
		if code, _, body := d.Do(t, "GET", "/api/v1/supplier/orders/"+numbers[0]+"-31", k31, nil); code != 200 || !strings.Contains(string(body), `"number":"`+numbers[0]+`-31"`) {
			t.Errorf("own order: %d %s", code, body)
		}
		codeOther, _, bodyOther := d.Do(t, "GET", "/api/v1/supplier/orders/"+numbers[0]+"-40", k31, nil)
		codeNone, _, bodyNone := d.Do(t, "GET", "/api/v1/supplier/orders/999999-40", k31, nil)
		if codeOther != 404 || codeNone != 404 ||
			strings.ReplaceAll(string(bodyOther), numbers[0], "N") != strings.ReplaceAll(string(bodyNone), "999999", "N") {
			t.Errorf("another supplier's order: %d %s; none: %d %s", codeOther, bodyOther, codeNone, bodyNone)
		}
		if code, _, _ := d.Do(t, "POST", "/api/v1/supplier/orders/"+numbers[0]+"-40/acknowledge", k31, nil); code != 404 {
			t.Errorf("acknowledge another supplier's order: %d", code)
		}
		if l, _ := pull(t, d, k40, "status=acknowledged"); len(l.Orders) != 0 {
			t.Errorf("40's order was acknowledged by 31: %v", numbersOf(l))
		}
	})
}

func TestSupplierPullWindows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		k31 := d.Keys["supplier:31"]
		numbers := postOrders(t, d, "W", 5)
		// Dispatch bumps updated_at; wait for it so the times hold still.
		waitStatus(t, d, k31, "dispatched", 5)
		all, _ := pull(t, d, k31, "")
		if len(all.Orders) != 5 || all.NextCursor != "" {
			t.Fatalf("all: %v next %q", numbersOf(all), all.NextCursor)
		}
		for i := 1; i < len(all.Orders); i++ {
			if all.Orders[i].UpdatedAt.Before(all.Orders[i-1].UpdatedAt) {
				t.Errorf("not ordered by updated_at: %v", all.Orders)
			}
		}
		first, last := all.Orders[0].UpdatedAt, all.Orders[4].UpdatedAt
		mid := all.Orders[2]

		// [from, to): == from is in, == to is out.
		for _, w := range []struct{ from, to time.Time }{
			{mid.UpdatedAt, last.Add(time.Microsecond)},
			{first, mid.UpdatedAt},
			{mid.UpdatedAt, mid.UpdatedAt.Add(time.Microsecond)},
			// Nanoseconds below the stored microsecond: still exact.
			{mid.UpdatedAt.Add(-time.Nanosecond), mid.UpdatedAt.Add(time.Nanosecond)},
		} {
			l, _ := pull(t, d, k31, "from="+rfc(w.from)+"&to="+rfc(w.to))
			if got, want := numbersOf(l), within(all.Orders, w.from, w.to); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("[%s, %s): %v, want %v", w.from.Format(time.RFC3339Nano), w.to.Format(time.RFC3339Nano), got, want)
			}
		}
		if l, _ := pull(t, d, k31, "from="+rfc(first)+"&to="+rfc(mid.UpdatedAt)); slices.Contains(numbersOf(l), mid.Number) ||
			!slices.Contains(numbersOf(l), all.Orders[0].Number) {
			t.Errorf("to = mid's updated_at: %v", numbersOf(l))
		}

		// Overlapping windows agree on their overlap, and together with
		// dedupe by number + version give exactly the whole.
		a, b := first, last.Add(time.Microsecond)
		split1, split2 := all.Orders[1].UpdatedAt, all.Orders[3].UpdatedAt.Add(time.Microsecond)
		w1, _ := pull(t, d, k31, "from="+rfc(a)+"&to="+rfc(split2))
		w2, _ := pull(t, d, k31, "from="+rfc(split1)+"&to="+rfc(b))
		seen := map[string]pulled{}
		for _, o := range append(w1.Orders, w2.Orders...) {
			key := fmt.Sprint(o.Number, "@", o.Version)
			if prev, dup := seen[key]; dup && fmt.Sprint(prev) != fmt.Sprint(o) {
				t.Errorf("overlap disagrees on %s:\n%+v\n%+v", key, prev, o)
			}
			seen[key] = o
		}
		if len(seen) != 5 {
			t.Errorf("two overlapping windows hold %d distinct versions, want 5", len(seen))
		}
		again, _ := pull(t, d, k31, "from="+rfc(a)+"&to="+rfc(split2))
		if fmt.Sprint(again) != fmt.Sprint(w1) {
			t.Errorf("the same window twice:\n%v\n%v", numbersOf(w1), numbersOf(again))
		}

		// Paging by Link header walks the same window; the body has the cursor too.
		var paged []string
		path := "/api/v1/supplier/orders?limit=2"
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			code, hdr, body := d.Do(t, "GET", path, k31, nil)
			if code != 200 {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			var page pulledList
			_ = json.Unmarshal(body, &page)
			paged = append(paged, numbersOf(page)...)
			path = nextLink(hdr)
			if (path == "") != (page.NextCursor == "") || path != "" && !strings.Contains(path, "cursor="+page.NextCursor) {
				t.Errorf("Link %q and next_cursor %q disagree", path, page.NextCursor)
			}
			if path != "" && (!strings.Contains(path, "from=") || !strings.Contains(path, "to=")) {
				t.Errorf("next page does not fix the window: %s", path)
			}
		}
		if strings.Join(paged, ",") != strings.Join(numbersOf(all), ",") {
			t.Errorf("paged %v, want %v", paged, numbersOf(all))
		}

		// Acknowledging the oldest order moves it to the end by updated,
		// not by created, and bumps its version.
		createdFirst, _ := pull(t, d, k31, "by=created")
		oldest := createdFirst.Orders[0]
		if oldest.Number != numbers[0]+"-31" {
			t.Errorf("by=created: %v, want %s first", numbersOf(createdFirst), numbers[0])
		}
		code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+oldest.Number+"/acknowledge", k31, nil)
		var acked pulled
		_ = json.Unmarshal(body, &acked)
		if code != 200 || acked.Status != "acknowledged" || acked.Version != oldest.Version+1 || !acked.UpdatedAt.After(oldest.UpdatedAt) {
			t.Fatalf("acknowledge: %d %s", code, body)
		}
		byUpdated, _ := pull(t, d, k31, "by=updated")
		byCreated, _ := pull(t, d, k31, "by=created")
		if n := numbersOf(byUpdated); n[len(n)-1] != oldest.Number {
			t.Errorf("by=updated after acknowledge: %v", n)
		}
		if n := numbersOf(byCreated); n[0] != oldest.Number {
			t.Errorf("by=created after acknowledge: %v", n)
		}
		// The old window no longer holds it; a window over the new time does.
		l, _ := pull(t, d, k31, "from="+rfc(a)+"&to="+rfc(b))
		if slices.Contains(numbersOf(l), oldest.Number) {
			t.Errorf("acknowledged order still in its old window: %v", numbersOf(l))
		}
		l, _ = pull(t, d, k31, "from="+rfc(acked.UpdatedAt)+"&to="+rfc(acked.UpdatedAt.Add(time.Microsecond)))
		if n := numbersOf(l); len(n) != 1 || n[0] != oldest.Number || l.Orders[0].Version != acked.Version {
			t.Errorf("window at the acknowledge time: %v", l.Orders)
		}
		l, _ = pull(t, d, k31, "by=created&from="+rfc(oldest.CreatedAt)+"&to="+rfc(oldest.CreatedAt.Add(time.Microsecond)))
		if n := numbersOf(l); len(n) != 1 || n[0] != oldest.Number {
			t.Errorf("by=created window at its creation: %v", n)
		}
	})
}

func TestSupplierPullStatusFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		k31 := d.Keys["supplier:31"]
		numbers := postOrders(t, d, "F", 3)
		waitStatus(t, d, k31, "dispatched", 3)
		if code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+numbers[1]+"-31/acknowledge", k31, nil); code != 200 {
			t.Fatalf("acknowledge: %d %s", code, body)
		}
		for _, tc := range []struct {
			query    string
			want     int
			statuses []string
		}{
			{"status=acknowledged", 1, []string{"acknowledged"}},
			{"status=dispatched", 2, []string{"dispatched"}},
			{"status=dispatched,acknowledged", 3, []string{"dispatched", "acknowledged"}},
			{"status=dispatched&status=acknowledged", 3, []string{"dispatched", "acknowledged"}},
			{"status=acknowledged,acknowledged", 1, []string{"acknowledged"}},
			{"status=new", 0, nil},
			{"status=shipped,cancelled,rejected,new", 0, nil},
			{"status=dispatched&by=created&limit=1", 1, []string{"dispatched"}},
			{"status=acknowledged,dispatched&by=created", 3, []string{"dispatched", "acknowledged"}},
			{"status=", 3, []string{"dispatched", "acknowledged"}},
		} {
			l, _ := pull(t, d, k31, tc.query)
			if len(l.Orders) != tc.want {
				t.Errorf("?%s: %v, want %d", tc.query, numbersOf(l), tc.want)
			}
			for _, o := range l.Orders {
				if !slices.Contains(tc.statuses, o.Status) {
					t.Errorf("?%s returned %s in %s", tc.query, o.Number, o.Status)
				}
			}
		}
		// Paging within a status filter.
		l, hdr := pull(t, d, k31, "status=dispatched&limit=1")
		if len(l.Orders) != 1 || nextLink(hdr) == "" || !strings.Contains(nextLink(hdr), "status=dispatched") {
			t.Errorf("filtered page: %v Link %q", numbersOf(l), hdr.Get("Link"))
		}
	})
}

func TestSupplierPullBadQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		k31 := d.Keys["supplier:31"]
		for _, tc := range []struct{ query, field, reason string }{
			{"from=yesterday", "from", "RFC 3339"},
			{"to=2026-13-01T00:00:00Z", "to", "RFC 3339"},
			{"from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z", "from", "before to"},
			{"from=2026-11-22T10:00:00Z&to=2026-11-22T10:00:00Z", "from", "before to"},
			{"from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to", "31 days"},
			{"from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00.000001Z", "to", "31 days"},
			{"by=placed", "by", `"placed"`},
			{"status=lost", "status", `unknown status "lost"`},
			{"status=new,lost", "status", `"lost"`},
			{"limit=0", "limit", "1 to 500"},
			{"limit=501", "limit", "1 to 500"},
			{"limit=ten", "limit", "1 to 500"},
			{"cursor=!!", "cursor", "malformed"},
		} {
			code, _, body := d.Do(t, "GET", "/api/v1/supplier/orders?"+tc.query, k31, nil)
			var e errBody
			_ = json.Unmarshal(body, &e)
			found := false
			for _, f := range e.Error.Fields {
				found = found || f.Field == tc.field && strings.Contains(f.Message, tc.reason)
			}
			if code != 400 || e.Error.Code != "bad_query" || !found || !strings.Contains(e.Error.Message, tc.reason) {
				t.Errorf("?%s: %d %s; want 400 naming %s: %s", tc.query, code, body, tc.field, tc.reason)
			}
		}
		// Every problem at once.
		_, _, body := d.Do(t, "GET", "/api/v1/supplier/orders?status=lost,gone&limit=0&by=x", k31, nil)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if len(e.Error.Fields) != 4 {
			t.Errorf("want 4 problems: %s", body)
		}
		// Exactly 31 days is allowed.
		if code, _, body := d.Do(t, "GET", "/api/v1/supplier/orders?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", k31, nil); code != 200 {
			t.Errorf("31 days: %d %s", code, body)
		}
	})
}

func TestAcknowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		// Supplier 31 pulls through the API only, so its orders stay new;
		// 40 gets files, so its orders become dispatched.
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "api"}}
		d := apptest.StartConfig(t, cfg)
		k31, k40 := d.Keys["supplier:31"], d.Keys["supplier:40"]
		numbers := postOrders(t, d, "A", 2)
		waitStatus(t, d, k40, "dispatched", 2)
		ack := func(key, number string) (int, pulled, []byte) {
			t.Helper()
			code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/acknowledge", key, nil)
			var o pulled
			_ = json.Unmarshal(body, &o)
			return code, o, body
		}

		// new → acknowledged: pulled before any push channel delivered it.
		before, _ := pull(t, d, k31, "")
		if len(before.Orders) != 2 || before.Orders[0].Status != "new" || before.Orders[0].Version != 1 {
			t.Fatalf("31's orders: %+v", before.Orders)
		}
		code, o, body := ack(k31, numbers[0]+"-31")
		if code != 200 || o.Status != "acknowledged" || o.Version != 2 || !o.UpdatedAt.After(before.Orders[0].UpdatedAt) {
			t.Errorf("acknowledge new: %d %s", code, body)
		}
		// Again: 200, unchanged.
		code, again, body := ack(k31, numbers[0]+"-31")
		if code != 200 || again.Version != 2 || !again.UpdatedAt.Equal(o.UpdatedAt) {
			t.Errorf("acknowledge twice: %d %s", code, body)
		}

		// dispatched → acknowledged.
		code, o, body = ack(k40, numbers[1]+"-40")
		if code != 200 || o.Status != "acknowledged" || o.Version != 3 {
			t.Errorf("acknowledge dispatched: %d %s", code, body)
		}

		// Any other state: 409 naming it.
		if _, err := d.App.Store.DB().Exec(t.Context(), `UPDATE supplier_orders SET status = 'shipped' WHERE number = $1`, numbers[0]+"-40"); err != nil {
			t.Fatal(err)
		}
		code, _, body = ack(k40, numbers[0]+"-40")
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != 409 || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "shipped") {
			t.Errorf("acknowledge shipped: %d %s", code, body)
		}
		if code, _, _ := ack(k31, "nope-31"); code != 404 {
			t.Errorf("acknowledge unknown: %d", code)
		}
	})
}

func TestSupplierRoutesAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		numbers := postOrders(t, d, "K", 1)
		for _, route := range []struct{ method, path string }{
			{"GET", "/api/v1/supplier/orders"},
			{"GET", "/api/v1/supplier/orders/" + numbers[0] + "-31"},
			{"POST", "/api/v1/supplier/orders/" + numbers[0] + "-31/acknowledge"},
		} {
			for _, tc := range []struct {
				who  string
				key  string
				code int
				err  string
			}{
				{"no key", "", 401, "unauthorized"},
				{"unknown key", "sh_s_nope", 401, "unauthorized"},
				{"retailer key", d.Keys["retailer:acme"], 403, "forbidden"},
				{"admin key", d.Keys["admin"], 403, "forbidden"},
			} {
				code, hdr, body := d.Do(t, route.method, route.path, tc.key, nil)
				var e errBody
				_ = json.Unmarshal(body, &e)
				if code != tc.code || e.Error.Code != tc.err {
					t.Errorf("%s %s with %s: %d %s", route.method, route.path, tc.who, code, body)
				}
				if code == 401 && hdr.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: 401 without WWW-Authenticate", route.method, route.path)
				}
			}
		}
		// And a supplier key on the retailer routes.
		if code, _, _ := d.Do(t, "GET", "/api/v1/orders/"+numbers[0], d.Keys["supplier:31"], nil); code != 403 {
			t.Errorf("supplier key on a retailer route: %d", code)
		}
	})
}

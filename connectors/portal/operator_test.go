package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// operatorProbes are every back-office page and action, for the
// isolation matrix: with ids of real objects, so a 404 means "refused",
// not "missing".
func operatorProbes(so string, deliveryID, reviewID, userID int64) [][2]string {
	id := itoa
	return [][2]string{
		{"GET", "/portal/admin"},
		{"GET", "/portal/admin/orders"},
		{"POST", "/portal/admin/orders"},
		{"GET", "/portal/admin/orders/" + so},
		{"GET", "/portal/admin/deliveries?status=dead"},
		{"POST", "/portal/admin/deliveries/" + id(deliveryID) + "/replay"},
		{"GET", "/portal/admin/parties"},
		{"POST", "/portal/admin/endpoints/31/file/enable"},
		{"POST", "/portal/admin/endpoints/31/file/replay"},
		{"GET", "/portal/admin/review"},
		{"POST", "/portal/admin/review/" + id(reviewID) + "/apply"},
		{"POST", "/portal/admin/review/" + id(reviewID) + "/dismiss"},
		{"GET", "/portal/admin/audit"},
		{"GET", "/portal/admin/overdue"},
		{"POST", "/portal/admin/view-as"},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// seedBackOffice makes one of everything the back office acts on: an
// order with a delivered file delivery, a disabled endpoint, a review.
func seedBackOffice(t *testing.T, d *apptest.Daemon) (so string, deliveryID, reviewID int64) {
	t.Helper()
	ctx := context.Background()
	st := d.App.Store
	n, _ := postOrder(t, d, "acme", "OPS-1", "HAM-1:31")
	so = n + "-31"
	apptest.Eventually(t, 10*time.Second, "the file delivery", func() bool {
		ds, _ := st.FindDeliveries(ctx, store.DeliveryFilter{Status: domain.DeliveryDelivered})
		if len(ds) > 0 {
			deliveryID = ds[0].ID
		}
		return deliveryID != 0
	})
	sup, err := st.SupplierByCode(ctx, "31")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DisableEndpoint(ctx, sup.ID, "file", "test: gone"); err != nil {
		t.Fatal(err)
	}
	if err := st.AddReview(ctx, "email", "<m1@example.com>", "orders@tools.example", "Re: your order", "no order number found",
		[]byte("Subject: Re: your order\r\n\r\nShipped it yesterday.")); err != nil {
		t.Fatal(err)
	}
	rs, err := st.ListReviews(ctx, 10)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reviews: %v %v", rs, err)
	}
	return so, deliveryID, rs[0].ID
}

// TestIsolationOperator: supplier and retailer users get the same 404
// page on every operator page and action, GET and POST (with a valid
// token), and nothing changes; the operator gets every page.
func TestIsolationOperator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		so, did, rid := seedBackOffice(t, d)
		addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
		ops := addUser(t, d, "ops@example.com", store.PortalOperator, "")
		target := addUser(t, d, "s40@example.com", store.PortalSupplier, "40")
		probes := operatorProbes(so, did, rid, target.ID)
		for _, email := range []string{"s31@example.com", "acme@example.com"} {
			b := newBrowser(t, d)
			b.mustLogin(email)
			var notFound string
			for _, p := range probes {
				var code int
				var body string
				if p[0] == "GET" {
					code, _, body = b.get(p[1])
				} else {
					b.get("/portal/orders")
					code, _, body = b.post(p[1], url.Values{"user": {itoa(target.ID)}, "number": {so}, "action": {"acknowledge"},
						"so": {so}, "do": {"csv"}})
				}
				if code != http.StatusNotFound {
					t.Errorf("%s %s %s = %d, want 404", email, p[0], p[1], code)
				}
				if notFound == "" {
					notFound = stripToken(body)
				} else if stripToken(body) != notFound {
					t.Errorf("%s %s: the 404 page differs from the others", email, p[1])
				}
			}
		}
		ctx := context.Background()
		if es, _ := d.App.Store.ListAudit(ctx, 0, 10); len(es) != 0 {
			t.Errorf("audit after refused posts: %+v", es)
		}
		if rs, _ := d.App.Store.ListReviews(ctx, 10); len(rs) != 1 {
			t.Errorf("review resolved by a refused post: %+v", rs)
		}
		if eps, _ := d.App.Store.ListEndpoints(ctx); len(eps) != 1 || eps[0].DisabledAt == nil {
			t.Errorf("endpoint enabled by a refused post: %+v", eps)
		}
		b := newBrowser(t, d)
		b.mustLogin(ops.Email)
		for _, p := range probes {
			if p[0] != "GET" {
				continue
			}
			if code, _, body := b.get(p[1]); code != 200 {
				t.Errorf("operator GET %s = %d %.300s", p[1], code, body)
			}
		}
		for _, p := range []string{"/portal/admin/orders/nope-31", "/portal/admin/orders/" + so + "x"} {
			if code, _, _ := b.get(p); code != 404 {
				t.Errorf("operator GET %s = %d, want 404", p, code)
			}
		}
	})
}

var auditRowRE = regexp.MustCompile(`<td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>`)

// TestViewAs: an operator views the portal as a supplier user: the
// supplier's pages with a banner, operator pages 404, every POST refused
// with a clear message and nothing changed; start, refusal and stop are
// in the audit log the operator reads.
func TestViewAs(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	n, _ := postOrder(t, d, "acme", "VA-1", "HAM-1:31")
	so := n + "-31"
	sup := addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	ops := addUser(t, d, "ops@example.com", store.PortalOperator, "")
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")
	b.get("/portal/admin/parties")
	if code, h, _ := b.post("/portal/admin/view-as", url.Values{"user": {itoa(sup.ID)}}); code != http.StatusSeeOther || h.Get("Location") != "/portal/" {
		t.Fatalf("start view-as: %d %v", code, h)
	}
	code, _, body := b.get("/portal/orders/" + so)
	if code != 200 || !strings.Contains(body, `class="viewas"`) || !strings.Contains(body, "Viewing as <b>s31@example.com</b>") || !strings.Contains(body, "read-only") {
		t.Fatalf("supplier page while viewing as: %d %.2000s", code, body)
	}
	if code, _, _ := b.get("/portal/admin"); code != 404 {
		t.Errorf("operator page while viewing as a supplier: %d, want 404", code)
	}
	before, err := d.App.Store.SupplierOrderByNumber(context.Background(), sup.SupplierID, so)
	if err != nil {
		t.Fatal(err)
	}
	code, _, body = b.post("/portal/orders/"+so+"/acknowledge", nil)
	if code != http.StatusForbidden || !strings.Contains(body, "read-only, nothing was changed") {
		t.Fatalf("POST while viewing as: %d %.1500s", code, body)
	}
	got, err := d.App.Store.SupplierOrderByNumber(context.Background(), sup.SupplierID, so)
	if err != nil || got.Status == domain.StatusAcknowledged || got.Version != before.Version {
		t.Fatalf("order after a refused POST: %+v %v", got, err)
	}
	b.get("/portal/orders")
	if code, h, _ := b.post("/portal/view-as/stop", nil); code != http.StatusSeeOther || h.Get("Location") != "/portal/admin/parties" {
		t.Fatalf("stop: %d %v", code, h)
	}
	code, _, body = b.get("/portal/admin/audit")
	if code != 200 || strings.Contains(body, `class="viewas"`) {
		t.Fatalf("audit page: %d", code)
	}
	var actions []string
	for _, m := range auditRowRE.FindAllStringSubmatch(body, -1) {
		if m[2] != "ops@example.com" {
			t.Errorf("audit row by %q", m[2])
		}
		actions = append(actions, m[3])
	}
	want := []string{"view-as stop", "view-as refused", "view-as start"}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Errorf("audit actions %q, want %q", actions, want)
	}
	if !strings.Contains(body, "POST /portal/orders/"+so+"/acknowledge") {
		t.Errorf("the refused POST is not named in the audit log")
	}
	// An operator cannot view as another operator.
	b.get("/portal/admin/parties")
	b.post("/portal/admin/view-as", url.Values{"user": {itoa(ops.ID)}})
	if _, _, body := b.get("/portal/admin"); strings.Contains(body, `class="viewas"`) {
		t.Errorf("viewing as an operator")
	}
}

// TestOperatorCSRF: operator forms without their token are refused and
// change nothing.
func TestOperatorCSRF(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	so, did, rid := seedBackOffice(t, d)
	sup := addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")
	b.get("/portal/admin")
	for _, p := range operatorProbes(so, did, rid, sup.ID) {
		if p[0] != "POST" {
			continue
		}
		for _, tok := range []string{"", "forged"} {
			code, _, body := b.post(p[1], url.Values{"csrf_token": {tok}, "user": {itoa(sup.ID)}, "number": {so}, "action": {"acknowledge"}})
			if code != http.StatusForbidden || !strings.Contains(body, "security token") {
				t.Errorf("POST %s with token %q: %d", p[1], tok, code)
			}
		}
	}
	if es, _ := d.App.Store.ListAudit(context.Background(), 0, 10); len(es) != 0 {
		t.Errorf("audit after refused posts: %+v", es)
	}
}

// TestOperatorActions: review apply (through pipeline, like a reply) and
// dismiss, send now to a file drop, CSV of ticked orders, replay of a
// delivery and re-enabling an endpoint; each is in the audit log.
func TestOperatorActions(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	ctx := context.Background()
	st := d.App.Store
	so, did, rid := seedBackOffice(t, d)
	other, _ := postOrder(t, d, "other", "OPS-2", "PAINT-1:40")
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")

	// Dashboard counts and links.
	_, _, body := b.get("/portal/")
	for _, want := range []string{`id="tile-disabled"><b>1</b>`, `id="tile-review"><b>1</b>`, `id="tile-orders"><b>2</b>`, `href="/portal/admin/deliveries?status=dead"`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}

	// Review: a bad number is shown next to its field; then applied.
	code, _, body := b.post("/portal/admin/review/"+itoa(rid)+"/apply", url.Values{"number": {"nope"}, "action": {"acknowledge"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="number-`+itoa(rid)+`-err">No supplier order with this number.`) {
		t.Fatalf("apply with a bad number: %d %.500s", code, body)
	}
	code, _, _ = b.post("/portal/admin/review/"+itoa(rid)+"/apply", url.Values{"number": {so}, "action": {"acknowledge"}})
	if code != http.StatusSeeOther {
		t.Fatalf("apply: %d", code)
	}
	sup31, _ := st.SupplierByCode(ctx, "31")
	got, err := st.SupplierOrderByNumber(ctx, sup31.ID, so)
	if err != nil || got.Status != domain.StatusAcknowledged {
		t.Fatalf("after apply: %+v %v", got, err)
	}
	hist, _ := st.History(ctx, got.ID)
	if last := hist[len(hist)-1]; !strings.Contains(last.Actor, "ops@example.com (review "+itoa(rid)+")") || last.Channel != "email" {
		t.Errorf("history of the applied review: %+v", last)
	}
	if rv, _ := st.ReviewByID(ctx, rid); rv.ResolvedAt == nil || rv.ResolvedBy != "ops@example.com" {
		t.Errorf("review after apply: %+v", rv)
	}
	// A second click is told it is done, and changes nothing.
	b.get("/portal/admin/review")
	b.post("/portal/admin/review/"+itoa(rid)+"/dismiss", nil)
	if _, _, body := b.get("/portal/admin/review"); !strings.Contains(body, "already resolved by ops@example.com") {
		t.Errorf("second decision not refused: %.1500s", body)
	}
	_ = st.AddReview(ctx, "email", "<m2@example.com>", "x@example.com", "spam", "unknown sender", nil)
	rs, _ := st.ListReviews(ctx, 10)
	b.post("/portal/admin/review/"+itoa(rs[0].ID)+"/dismiss", url.Values{"why": {"spam"}})
	if rv, _ := st.ReviewByID(ctx, rs[0].ID); rv.Resolution != "dismissed: spam" {
		t.Errorf("dismissed review: %+v", rv)
	}

	// CSV of the ticked orders only.
	_, _, body = b.get("/portal/admin/orders")
	if !strings.Contains(body, `value="31/file"`) {
		t.Fatalf("no file drop offered: %.3000s", body)
	}
	code, h, csv := b.post("/portal/admin/orders", url.Values{"so": {so}, "do": {"csv"}})
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(csv, ","+so+",") || strings.Contains(csv, other+"-40") {
		t.Fatalf("csv: %d %v\n%s", code, h, csv)
	}
	b.get("/portal/admin/orders")
	if code, _, body := b.post("/portal/admin/orders", url.Values{"do": {"csv"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Tick at least one order") {
		t.Errorf("nothing ticked: %d", code)
	}

	// Send now: a new delivery to the drop, delivered by the job machinery;
	// the other supplier's order is left out and named.
	code, _, _ = b.post("/portal/admin/orders", url.Values{"so": {so, other + "-40"}, "do": {"send"}, "drop": {"31/file"}})
	if code != http.StatusSeeOther {
		t.Fatalf("send now: %d", code)
	}
	if _, _, body := b.get("/portal/admin/orders"); !strings.Contains(body, "1 order(s) queued for 31/file: "+so) || !strings.Contains(body, "another supplier): "+other+"-40") {
		t.Errorf("send-now message: %.2000s", body)
	}
	// The endpoint is disabled (seed), so the new delivery dies at once:
	// that is recorded like any other delivery. Re-enable, then replay it.
	var sent *domain.Delivery
	apptest.Eventually(t, 10*time.Second, "the send-now delivery to be worked", func() bool {
		ds, _ := st.DeliveriesOf(ctx, got.ID)
		for _, x := range ds {
			if strings.HasPrefix(x.Event, "order.created:now-") && x.Status == domain.DeliveryDead {
				sent = x
			}
		}
		return sent != nil
	})
	b.get("/portal/admin/parties")
	if code, _, _ := b.post("/portal/admin/endpoints/31/file/enable", nil); code != http.StatusSeeOther {
		t.Fatalf("enable: %d", code)
	}
	if eps, _ := st.ListEndpoints(ctx); eps[0].DisabledAt != nil {
		t.Fatalf("endpoint still disabled")
	}
	_, _, body = b.get("/portal/admin/orders/" + so)
	if !strings.Contains(body, "Replay every dead delivery of endpoint 31/file") || !strings.Contains(body, "endpoint disabled since") {
		t.Errorf("order page lacks the dead delivery: %.3000s", body)
	}
	if code, _, _ := b.post("/portal/admin/endpoints/31/file/replay", url.Values{"back": {"/portal/admin/orders/" + so}}); code != http.StatusSeeOther {
		t.Fatalf("replay endpoint: %d", code)
	}
	apptest.Eventually(t, 10*time.Second, "the replayed send-now delivery", func() bool {
		x, _ := st.DeliveryByID(ctx, sent.ID)
		return x.Status == domain.DeliveryDelivered
	})
	// Replaying one delivered delivery: same id, one more attempt.
	b.get("/portal/admin/orders/" + so)
	if code, h, _ := b.post("/portal/admin/deliveries/"+itoa(did)+"/replay", nil); code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#delivery-"+itoa(did)) {
		t.Fatalf("replay: %d %v", code, h)
	}
	apptest.Eventually(t, 10*time.Second, "the replayed delivery", func() bool {
		as, _ := st.Attempts(ctx, did)
		return len(as) == 2 && as[1].Outcome == domain.OutcomeOK
	})
	if code, _, body := b.get("/portal/admin/deliveries?supplier=nope&status=dead"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="supplier-err">No supplier with this code.`) {
		t.Errorf("deliveries with a bad supplier: %d", code)
	}
	if code, _, body := b.get("/portal/admin/deliveries?status=delivered&supplier=31"); code != 200 || !strings.Contains(body, `action="/portal/admin/deliveries/`+itoa(did)+`/replay"`) {
		t.Errorf("delivered list: %d %.2000s", code, body)
	}
	if _, _, body := b.get("/portal/admin/orders?from=2026-13-01"); !strings.Contains(body, `id="from-err">Use a date like 2026-11-30.`) {
		t.Errorf("bad date not shown next to its field")
	}
	_, _, body = b.get("/portal/admin/audit")
	for _, want := range []string{"review apply", "review dismiss", "send now", "enable endpoint", "replay endpoint", "replay delivery"} {
		if !strings.Contains(body, "<td>"+want+"</td>") {
			t.Errorf("audit lacks %q", want)
		}
	}
}

var messageIDRE = regexp.MustCompile(`(?im)^Message-Id:\s*(<[^>]+>)`)

// TestOperatorResendEmail: "Resend email" on a supplier's order email is a
// replay of that delivery: the message is sent again with the same
// Message-ID. The maildir transport names its file after the Message-ID,
// so the test removes the first file and sees it sent again.
func TestOperatorResendEmail(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Suppliers[0].Email = "orders@tools.example"
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "email"}}
	d := apptest.StartConfig(t, cfg)
	n, _ := postOrder(t, d, "acme", "MAIL-1", "HAM-1:31")
	so := n + "-31"
	mails := func() []string {
		entries, _ := os.ReadDir(filepath.Join(d.DataDir, "mail", "new"))
		var ids []string
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(d.DataDir, "mail", "new", e.Name()))
			if strings.Contains(string(b), "To: orders@tools.example") {
				if m := messageIDRE.FindStringSubmatch(string(b)); m != nil {
					ids = append(ids, m[1])
				}
			}
		}
		return ids
	}
	apptest.Eventually(t, 10*time.Second, "the order email", func() bool { return len(mails()) == 1 })
	first := mails()[0]
	entries, _ := os.ReadDir(filepath.Join(d.DataDir, "mail", "new"))
	for _, e := range entries {
		if err := os.Remove(filepath.Join(d.DataDir, "mail", "new", e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")
	_, _, body := b.get("/portal/admin/orders/" + so)
	m := regexp.MustCompile(`action="/portal/admin/deliveries/(\d+)/replay"><input type="hidden" name="csrf_token" value="[^"]+"><button type="submit">Resend email</button>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "same Message-ID") {
		t.Fatalf("no Resend email button, or no word on the Message-ID: %.3000s", body)
	}
	if code, _, _ := b.post("/portal/admin/deliveries/"+m[1]+"/replay", nil); code != http.StatusSeeOther {
		t.Fatalf("resend: %d", code)
	}
	apptest.Eventually(t, 10*time.Second, "the resent email", func() bool { return len(mails()) == 1 })
	if again := mails()[0]; again != first {
		t.Errorf("resent email has Message-ID %s, the first %s", again, first)
	}
	if _, _, body := b.get("/portal/admin/orders/" + so); !strings.Contains(body, "Resent delivery "+m[1]) {
		t.Errorf("no confirmation: %.2000s", body)
	}
}

// TestOperatorResendNotification: "Resend email" on a retailer's
// notification email (a cancellation) sends it again with the same
// Message-ID, like an order email.
func TestOperatorResendNotification(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Retailers[0].Email = "orders@acme.example"
	d := apptest.StartConfig(t, cfg)
	n, _ := postOrder(t, d, "acme", "NOTE-1", "HAM-1:31")
	so := n + "-31"
	if code, _, resp := d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/cancel", d.Keys["supplier:31"], map[string]any{"note": "Out of stock until March"}); code != 200 {
		t.Fatalf("cancel: %d %s", code, resp)
	}
	dir := filepath.Join(d.DataDir, "mail", "new")
	mails := func() []string {
		entries, _ := os.ReadDir(dir)
		var ids []string
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			if strings.Contains(string(b), "To: orders@acme.example") {
				if m := messageIDRE.FindStringSubmatch(string(b)); m != nil {
					ids = append(ids, m[1])
				}
			}
		}
		return ids
	}
	apptest.Eventually(t, 10*time.Second, "the cancellation email", func() bool { return len(mails()) == 1 })
	first := mails()[0]
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	b := newBrowser(t, d)
	b.mustLogin("ops@example.com")
	var id string
	for _, x := range mustDeliveries(t, d, so) {
		if x.Channel == "retailer/email" {
			id = itoa(x.ID)
		}
	}
	_, _, body := b.get("/portal/admin/orders/" + so)
	if id == "" || !strings.Contains(body, `action="/portal/admin/deliveries/`+id+`/replay"`) {
		t.Fatalf("no resend for the notification (delivery %q): %.3000s", id, body)
	}
	b.post("/portal/admin/deliveries/"+id+"/replay", nil)
	if _, _, body := b.get("/portal/admin/orders/" + so); !strings.Contains(body, "Resent delivery "+id) {
		t.Fatalf("resend refused: %.3000s", body)
	}
	apptest.Eventually(t, 10*time.Second, "the resent notification", func() bool { return len(mails()) == 1 })
	if again := mails()[0]; again != first {
		t.Errorf("resent notification has Message-ID %s, the first %s", again, first)
	}
}

func mustDeliveries(t *testing.T, d *apptest.Daemon, number string) []*domain.Delivery {
	t.Helper()
	ctx := context.Background()
	sid, err := d.App.Store.SupplierIDOfNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	so, err := d.App.Store.SupplierOrderByNumber(ctx, sid, number)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := d.App.Store.DeliveriesOf(ctx, so.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

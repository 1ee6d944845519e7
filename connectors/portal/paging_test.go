package portal_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

var (
	rowIDRE     = regexp.MustCompile(`<tr id="d(\d+)">`)
	olderRE     = regexp.MustCompile(`<a href="([^"]+)" rel="next">Older`)
	newestRE    = regexp.MustCompile(`<a href="([^"]+)" rel="first">`)
	auditRowR   = regexp.MustCompile(`<td>page-test (\d+)</td>`)
	manualRowRE = regexp.MustCompile(`<a href="/portal/manual/\d+">#`)
)

// TestKeysetPaging: the webhook log shows 50 notifications to a page,
// newest first, with an Older link to the rest and a Newest link back;
// no notification is on two pages or missing, the channel filter stays
// on the links, and a malformed cursor is a 400, not the first page. The
// audit log and the manual orders page
// the same way.
func TestKeysetPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		ctx := context.Background()
		st := d.App.Store
		n, _ := postOrder(t, d, "acme", "PAGE-1", "HAM-1:31")
		var soID int64
		if err := st.DB().QueryRow(ctx, `SELECT id FROM supplier_orders WHERE number = $1`, n+"-31").Scan(&soID); err != nil {
			t.Fatal(err)
		}
		// 61 notifications with no job: they stay pending, which the page
		// shows as well as any other status.
		const total = 61
		var want []*domain.Delivery
		for i := range total {
			want = append(want, &domain.Delivery{SupplierOrderID: soID, SupplierID: 0, Channel: "retailer/hooks",
				Kind: domain.ChannelWebhook, Event: fmt.Sprintf("supplier_order.status_changed:%d", 1000+i)})
		}
		sup, err := st.SupplierByCode(ctx, "31")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			w.SupplierID = sup.ID
		}
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertDeliveries(ctx, tx, want); return err }); err != nil {
			t.Fatal(err)
		}
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
		b := newBrowser(t, d)
		b.mustLogin("acme@example.com")

		seen := map[string]bool{}
		path := "/portal/webhooks?channel=hooks"
		var pages []int
		for path != "" {
			code, _, body := b.get(path)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d", path, code)
			}
			ids := rowIDRE.FindAllStringSubmatch(body, -1)
			pages = append(pages, len(ids))
			for _, m := range ids {
				if seen[m[1]] {
					t.Fatalf("notification %s on two pages", m[1])
				}
				seen[m[1]] = true
			}
			if len(pages) > 1 && newestRE.FindStringSubmatch(body) == nil {
				t.Errorf("page %d has no link back to the newest", len(pages))
			}
			path = ""
			if m := olderRE.FindStringSubmatch(body); m != nil {
				q := html.UnescapeString(m[1])
				if !strings.Contains(q, "channel=hooks") {
					t.Errorf("the Older link %q drops the channel filter", q)
				}
				path = "/portal/webhooks" + q
			}
		}
		if fmt.Sprint(pages) != "[50 11]" {
			t.Errorf("rows per page %v, want [50 11]", pages)
		}
		for _, w := range want {
			if !seen[fmt.Sprint(w.ID)] {
				t.Errorf("notification %d on no page", w.ID)
			}
		}
		for _, bad := range []string{"abc", "-3", "0"} {
			if code, _, body := b.get("/portal/webhooks?before=" + bad); code != http.StatusBadRequest || !strings.Contains(body, "before") {
				t.Errorf("before=%s: %d, want 400 naming the cursor", bad, code)
			}
		}

		// The audit log: 101 entries are two pages.
		ops := addUser(t, d, "ops@example.com", store.PortalOperator, "")
		for i := range 101 {
			if err := st.AddAudit(ctx, store.AuditEntry{OperatorID: ops.ID, Operator: ops.Email, Action: fmt.Sprintf("page-test %d", i), Target: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		o := newBrowser(t, d)
		o.mustLogin("ops@example.com")
		_, _, body := o.get("/portal/admin/audit")
		first := len(auditRowR.FindAllString(body, -1))
		m := olderRE.FindStringSubmatch(body)
		if first != 100 || m == nil {
			t.Fatalf("audit first page: %d entries, older link %v", first, m)
		}
		_, _, body = o.get("/portal/admin/audit" + html.UnescapeString(m[1]))
		if got := auditRowR.FindAllStringSubmatch(body, -1); len(got) != 1 || got[0][1] != "0" || olderRE.MatchString(body) {
			t.Errorf("audit second page: %v", got)
		}
		if code, _, _ := o.get("/portal/admin/audit?before=x"); code != http.StatusBadRequest {
			t.Errorf("audit before=x: %d, want 400", code)
		}

		// Manual orders: 51 drafts are two pages, the status filter kept.
		rt, err := st.RetailerByCode(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 51 {
			m := &store.ManualOrder{RetailerID: rt.ID, Request: []byte(fmt.Sprintf(`{"external_id":"M-%d"}`, i)), CreatedBy: ops.Email}
			if err := st.CreateManualOrder(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		_, _, body = o.get("/portal/manual?status=draft")
		rows := manualRowRE.FindAllString(body, -1)
		m = olderRE.FindStringSubmatch(body)
		if len(rows) != 50 || m == nil || !strings.Contains(html.UnescapeString(m[1]), "status=draft") {
			t.Fatalf("manual first page: %d rows, older link %v", len(rows), m)
		}
		_, _, body = o.get("/portal/manual" + html.UnescapeString(m[1]))
		if got := manualRowRE.FindAllString(body, -1); len(got) != 1 || olderRE.MatchString(body) || !strings.Contains(body, "M-0") {
			t.Errorf("manual second page: %v", got)
		}
	})
}

package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestSupplierAnswersCancelRequest: the supplier order page shows the
// retailer's open cancellation request with Accept and Refuse buttons;
// refusing needs a note, a form without the CSRF token or naming another
// order's request changes nothing, and accepting cancels the order.
func TestSupplierAnswersCancelRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		ask := func(ext string) (string, string) {
			number, _ := postOrder(t, d, "acme", ext, "HAM-1:31")
			so := number + "-31"
			if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/acknowledge", d.Keys["supplier:31"], nil); code != 200 {
				t.Fatalf("acknowledge: %d %s", code, b)
			}
			code, _, b := d.Do(t, "POST", "/api/v1/orders/"+number+"/cancellation-requests", d.Keys["retailer:acme"],
				map[string]any{"supplier_order": so, "reason": "customer <b>moved</b>"})
			var cr struct{ ID int64 }
			if err := json.Unmarshal(b, &cr); code != 201 || err != nil {
				t.Fatalf("request: %d %s", code, b)
			}
			return so, fmt.Sprint(cr.ID)
		}
		so, id := ask("PCR-1")
		other, otherID := ask("PCR-2")
		addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
		b := newBrowser(t, d)
		b.mustLogin("s31@example.com")
		_, _, page := b.get("/portal/orders/" + so)
		for _, want := range []string{`id="cancel-request"`, "customer &lt;b&gt;moved&lt;/b&gt;", `value="accept"`, `value="refuse"`, `name="csrf_token"`} {
			if !strings.Contains(page, want) {
				t.Errorf("order page lacks %q", want)
			}
		}
		if code, _, _ := b.post("/portal/orders/"+so+"/cancellation-request", url.Values{"request": {id}, "answer": {"refuse"}}); code != http.StatusUnprocessableEntity {
			t.Errorf("refuse without a note: %d", code)
		}
		if code, _, _ := b.post("/portal/orders/"+so+"/cancellation-request", url.Values{"request": {otherID}, "answer": {"accept"}}); code != http.StatusNotFound {
			t.Errorf("another order's request from this page: %d", code)
		}
		// Without the session's CSRF token: refused.
		if code, _, _ := b.post("/portal/orders/"+so+"/cancellation-request", url.Values{"request": {id}, "answer": {"accept"}, "csrf_token": {""}}); code != http.StatusForbidden {
			t.Errorf("no CSRF token: %d, want 403", code)
		}
		if code, _, _ := b.post("/portal/orders/"+so+"/cancellation-request", url.Values{"request": {id}, "answer": {"accept"}}); code != http.StatusSeeOther {
			t.Fatalf("accept: %d", code)
		}
		code, _, body := b.post("/portal/orders/"+other+"/cancellation-request", url.Values{"request": {otherID}, "answer": {"refuse"}, "cr_note": {"already packed"}})
		if code != http.StatusSeeOther {
			t.Fatalf("refuse: %d %.300s", code, body)
		}
		apptest.Eventually(t, 10*time.Second, "accepted request applied", func() bool {
			_, _, h := d.Do(t, "GET", "/api/v1/supplier/orders/"+so+"/history", d.Keys["supplier:31"], nil)
			return strings.Contains(string(h), `"to_status":"cancelled"`)
		})
		_, _, r := d.Do(t, "GET", "/api/v1/cancellation-requests/"+otherID, d.Keys["retailer:acme"], nil)
		if !strings.Contains(string(r), `"state":"refused"`) || !strings.Contains(string(r), `"answer_channel":"portal"`) {
			t.Errorf("refused in the portal: %s", r)
		}
		if _, _, page := b.get("/portal/orders/" + other); strings.Contains(page, `id="cancel-request"`) {
			t.Error("an answered request is still offered")
		}
	})
}

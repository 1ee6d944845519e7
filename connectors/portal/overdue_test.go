package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestOperatorOverdue: the operator's Overdue page lists an order left
// unacknowledged past 24h, with its supplier, retailer, reference and
// limit, and drops it once the supplier acknowledges.
func TestOperatorOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Overdue.AcknowledgeWithin = "24h"
		d := apptest.StartConfig(t, cfg)
		addUser(t, d, "ops@example.com", store.PortalOperator, "")
		number, _ := postOrder(t, d, "acme", "PO-OVERDUE", "HAM-1:31")
		so := number + "-31"
		b := newBrowser(t, d)
		b.mustLogin("ops@example.com")
		if code, _, body := b.get("/portal/admin/overdue"); code != http.StatusOK || !strings.Contains(body, "No supplier order is overdue") {
			t.Fatalf("before the scan: %d\n%s", code, body)
		}
		if res, err := d.App.Overdue.Scan(context.Background(), time.Now().Add(25*time.Hour)); err != nil || res.Alerts["acknowledge"] != 1 {
			t.Fatalf("scan: %+v %v", res, err)
		}
		code, _, body := b.get("/portal/admin/overdue")
		if code != http.StatusOK {
			t.Fatalf("overdue page: %d", code)
		}
		for _, want := range []string{`href="/portal/admin/orders/` + so + `"`, "Tools Ltd", "acme", "PO-OVERDUE", "<td>acknowledged</td><td>24h</td>"} {
			if !strings.Contains(body, want) {
				t.Errorf("overdue page lacks %q", want)
			}
		}
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/acknowledge", d.Keys["supplier:31"], map[string]any{}); code != 200 {
			t.Fatalf("acknowledge: %d %s", code, b)
		}
		if _, _, body := b.get("/portal/admin/overdue"); strings.Contains(body, so) {
			t.Errorf("still listed after acknowledging")
		}
	})
}

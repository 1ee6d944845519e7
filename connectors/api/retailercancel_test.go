package api_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRetailerCancels: the retailer cancels; every supplier order not yet
// shipped is cancelled and its supplier gets a cancel file on its channel.
func TestRetailerCancels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		_, _, body := d.Do(t, "POST", "/api/v1/orders", acme, order("RC-1"))
		var o orderBody
		_ = json.Unmarshal(body, &o)
		// 40 ships first: only 31 can still be cancelled.
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+o.Number+"-40/status", d.Keys["supplier:40"], map[string]any{"status": "shipped"}); code != 200 {
			t.Fatalf("ship: %d %s", code, b)
		}
		if code, _, b := d.Do(t, "POST", "/api/v1/orders/"+o.Number+"/cancel", acme, map[string]any{}); code != 422 {
			t.Errorf("cancel without note: %d %s", code, b)
		}
		code, _, b := d.Do(t, "POST", "/api/v1/orders/"+o.Number+"/cancel", acme, map[string]any{"note": "customer changed their mind"})
		if code != 200 {
			t.Fatalf("cancel: %d %s", code, b)
		}
		var res struct {
			Order struct {
				Status string
			}
			Results []struct {
				SupplierOrder string `json:"supplier_order"`
				Cancelled     bool
				Reason        string
			}
		}
		_ = json.Unmarshal(b, &res)
		if len(res.Results) != 2 || !res.Results[0].Cancelled || res.Results[1].Cancelled || !strings.Contains(res.Results[1].Reason, "shipped") {
			t.Errorf("results %s", b)
		}
		if res.Order.Status != "shipped" {
			t.Errorf("order status %q, want shipped (one cancelled, one shipped)", res.Order.Status)
		}
		cancelFile := d.Outbox("31") + "/" + o.Number + "-31.order.cancelled.json"
		apptest.Eventually(t, 5*time.Second, cancelFile, func() bool { _, err := os.Stat(cancelFile); return err == nil })
		_, _, hist := d.Do(t, "GET", "/api/v1/supplier/orders/"+o.Number+"-31/history", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(hist), `"actor":"retailer acme api key`) || !strings.Contains(string(hist), "customer changed their mind") {
			t.Errorf("history %s", hist)
		}
		// The commission report excludes the cancelled supplier order.
		month := time.Now().UTC().Format("2006-01")
		code, _, b = d.Do(t, "GET", "/api/v1/admin/reports/commissions?month="+month, d.Keys["admin"], nil)
		var rep struct {
			Lines []struct {
				Supplier      string
				Orders        int
				Cancellations int
				Commission    int64 `json:"commission_net"`
			}
		}
		_ = json.Unmarshal(b, &rep)
		if code != 200 || len(rep.Lines) != 2 || rep.Lines[0].Supplier != "31" || rep.Lines[0].Cancellations != 1 || rep.Lines[0].Commission != 0 ||
			rep.Lines[1].Commission != 95 {
			t.Errorf("commission report: %d %s", code, b)
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/admin/reports/commissions?month=oct", d.Keys["admin"], nil); code != 400 {
			t.Errorf("bad month: %d", code)
		}
		if code, _, _ := d.Do(t, "POST", "/api/v1/orders/"+o.Number+"/cancel", d.Keys["retailer:other"], map[string]any{"note": "x"}); code != 404 {
			t.Errorf("another retailer cancels: %d", code)
		}
		if code, _, b := d.Do(t, "POST", "/api/v1/orders/"+o.Number+"/cancel", acme, map[string]any{"note": "x", "supplier_order": o.Number + "-40"}); code != 409 {
			t.Errorf("cancel shipped one: %d %s", code, b)
		}
	})
}

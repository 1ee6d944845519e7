package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

type statusAnswer struct {
	SupplierOrder struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
	} `json:"supplier_order"`
	Applied  bool   `json:"applied"`
	Reason   string `json:"reason"`
	Replayed bool   `json:"idempotent_replay"`
}

func postStatus(t *testing.T, d *apptest.Daemon, key, number string, body any, idem string) (int, statusAnswer, string) {
	t.Helper()
	req, _ := json.Marshal(body)
	hr, _ := http.NewRequest("POST", d.URL+"/api/v1/supplier/orders/"+number+"/status", strings.NewReader(string(req)))
	hr.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		hr.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&m)
	var a statusAnswer
	_ = json.Unmarshal(m, &a)
	return resp.StatusCode, a, string(m)
}

func orderStatus(t *testing.T, d *apptest.Daemon, number string) string {
	t.Helper()
	_, _, b := d.Do(t, "GET", "/api/v1/orders/"+number, d.Keys["retailer:acme"], nil)
	var o struct{ Status string }
	_ = json.Unmarshal(b, &o)
	return o.Status
}

func TestStatusFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("ST-1"))
		var o orderBody
		_ = json.Unmarshal(body, &o)
		n31, n40 := o.Number+"-31", o.Number+"-40"
		k31, k40 := d.Keys["supplier:31"], d.Keys["supplier:40"]

		// Two packages of one hammer each (of 2), then delivered: the first
		// leaves the supplier order partially shipped.
		ship := map[string]any{"status": "shipped", "tracking": map[string]any{"carrier": "DHL", "number": "JD1", "url": "https://dhl.example/JD1"},
			"lines": []any{map[string]any{"sku": "HAM-1", "quantity": 1}}}
		if code, a, raw := postStatus(t, d, k31, n31, ship, ""); code != 200 || !a.Applied || a.SupplierOrder.Status != "partially_shipped" {
			t.Fatalf("ship: %d %s", code, raw)
		}
		if got := orderStatus(t, d, o.Number); got != "partially_shipped" {
			t.Errorf("order status %q, want partially_shipped", got)
		}
		ship["tracking"] = map[string]any{"carrier": "UPS", "number": "1Z2"}
		if code, a, raw := postStatus(t, d, k31, n31, ship, ""); code != 200 || !a.Applied || a.SupplierOrder.Status != "shipped" {
			t.Fatalf("second package: %d %s", code, raw)
		}
		// A third hammer is more than was ordered: refused, naming the line.
		if code, _, raw := postStatus(t, d, k31, n31, ship, ""); code != 422 || !strings.Contains(raw, "line 1 (SKU HAM-1): cannot ship 1, only 0 left") {
			t.Fatalf("over-ship: %d %s", code, raw)
		}
		if code, _, raw := postStatus(t, d, k31, n31, map[string]any{"status": "delivered"}, ""); code != 200 {
			t.Fatalf("deliver: %d %s", code, raw)
		}
		// Backwards and stale updates are recorded, not applied.
		if code, a, raw := postStatus(t, d, k31, n31, map[string]any{"status": "acknowledged"}, ""); code != 200 || a.Applied || !strings.HasPrefix(a.Reason, "backwards") {
			t.Errorf("backwards: %d %s", code, raw)
		}
		// Cancelling after shipping is refused, naming the state.
		if code, _, raw := postStatus(t, d, k31, n31, map[string]any{"status": "cancelled", "note": "too late"}, ""); code != 409 || !strings.Contains(raw, "delivered") {
			t.Errorf("cancel after delivery: %d %s", code, raw)
		}
		_, _, hist := d.Do(t, "GET", "/api/v1/supplier/orders/"+n31+"/history", k31, nil)
		var h struct {
			Events []struct {
				Kind, Actor, Channel string
				To                   string `json:"to_status"`
			}
			Shipments []struct {
				Carrier        string
				TrackingNumber string `json:"tracking_number"`
			}
		}
		_ = json.Unmarshal(hist, &h)
		if len(h.Shipments) != 2 || h.Shipments[0].Carrier != "DHL" || h.Shipments[1].TrackingNumber != "1Z2" {
			t.Errorf("shipments: %s", hist)
		}
		kinds := []string{}
		for _, e := range h.Events {
			if e.Actor == "supplyhub" {
				continue // the move to dispatched, which may come before or after
			}
			kinds = append(kinds, e.Kind+":"+e.To)
			if e.Channel != "api" || !strings.HasPrefix(e.Actor, "supplier api key") {
				t.Errorf("event without actor/channel: %+v", e)
			}
		}
		if strings.Join(kinds, ",") != "shipment:partially_shipped,shipment:shipped,status:delivered,ignored:delivered" {
			t.Errorf("history %v", kinds)
		}

		// Cancel needs a note; with one it works, idempotently.
		if code, _, raw := postStatus(t, d, k40, n40, map[string]any{"status": "cancelled"}, ""); code != 422 || !strings.Contains(raw, "note") {
			t.Errorf("cancel without note: %d %s", code, raw)
		}
		for i := 0; i < 2; i++ {
			code, a, raw := postStatus(t, d, k40, n40, map[string]any{"status": "cancelled", "note": "out of stock"}, "cancel-1")
			if code != 200 || !a.Applied || a.Replayed != (i == 1) || a.SupplierOrder.Status != "cancelled" {
				t.Errorf("cancel #%d: %d %s", i+1, code, raw)
			}
		}
		_, _, hist = d.Do(t, "GET", "/api/v1/supplier/orders/"+n40+"/history", k40, nil)
		var h40 struct {
			Events []struct {
				To string `json:"to_status"`
			}
		}
		_ = json.Unmarshal(hist, &h40)
		c := 0
		for _, e := range h40.Events {
			if e.To == "cancelled" {
				c++
			}
		}
		if c != 1 {
			t.Errorf("idempotent cancel recorded %d status events: %s", c, hist)
		}
		if got := orderStatus(t, d, o.Number); got != "delivered" {
			t.Errorf("order with one delivered and one cancelled supplier order: %q", got)
		}
		// Tenancy: 40 cannot touch 31's order.
		if code, _, _ := postStatus(t, d, k40, n31, map[string]any{"status": "delivered"}, ""); code != 404 {
			t.Errorf("other supplier: %d", code)
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/supplier/orders/"+n31+"/history", k40, nil); code != 404 {
			t.Errorf("other supplier's history: %d", code)
		}
		for _, bad := range []map[string]any{{"status": "teleported"}, {"status": "shipped", "tracking": map[string]any{"url": "javascript:alert(1)"}},
			{"status": "acknowledged", "occurred_at": "yesterday"}} {
			if code, _, raw := postStatus(t, d, k31, n31, bad, ""); code != 422 {
				t.Errorf("%v: %d %s", bad, code, raw)
			}
		}
	})
}

func TestStaleUpdateIgnored(t *testing.T) {
	d := apptest.Start(t, "sqlite")
	_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("STALE-1"))
	var o orderBody
	_ = json.Unmarshal(body, &o)
	old := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	code, a, raw := postStatus(t, d, d.Keys["supplier:31"], o.Number+"-31", map[string]any{"status": "acknowledged", "occurred_at": old}, "")
	if code != 200 || a.Applied || !strings.HasPrefix(a.Reason, "stale") {
		t.Errorf("stale update: %d %s", code, raw)
	}
}

func TestCancelRoute(t *testing.T) {
	d := apptest.Start(t, "sqlite")
	_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("CX-1"))
	var o orderBody
	_ = json.Unmarshal(body, &o)
	code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+o.Number+"-31/cancel", d.Keys["supplier:31"], map[string]any{"note": "discontinued"})
	if code != 200 || !strings.Contains(string(b), `"status":"cancelled"`) {
		t.Errorf("cancel: %d %s", code, b)
	}
	if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+o.Number+"-40/cancel", d.Keys["supplier:40"], map[string]any{"note": ""}); code != 422 {
		t.Errorf("empty note: %d %s", code, b)
	}
}

package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestIngestFailureLogsOneLine: an order the database refuses is one
// error line naming the order's external id, the retailer and the cause.
// It used to be two: "ingest order failed" and "api request failed".
func TestIngestFailureLogsOneLine(t *testing.T) {
	d, logs := apptest.StartLogged(t, apptest.Config(t, storetest.URL(t, "sqlite")))
	// A real database error for this one order only.
	if _, err := d.App.Store.SQLDB().Exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON orders
WHEN NEW.external_id = 'BOOM-1' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`); err != nil {
		t.Fatal(err)
	}
	body := `{"external_id":"BOOM-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":2,"unit_price":1250}]}`
	if code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body); code != 500 {
		t.Fatalf("post order: %d %s, want 500", code, b)
	}
	var errs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["level"] == "ERROR" {
			errs = append(errs, m)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d error lines, want 1: %v", len(errs), errs)
	}
	e := errs[0]
	if e["external_id"] != "BOOM-1" || e["retailer"] != "acme" || !strings.Contains(e["error"].(string), "refused by test trigger") {
		t.Errorf("error line %v: want external_id BOOM-1, retailer acme and the cause", e)
	}
}

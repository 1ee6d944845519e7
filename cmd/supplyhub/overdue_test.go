package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestOverdueList: after a scan finds an order unacknowledged past 24h,
// `supplyhub overdue list` (run beside the daemon, on its database) shows
// it, as a table and as JSON.
func TestOverdueList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Overdue.AcknowledgeWithin = "24h"
		d := apptest.StartConfig(t, cfg)
		body := `{"external_id":"CLI-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR","customer":{"name":"Zoë"},
"shipping_address":{"name":"Zoë","line1":"1 rue","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":1,"unit_price":1250}]}`
		if code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body); code != 201 {
			t.Fatalf("post: %d %s", code, b)
		}
		if res, err := d.App.Overdue.Scan(ctx, time.Now().Add(25*time.Hour)); err != nil || res.Alerts["acknowledge"] != 1 {
			t.Fatalf("scan: %+v %v", res, err)
		}
		env := []string{"SUPPLYHUB_DATABASE_URL=" + cfg.Database.URL, "SUPPLYHUB_DATA_DIR=" + cfg.DataDir}
		var out, errb bytes.Buffer
		if err := run(ctx, []string{"overdue", "list"}, &out, &errb, env); err != nil {
			t.Fatalf("overdue list: %v %s", err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[1], "-31") || !strings.Contains(lines[1], "CLI-1") ||
			!strings.Contains(lines[1], "acknowledged") || !strings.Contains(lines[1], "24h") {
			t.Errorf("overdue list:\n%s", out.String())
		}
		out.Reset()
		if err := run(ctx, []string{"overdue", "list", "--json"}, &out, &errb, env); err != nil {
			t.Fatal(err)
		}
		var views []overdueView
		if err := json.Unmarshal(out.Bytes(), &views); err != nil || len(views) != 1 || views[0].Kind != "acknowledge" || views[0].Supplier != "31" {
			t.Errorf("overdue list --json: %v\n%s", err, out.String())
		}
		if err := run(ctx, []string{"overdue", "lst"}, &out, &errb, env); err == nil {
			t.Error("overdue lst: no usage error")
		}
	})
}

package app_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/reports"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestStatusFileLineAnswers: a supplier backorders one line and rejects
// another in a status file uploaded to the built-in SFTP server. The
// retailer's webhook receiver gets supplier_order.lines_changed and
// supplier_order.lines_cancelled (signed), its mailbox an email for each,
// and the ledger and the monthly summary match the hand computation below.
func TestStatusFileLineAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Retailers[0].StatusEmails = true
		cfg.Retailers[0].Channels = []config.Channel{
			{Type: "webhook", Settings: map[string]any{"url": rcv.srv.URL, "secret": secret}},
			{Type: "email"},
		}
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "sftp", Settings: map[string]any{"hosted": true}}}
		d := apptest.StartConfig(t, cfg)
		sftpAccount(t, d, "31")

		body := `{"external_id":"LA-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR","shipping":{"31":490},
"customer":{"name":"Zoë Martin"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":2,"unit_price":1250},
{"sku":"SAW-1","supplier":"31","name":"Saw","quantity":1,"unit_price":4000},
{"sku":"NAIL-1","supplier":"31","name":"Nails","quantity":10,"unit_price":35}]}`
		code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body)
		if code != 201 {
			t.Fatalf("post order: %d %s", code, resp)
		}
		var o struct{ Number string }
		_ = json.Unmarshal(resp, &o)
		so := o.Number + "-31"

		c := sftpClient(t, d, "31")
		f, err := c.Create("/inbound/status.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte("supplier_order_number,line,status,expected_date,reason_code,note\r\n" +
			so + ",1,backordered,2026-12-20,,\r\n" +
			so + ",2,rejected,,out_of_range,Discontinued\r\n"))
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 15*time.Second, "file archived", func() bool { _, err := c.Stat("/archive/status.csv"); return err == nil })
		if rf, err := c.Open("/inbound/status.errors.csv"); err == nil {
			report, _ := io.ReadAll(rf)
			rf.Close()
			t.Fatalf("rows rejected:\n%s", report)
		}

		// The webhooks, signed, one per row.
		type lineEvent struct {
			Type string `json:"type"`
			Data struct {
				Change struct {
					To   string `json:"to_status"`
					Data struct {
						Lines []store.LineChange `json:"lines"`
					} `json:"data"`
				} `json:"change"`
				SupplierOrder struct {
					Status string `json:"status"`
					Lines  []struct {
						Position     int    `json:"position"`
						Status       string `json:"status"`
						ExpectedDate string `json:"expected_date"`
					} `json:"lines"`
				} `json:"supplier_order"`
			} `json:"data"`
		}
		got := map[string]lineEvent{}
		apptest.Eventually(t, 15*time.Second, "both line webhooks", func() bool {
			for _, call := range rcv.calls() {
				var ev lineEvent
				if json.Unmarshal(call.body, &ev) == nil && strings.HasPrefix(ev.Type, "supplier_order.lines_") {
					wh, _ := standardwebhooks.NewWebhook(secret)
					if err := wh.Verify(call.body, call.header); err != nil {
						t.Errorf("%s signature: %v", ev.Type, err)
					}
					got[ev.Type] = ev
				}
			}
			return len(got) == 2
		})
		bo := got["supplier_order.lines_changed"]
		if l := bo.Data.Change.Data.Lines; len(l) != 1 || l[0].Position != 1 || l[0].To != "backordered" || l[0].ExpectedDate != "2026-12-20" ||
			bo.Data.Change.To != "backordered" || bo.Data.SupplierOrder.Lines[0].ExpectedDate != "2026-12-20" {
			t.Errorf("lines_changed: %+v", bo)
		}
		rej := got["supplier_order.lines_cancelled"]
		if l := rej.Data.Change.Data.Lines; len(l) != 1 || l[0].Position != 2 || l[0].To != "rejected" || l[0].CancelledQty != 1 ||
			l[0].ReasonCode != "out_of_range" || l[0].Reason != "Discontinued" || rej.Data.SupplierOrder.Status != "backordered" {
			t.Errorf("lines_cancelled: %+v", rej)
		}

		// The emails: opted in for the backorder, always for the rejection.
		apptest.Eventually(t, 10*time.Second, "both emails", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "Subject: Lines changed: order "+o.Number, "expected 2026-12-20")) == 1 &&
				len(mails(t, d, "To: orders@acme.example", "Subject: Lines cancelled: order "+o.Number, "out_of_range Discontinued")) == 1
		})

		// The ledger, by hand (2.2 %): the accrual on 68.50 is 1.51 (1.507)
		// with 4.90 shipping, paid 71.89; rejecting the saw (40.00) leaves
		// 28.50, commission 0.63 (0.627): a reversal of −40.00 items and
		// −0.88 commission, payout −39.12. Net 28.50, 0.63, 4.90, 32.77.
		month := time.Now().UTC().Format("2006-01")
		rep, err := d.App.Store.CommissionReport(ctx, month, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep) != 1 || rep[0].Accruals != 1 || rep[0].Reversals != 1 || rep[0].ItemTotal != 2850 || rep[0].Shipping != 490 ||
			rep[0].Accrued != 151 || rep[0].Reversed != -88 || rep[0].Commission != 63 || rep[0].Payout != 3277 {
			t.Errorf("commission report: %+v", rep)
		}
		r, err := d.App.Store.RetailerByCode(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		sum, err := reports.BuildSummary(ctx, d.App.Store, r, month)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Rows) != 1 || sum.Rows[0].Status != "backordered" || sum.Rows[0].ItemTotal != 2850 || sum.Rows[0].Commission != 63 ||
			sum.Rows[0].Payout != 3277 || sum.Totals.Commission != 63 {
			t.Errorf("summary rows: %+v totals %+v", sum.Rows, sum.Totals)
		}
		if lc := sum.LineCancellations; len(lc) != 1 || lc[0].SupplierOrder != so || lc[0].Position != 2 || lc[0].SKU != "SAW-1" ||
			lc[0].Quantity != 1 || lc[0].Status != "rejected" || lc[0].ReasonCode != "out_of_range" || lc[0].Reason != "Discontinued" ||
			lc[0].Channel != "file" {
			t.Errorf("summary line cancellations: %+v", lc)
		}
		if code, _, b := d.Do(t, "GET", "/api/v1/orders/"+o.Number, d.Keys["retailer:acme"], nil); code != 200 ||
			!strings.Contains(string(b), `"status":"backordered"`) || !strings.Contains(string(b), `"reason_code":"out_of_range"`) {
			t.Errorf("retailer's order: %d %s", code, b)
		}
	})
}

package app_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestStatusFileCancels: a supplier uploads a status CSV to /inbound; the
// good row cancels its order (the retailer is emailed), the bad row lands
// in status.errors.csv with its reason, the file moves to /archive, and
// the same file uploaded again changes nothing.
func TestStatusFileCancels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "sftp", Settings: map[string]any{"hosted": true}}}
		d := apptest.StartConfig(t, cfg)
		sftpAccount(t, d, "31")
		number := postOrder(t, d, "F-1")
		c := sftpClient(t, d, "31")
		content := "supplier_order_number,status,note\r\n" + number + "-31,cancelled,out of stock\r\n999-31,shipped,\r\n"
		upload := func() {
			f, err := c.Create("/inbound/status.csv")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte(content)); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
		upload()
		apptest.Eventually(t, 10*time.Second, "file archived", func() bool { _, err := c.Stat("/archive/status.csv"); return err == nil })
		rf, err := c.Open("/inbound/status.errors.csv")
		if err != nil {
			t.Fatalf("errors file: %v", err)
		}
		report, _ := io.ReadAll(rf)
		rf.Close()
		if !strings.Contains(string(report), "999-31") || !strings.Contains(string(report), "no supplier order 999-31") {
			t.Errorf("errors file:\n%s", report)
		}
		if strings.Contains(string(report), number+"-31,cancelled") {
			t.Errorf("the good row is reported as bad:\n%s", report)
		}
		_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"-31/history", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(b), `"to_status":"cancelled"`) || !strings.Contains(string(b), `"channel":"file"`) ||
			!strings.Contains(string(b), `"actor":"file status.csv"`) {
			t.Errorf("history: %s", b)
		}
		apptest.Eventually(t, 5*time.Second, "cancellation email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "out of stock")) == 1
		})
		// Again: nothing changes.
		_ = c.Remove("/inbound/status.errors.csv")
		upload()
		apptest.Eventually(t, 10*time.Second, "second file processed", func() bool {
			_, err := c.Stat("/inbound/status.errors.csv")
			_, err2 := c.Stat("/inbound/status.csv")
			return err == nil && err2 != nil
		})
		_, _, b = d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"-31/history", d.Keys["supplier:31"], nil)
		if n := strings.Count(string(b), `"to_status":"cancelled"`); n != 1 {
			t.Errorf("the same file applied twice: %d cancellation events", n)
		}
		if got := mails(t, d, "To: orders@acme.example"); len(got) != 1 {
			t.Errorf("%d emails to the retailer, want 1", len(got))
		}
		// The bad row waits in the operators' review queue, once for both uploads.
		rs, err := d.App.Store.ListReviews(context.Background(), 10)
		if err != nil || len(rs) != 1 || rs[0].Source != "status-file" || rs[0].Subject != "status.csv row 3" ||
			!strings.Contains(rs[0].Why, "no supplier order 999-31") || !strings.Contains(rs[0].Sender, "supplier 31") {
			t.Errorf("review queue: %+v %v", rs, err)
		}
	})
}

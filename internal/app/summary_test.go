package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestDueMonth(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	sched, _ := cron.ParseStandard("0 6 1 * *")
	for _, tc := range []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.UTC, "2026-09"}, // before 06:00 on the 1st: October not yet due
		{time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), time.UTC, "2026-10"},
		{time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), time.UTC, "2026-10"},
		{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), paris, "2026-10"}, // 06:30 in Paris
		{time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC), time.UTC, "2025-12"},
	} {
		if got := app.DueMonth(tc.now, tc.loc, sched); got != tc.want {
			t.Errorf("DueMonth(%s, %s) = %q, want %q", tc.now, tc.loc, got, tc.want)
		}
	}
}

// TestMonthlySummary: the summary lists the month's orders and totals and
// every cancellation with its note, with the CSV attached.
func TestMonthlySummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Retailers[0].Email = "orders@acme.example"
		d := apptest.StartConfig(t, cfg)
		n1 := postOrder(t, d, "SUM-1")
		postOrder(t, d, "SUM-2")
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+n1+"-31/cancel", d.Keys["supplier:31"], map[string]any{"note": "warehouse flooded"}); code != 200 {
			t.Fatalf("cancel: %d %s", code, b)
		}
		ctx := context.Background()
		r, _ := d.App.Store.RetailerByCode(ctx, "acme")
		month := time.Now().UTC().Format("2006-01")
		if sent, err := d.App.Summaries.Send(ctx, r, month, false); err != nil || !sent {
			t.Fatalf("send: %v %v", sent, err)
		}
		// A month with nothing in it is skipped by the scheduled run.
		if sent, err := d.App.Summaries.Send(ctx, r, "2001-01", true); err != nil || sent {
			t.Errorf("empty month: sent %v, %v", sent, err)
		}
		got := mails(t, d, "To: orders@acme.example", "Subject: Your Supplyhub summary for "+month)
		if len(got) != 1 {
			t.Fatalf("%d summary emails", len(got))
		}
		for _, want := range []string{"2 orders, 1 cancellations", "warehouse flooded", "supplyhub-acme-" + month + ".csv"} {
			if !strings.Contains(got[0], want) && !strings.Contains(strings.ReplaceAll(got[0], "=\r\n", ""), want) {
				t.Errorf("summary lacks %q", want)
			}
		}
	})
}

// TestSummaryQueuedOncePerMonth: the leader's scan queues last month's
// summary for every retailer, and a restart (another scan) adds nothing.
func TestSummaryQueuedOncePerMonth(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	d := apptest.StartConfig(t, cfg)
	count := func() int {
		var n int
		_ = d.App.Store.DB().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'monthly_summary'`).Scan(&n)
		return n
	}
	apptest.Eventually(t, 20*time.Second, "summaries queued", func() bool { return count() == len(cfg.Retailers) })
	d.Stop()
	d2 := apptest.StartConfig(t, cfg2(cfg))
	apptest.Eventually(t, 20*time.Second, "second scan ran", func() bool {
		var n int
		_ = d2.App.Store.DB().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'monthly_summary_scan'`).Scan(&n)
		return n >= 2
	})
	var n int
	_ = d2.App.Store.DB().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'monthly_summary'`).Scan(&n)
	if n != len(cfg.Retailers) {
		t.Errorf("%d summary jobs after a restart, want %d", n, len(cfg.Retailers))
	}
}

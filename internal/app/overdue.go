package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// overdueScanArgs is the periodic, leader-elected look for overdue
// supplier orders (overdue.check_every).
type overdueScanArgs struct{}

func (overdueScanArgs) Kind() string { return "overdue_scan" }

// overdueLimits reads a supplier's overdue policy from the configuration.
func overdueLimits(cfg *config.Config) func(code string) pipeline.OverdueLimits {
	return func(code string) pipeline.OverdueLimits {
		l := cfg.OverdueFor(code)
		return pipeline.OverdueLimits{AcknowledgeWithin: l.AcknowledgeWithin, ShipWithin: l.ShipWithin, NotifyRetailer: l.NotifyRetailer}
	}
}

type overdueScanWorker struct {
	river.WorkerDefaults[overdueScanArgs]
	scan *pipeline.OverdueScanner
	now  func() time.Time
	log  *slog.Logger
}

func (w *overdueScanWorker) Work(ctx context.Context, _ *river.Job[overdueScanArgs]) error {
	res, err := w.scan.Scan(ctx, w.now())
	if err != nil {
		return err
	}
	if n := res.Alerts[pipeline.OverdueAcknowledge] + res.Alerts[pipeline.OverdueShip]; n > 0 || res.Resolved > 0 {
		w.log.Info("overdue scan", "acknowledge", res.Alerts[pipeline.OverdueAcknowledge], "ship", res.Alerts[pipeline.OverdueShip], "resolved", res.Resolved)
	}
	return nil
}

// overdueAlertWorker emails the operator the breaches one scan
// transaction recorded. Its job is inserted in that transaction, so the
// email cannot be lost; a failed send is retried by River under the same
// Message-ID.
type overdueAlertWorker struct {
	river.WorkerDefaults[pipeline.OverdueAlertArgs]
	st    *store.Store
	alert *alerter
}

func (w *overdueAlertWorker) Work(ctx context.Context, job *river.Job[pipeline.OverdueAlertArgs]) error {
	rows, err := w.st.OverdueByIDs(ctx, job.Args.AlertIDs)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	subject, body := overdueEmail(rows)
	return w.alert.send(ctx, subject, body, "overdue", fmt.Sprint(rows[0].ID))
}

// overdueEmail is the operator's email about alerts of one supplier and kind.
func overdueEmail(rows []store.OverdueRow) (subject, body string) {
	r0 := rows[0]
	what := "not acknowledged"
	if r0.Kind == pipeline.OverdueShip {
		what = "not shipped"
	}
	orders, them := "a supplier order", "it"
	if len(rows) > 1 {
		orders, them = fmt.Sprintf("%d supplier orders", len(rows)), "them"
	}
	subject = fmt.Sprintf("Supplyhub: %s of supplier %s %s within %s", orders, r0.Supplier, what, pipeline.FormatWithin(r0.Limit))
	var b strings.Builder
	fmt.Fprintf(&b, "Supplier %s (%s) has %s %s within %s of Supplyhub accepting %s:\n\n",
		r0.Supplier, r0.SupplierName, orders, what, pipeline.FormatWithin(r0.Limit), them)
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s  retailer %s, reference %s, due %s, status %s\n", r.Number, r.Retailer, r.ExternalID,
			r.DueAt.UTC().Format(time.RFC3339), r.Status)
	}
	b.WriteString("\nEach breach is told once. The ones still open: supplyhub overdue list\n")
	return subject, b.String()
}

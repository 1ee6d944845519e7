package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"

	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/reports"
	"github.com/supplyhub/supplyhub/internal/store"
)

// SummaryArgs sends one retailer's summary of one month.
type SummaryArgs struct {
	RetailerID int64  `json:"retailer_id"`
	Month      string `json:"month"`
}

// Kind names the job for River.
func (SummaryArgs) Kind() string { return "monthly_summary" }

// summaryScanArgs is the hourly, leader-elected check for summaries due.
type summaryScanArgs struct{}

func (summaryScanArgs) Kind() string { return "monthly_summary_scan" }

// Summarizer builds and emails monthly summaries.
type Summarizer struct {
	st     *store.Store
	mailer *Mailer
	render *email.Renderer
	log    *slog.Logger
}

// NewSummarizer builds the summary sender from the configured mail.
func NewSummarizer(st *store.Store, mailer *Mailer, render *email.Renderer, log *slog.Logger) *Summarizer {
	return &Summarizer{st: st, mailer: mailer, render: render, log: log}
}

// Send emails retailer r its summary of month, with the detail as CSV.
// It reports false, sending nothing, when the retailer has no address, or
// when skipEmpty is set and nothing happened that month (the scheduled
// run; an operator's explicit send goes out regardless). The Message-ID
// is the same on every send of one month, so a re-send replaces rather
// than adds a thread.
func (s *Summarizer) Send(ctx context.Context, r *domain.Retailer, month string, skipEmpty bool) (bool, error) {
	if r.Email == "" {
		s.log.Warn("monthly summary not sent: the retailer has no email address", "retailer", r.Code, "month", month)
		return false, nil
	}
	sum, err := reports.BuildSummary(ctx, s.st, r, month)
	if err != nil {
		return false, err
	}
	if skipEmpty && sum.Empty() {
		s.log.Info("monthly summary skipped: nothing happened", "retailer", r.Code, "month", month)
		return false, nil
	}
	cur := ""
	if len(sum.Rows) > 0 {
		cur = sum.Rows[0].Currency
	}
	subject, text, html, err := s.render.Render("monthly_summary", email.Data{Values: map[string]any{"S": sum, "Currency": cur}})
	if err != nil {
		return false, fmt.Errorf("summary %s %s: render: %w", r.Code, month, err)
	}
	var csvBuf bytes.Buffer
	if err := sum.WriteCSV(&csvBuf); err != nil {
		return false, err
	}
	to, err := mail.ParseAddress(r.Email)
	if err != nil {
		return false, fmt.Errorf("summary %s: retailer email: %w", r.Code, err)
	}
	msg := &email.Message{From: s.mailer.From, To: []email.Address{*to}, Subject: subject, Text: text, HTML: html,
		MessageID: email.MessageID("summary", r.Code+"-"+month, s.mailer.Domain), Date: time.Now().UTC(),
		Attachments: []email.Attachment{{Filename: "supplyhub-" + r.Code + "-" + month + ".csv", ContentType: "text/csv", Data: csvBuf.Bytes()}},
		Headers:     map[string]string{"Auto-Submitted": "auto-generated"}}
	raw, err := email.Build(msg)
	if err != nil {
		return false, fmt.Errorf("summary %s %s: %w", r.Code, month, err)
	}
	if err := s.mailer.Transport.Send(ctx, s.mailer.From.Address, msg.Recipients(), raw); err != nil {
		return false, fmt.Errorf("summary %s %s: %w", r.Code, month, err)
	}
	s.log.Info("monthly summary sent", "retailer", r.Code, "month", month, "orders", sum.Orders, "cancellations", len(sum.Cancellations))
	return true, nil
}

type summaryWorker struct {
	river.WorkerDefaults[SummaryArgs]
	s *Summarizer
}

func (w *summaryWorker) Work(ctx context.Context, job *river.Job[SummaryArgs]) error {
	r, err := w.s.st.RetailerByID(ctx, job.Args.RetailerID)
	if err != nil {
		return fmt.Errorf("summary: retailer %d: %w", job.Args.RetailerID, err)
	}
	_, err = w.s.Send(ctx, r, job.Args.Month, true)
	return err
}

// summaryScanWorker queues the summaries that are due. Each is inserted
// unique by (retailer, month), so however often the scan runs, on however
// many replicas, a month is summarised once.
type summaryScanWorker struct {
	river.WorkerDefaults[summaryScanArgs]
	st       *store.Store
	q        jobs.Queue
	schedule cron.Schedule
	log      *slog.Logger
}

func (w *summaryScanWorker) Work(ctx context.Context, _ *river.Job[summaryScanArgs]) error {
	retailers, err := w.st.ListRetailers(ctx)
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, r := range retailers {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		month := DueMonth(time.Now(), loc, w.schedule)
		if month == "" {
			continue
		}
		params = append(params, river.InsertManyParams{Args: SummaryArgs{RetailerID: r.ID, Month: month},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	return w.q.Insert(ctx, params)
}

// DueMonth is the month whose summary is due at now: the month before the
// schedule's latest tick at or before now, in loc ("" if none in the last
// two months).
func DueMonth(now time.Time, loc *time.Location, sched cron.Schedule) string {
	local := now.In(loc)
	var last time.Time
	for t := sched.Next(local.AddDate(0, -2, 0)); !t.IsZero() && !t.After(local); t = sched.Next(t) {
		last = t
	}
	if last.IsZero() {
		return ""
	}
	first := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, loc)
	return first.AddDate(0, -1, 0).Format("2006-01")
}

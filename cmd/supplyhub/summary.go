package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/reports"
)

// cmdSummary: supplyhub summary send --retailer acme --month 2026-10 sends
// (or re-sends) one monthly summary now.
func cmdSummary(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "send" {
		return usageErr("usage: supplyhub summary send --retailer CODE --month 2026-10")
	}
	fs, cfgPath := newFlags("summary send", stderr)
	retailer := fs.String("retailer", "", "retailer code")
	month := fs.String("month", "", "month, e.g. 2026-10")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *retailer == "" {
		return usageErr("--retailer is required")
	}
	if _, err := reports.ParseMonth(*month); err != nil {
		return usageErr("--month: %v", err)
	}
	cfg, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.RetailerByCode(ctx, *retailer)
	if err != nil {
		return usageErr("retailer %q: %v", *retailer, err)
	}
	mailer, err := app.NewMailer(cfg)
	if err != nil {
		return err
	}
	render, err := email.NewRenderer(cfg.Mail.Templates)
	if err != nil {
		return err
	}
	sent, err := app.NewSummarizer(st, mailer, render, slog.New(slog.NewTextHandler(stderr, nil))).Send(ctx, r, *month, false)
	if err != nil {
		return err
	}
	if !sent {
		return fmt.Errorf("retailer %s has no email address", r.Code)
	}
	fmt.Fprintf(stderr, "summary of %s sent to %s\n", *month, r.Email)
	return nil
}

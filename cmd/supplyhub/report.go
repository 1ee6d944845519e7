package main

import (
	"context"
	"io"

	"github.com/supplyhub/supplyhub/internal/reports"
)

// cmdReport: supplyhub report commissions --month 2026-10 [--retailer R] [--format table|csv]
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "commissions" {
		return usageErr("usage: supplyhub report commissions --month 2026-10 [--retailer CODE] [--format table|csv]")
	}
	fs, cfgPath := newFlags("report commissions", stderr)
	month := fs.String("month", "", "month, e.g. 2026-10 (UTC)")
	retailer := fs.String("retailer", "", "only this retailer's orders")
	format := fs.String("format", "table", "table or csv")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if _, err := reports.ParseMonth(*month); err != nil {
		return usageErr("--month: %v", err)
	}
	if *format != "table" && *format != "csv" {
		return usageErr("--format must be table or csv")
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	var rid int64
	if *retailer != "" {
		r, err := st.RetailerByCode(ctx, *retailer)
		if err != nil {
			return usageErr("retailer %q: %v", *retailer, err)
		}
		rid = r.ID
	}
	lines, err := st.CommissionReport(ctx, *month, rid)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return reports.WriteCommissionsCSV(stdout, lines)
	}
	return reports.WriteCommissionsTable(stdout, lines)
}

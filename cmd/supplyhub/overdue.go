package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/supplyhub/supplyhub/pipeline"
)

// overdueView is an open alert as `overdue list --json` prints it.
type overdueView struct {
	SupplierOrder string    `json:"supplier_order"`
	Supplier      string    `json:"supplier"`
	Retailer      string    `json:"retailer"`
	ExternalID    string    `json:"external_id"`
	Kind          string    `json:"kind"`
	Limit         string    `json:"limit"`
	DueAt         time.Time `json:"due_at"`
	DetectedAt    time.Time `json:"detected_at"`
	Status        string    `json:"status"`
}

// cmdOverdue: supplyhub overdue list — supplier orders past a limit and
// still not acknowledged or shipped.
func cmdOverdue(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usageErr("usage: supplyhub overdue list [--limit N] [--json]")
	}
	fs, cfgPath := newFlags("overdue list", stderr)
	limit := fs.Int("limit", 100, "at most this many")
	asJSON := fs.Bool("json", false, "one JSON array")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *limit < 1 {
		return usageErr("--limit must be at least 1")
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.OpenOverdue(ctx, pipeline.OverdueStatuses(), *limit)
	if err != nil {
		return err
	}
	views := make([]overdueView, len(rows))
	for i, r := range rows {
		views[i] = overdueView{SupplierOrder: r.Number, Supplier: r.Supplier, Retailer: r.Retailer, ExternalID: r.ExternalID,
			Kind: r.Kind, Limit: pipeline.FormatWithin(r.Limit), DueAt: r.DueAt, DetectedAt: r.DetectedAt, Status: r.CurrentStatus}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SUPPLIER ORDER\tSUPPLIER\tRETAILER\tREFERENCE\tNOT\tLIMIT\tDUE\tSTATUS")
	for _, v := range views {
		not := "acknowledged"
		if v.Kind == pipeline.OverdueShip {
			not = "shipped"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.SupplierOrder, v.Supplier, v.Retailer, oneLine(v.ExternalID, 40),
			not, v.Limit, v.DueAt.Format(time.RFC3339), v.Status)
	}
	return w.Flush()
}

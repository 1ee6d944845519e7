package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// cmdReview: supplyhub review list — inbound messages waiting for an operator.
func cmdReview(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usageErr("usage: supplyhub review list [--limit N]")
	}
	fs, cfgPath := newFlags("review list", stderr)
	limit := fs.Int("limit", 100, "at most this many")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.ListReviews(ctx, *limit)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tRECEIVED\tSOURCE\tFROM\tSUBJECT\tREASON")
	for _, r := range rs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedAt.Format(time.RFC3339), r.Source, oneLine(r.Sender, 40), oneLine(r.Subject, 50), oneLine(r.Why, 100))
	}
	return w.Flush()
}

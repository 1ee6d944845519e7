package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

func cmdDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageErr("usage: supplyhub deliveries list|show|replay …")
	}
	switch args[0] {
	case "list":
		return deliveriesList(ctx, args[1:], stdout, stderr, env)
	case "show":
		return deliveriesShow(ctx, args[1:], stdout, stderr, env)
	case "replay":
		return deliveriesReplay(ctx, args[1:], stdout, stderr, env)
	}
	return usageErr("unknown deliveries command %q", args[0])
}

// supplierID resolves a supplier code (0 for none).
func supplierID(ctx context.Context, st *store.Store, code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	s, err := st.SupplierByCode(ctx, code)
	if err != nil {
		return 0, usageErr("supplier %q: %v", code, err)
	}
	return s.ID, nil
}

// storeAndSupplier opens the configured store and resolves a supplier code
// (0 for none); the caller closes the store.
func storeAndSupplier(ctx context.Context, cfgPath string, env []string, code string) (*store.Store, int64, error) {
	_, st, err := configAndStore(ctx, cfgPath, env)
	if err != nil {
		return nil, 0, err
	}
	sid, err := supplierID(ctx, st, code)
	if err != nil {
		st.Close()
		return nil, 0, err
	}
	return st, sid, nil
}

func deliveriesList(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("deliveries list", stderr)
	failed := fs.Bool("failed", false, "only deliveries that are failing or dead")
	status := fs.String("status", "", "pending, delivered, failed or dead")
	supplier := fs.String("supplier", "", "supplier code")
	channel := fs.String("channel", "", "channel name")
	limit := fs.Int("limit", 100, "at most this many")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, sid, err := storeAndSupplier(ctx, *cfgPath, env, *supplier)
	if err != nil {
		return err
	}
	defer st.Close()
	statuses := []string{*status}
	if *failed {
		statuses = []string{domain.DeliveryFailed, domain.DeliveryDead}
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSUPPLIER ORDER\tSUPPLIER\tCHANNEL\tEVENT\tSTATUS\tATTEMPTS\tUPDATED\tLAST ERROR")
	for _, s := range statuses {
		ds, err := st.FindDeliveries(ctx, store.DeliveryFilter{Status: s, SupplierID: sid, Channel: *channel, Limit: *limit})
		if err != nil {
			return err
		}
		for _, d := range ds {
			so, _ := st.SupplierOrderByID(ctx, d.SupplierOrderID)
			number, code := "?", "?"
			if so != nil {
				number, code = so.Number, so.Supplier
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, number, code, d.Channel, d.Event, d.Status,
				d.Attempts, d.UpdatedAt.Format(time.RFC3339), oneLine(d.LastError, 80))
		}
	}
	return w.Flush()
}

func deliveriesShow(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("deliveries show", stderr)
	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	if fs.NArg() != 1 {
		return usageErr("usage: supplyhub deliveries show ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return usageErr("delivery id %q is not a number", fs.Arg(0))
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.DeliveryByID(ctx, id)
	if err != nil {
		return fmt.Errorf("delivery %d: %w", id, err)
	}
	fmt.Fprintf(stdout, "delivery %d: %s on %s (%s), %s after %d attempts\n", d.ID, d.Event, d.Channel, d.Kind, d.Status, d.Attempts)
	as, err := st.Attempts(ctx, id)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "#\tSTARTED\tDURATION\tOUTCOME\tCODE\tERROR\tRESPONSE")
	for _, a := range as {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", a.Number, a.StartedAt.Format(time.RFC3339), a.Duration.Round(time.Microsecond),
			a.Outcome, a.StatusCode, oneLine(a.Error, 60), oneLine(a.Response, 60))
	}
	return w.Flush()
}

func deliveriesReplay(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("deliveries replay", stderr)
	endpoint := fs.String("endpoint", "", "SUPPLIER/CHANNEL: replay its dead deliveries")
	since := fs.String("since", "", "with --endpoint: only deliveries created at or after this RFC 3339 time")
	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	var ids []int64
	for _, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return usageErr("delivery id %q is not a number", a)
		}
		ids = append(ids, id)
	}
	if (len(ids) == 0) == (*endpoint == "") {
		return usageErr("usage: supplyhub deliveries replay ID… | --endpoint SUPPLIER/CHANNEL [--since TIME]")
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := jobs.New(st, jobs.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	var res []pipeline.ReplayResult
	if *endpoint != "" {
		code, channel, ok := strings.Cut(*endpoint, "/")
		if !ok {
			return usageErr("--endpoint must be SUPPLIER/CHANNEL, e.g. 31/webhook")
		}
		f := store.DeliveryFilter{Channel: channel}
		if f.SupplierID, err = supplierID(ctx, st, code); err != nil {
			return err
		}
		if *since != "" {
			if f.Since, err = time.Parse(time.RFC3339, *since); err != nil {
				return usageErr("--since must be an RFC 3339 time")
			}
		}
		res, err = pipeline.ReplayEndpoint(ctx, st, q, f)
	} else {
		res, err = pipeline.Replay(ctx, st, q, ids)
	}
	n := 0
	for _, r := range res {
		if r.Replayed {
			n++
			fmt.Fprintf(stdout, "%d\treplayed\n", r.DeliveryID)
		} else {
			fmt.Fprintf(stdout, "%d\tskipped: %s\n", r.DeliveryID, r.Reason)
		}
	}
	fmt.Fprintf(stderr, "%d of %d deliveries queued again\n", n, len(res))
	return err
}

func cmdEndpoint(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "enable") {
		return usageErr("usage: supplyhub endpoint list | enable --supplier C --channel N")
	}
	fs, cfgPath := newFlags("endpoint "+args[0], stderr)
	supplier := fs.String("supplier", "", "supplier code")
	channel := fs.String("channel", "", "channel name")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "enable" {
		if *supplier == "" || *channel == "" {
			return usageErr("endpoint enable needs --supplier and --channel")
		}
		sid, err := supplierID(ctx, st, *supplier)
		if err != nil {
			return err
		}
		if err := st.EnableEndpoint(ctx, sid, *channel); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "endpoint %s/%s enabled; replay what it missed with: supplyhub deliveries replay --endpoint %s/%s --since TIME\n",
			*supplier, *channel, *supplier, *channel)
		return nil
	}
	eps, err := st.ListEndpoints(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SUPPLIER\tCHANNEL\tFAILING SINCE\tDISABLED AT\tREASON")
	for _, e := range eps {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.Supplier, e.Channel, fmtTime(e.FailingSince), fmtTime(e.DisabledAt), oneLine(e.DisabledReason, 80))
	}
	return w.Flush()
}

func cmdWebhookSecret(stdout io.Writer) error {
	fmt.Fprintln(stdout, webhook.NewSecret())
	return nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

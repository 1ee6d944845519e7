// Package reports computes Supplyhub's reports from the store: the
// commission report per supplier and month (from the append-only ledger),
// and each retailer's monthly summary.
package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

// ParseMonth checks a "2026-10" month.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month must look like 2026-10")
	}
	return t, nil
}

// commissionHeader names the report's columns (CSV and table alike).
var commissionHeader = []string{"supplier", "supplier_name", "currency", "orders", "cancellations", "item_total",
	"shipping", "commission_accrued", "commission_reversed", "commission_net", "payout"}

func commissionRow(l store.CommissionLine) []string {
	return []string{l.Supplier, l.SupplierName, l.Currency, fmt.Sprint(l.Accruals), fmt.Sprint(l.Reversals),
		l.ItemTotal.Decimal(), l.Shipping.Decimal(), l.Accrued.Decimal(), l.Reversed.Decimal(), l.Commission.Decimal(), l.Payout.Decimal()}
}

// WriteCommissionsCSV writes the report as CSV with a header.
func WriteCommissionsCSV(w io.Writer, lines []store.CommissionLine) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(commissionHeader); err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write(commissionRow(l)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCommissionsTable writes the report as an aligned table.
func WriteCommissionsTable(w io.Writer, lines []store.CommissionLine) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	for i, h := range commissionHeader {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, h)
	}
	fmt.Fprintln(tw, "\t")
	for _, l := range lines {
		for i, c := range commissionRow(l) {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw, "\t")
	}
	return tw.Flush()
}

package pipeline

import (
	"context"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Commission follows the lines. A line keeps the share of its total that
// was not cancelled: total − round(total × cancelled ÷ quantity), so a
// line's discount shrinks with it and a fully cancelled line is worth
// exactly 0. The supplier order then owes the commission on what its lines
// are still worth, at its rate, rounded once (as at ingest); each line
// cancellation writes the difference to the ledger as a reversal in the
// month it happens. Shipping carries no commission and stays with the
// supplier while any line is active; it is reversed with the last line.

// lineValue is what a line is still worth.
func lineValue(l domain.Line) domain.Money {
	if l.Quantity <= 0 || l.CancelledQty <= 0 {
		return l.Total
	}
	if l.CancelledQty >= l.Quantity {
		return 0
	}
	num := int64(l.Total) * int64(l.CancelledQty)
	q, r := num/int64(l.Quantity), num%int64(l.Quantity)
	if 2*r >= int64(l.Quantity) {
		q++
	}
	return l.Total - domain.Money(q)
}

// reverseLines writes, in tx, one ledger reversal per line whose
// cancelled quantity grew between before and after (same order), dated at.
func reverseLines(ctx context.Context, st *store.Store, tx store.Tx, soID, eventID int64, before, after []domain.Line, at time.Time) error {
	net, ok, err := st.LedgerNet(ctx, tx, soID)
	if err != nil || !ok {
		return err
	}
	bp, err := st.CommissionRateIn(ctx, tx, soID)
	if err != nil {
		return err
	}
	cur := append([]domain.Line(nil), before...)
	for i := range after {
		if after[i].CancelledQty <= cur[i].CancelledQty {
			continue
		}
		cur[i] = after[i]
		var worth domain.Money
		active := false
		for _, l := range cur {
			worth += lineValue(l)
			active = active || l.Active() > 0
		}
		e := store.LedgerEntry{SupplierID: net.SupplierID, RetailerID: net.RetailerID, SupplierOrderID: soID, Kind: store.LedgerReversal,
			Currency: net.Currency, EventID: eventID, LinePosition: after[i].Position, At: at}
		e.ItemTotal = worth - net.ItemTotal
		e.Commission = domain.Commission(worth, bp) - net.Commission
		if !active {
			e.Shipping = -net.Shipping
		}
		e.Payout = e.ItemTotal - e.Commission + e.Shipping
		if e.ItemTotal == 0 && e.Commission == 0 && e.Shipping == 0 {
			continue
		}
		if err := st.AddLedgerEntry(ctx, tx, e); err != nil {
			return err
		}
		net.ItemTotal += e.ItemTotal
		net.Commission += e.Commission
		net.Shipping += e.Shipping
		net.Payout += e.Payout
	}
	return nil
}

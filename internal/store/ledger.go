package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Ledger entry kinds.
const (
	LedgerAccrual  = "accrual"
	LedgerReversal = "reversal"
)

// LedgerMonth is the ledger month of t: "2026-10", in UTC.
func LedgerMonth(t time.Time) string { return t.UTC().Format("2006-01") }

const (
	// A whole-order reversal negates what the supplier order still nets
	// (its accrual less any line reversals), dated now.
	qReverse = `INSERT INTO commission_ledger (supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at)
SELECT MIN(supplier_id), MIN(retailer_id), supplier_order_id, $2, 'reversal', MIN(currency), -SUM(item_total), -SUM(shipping), -SUM(commission), -SUM(payout), $3
FROM commission_ledger WHERE supplier_order_id = $1 GROUP BY supplier_order_id HAVING SUM(CASE WHEN kind = 'accrual' THEN 1 ELSE 0 END) > 0
ON CONFLICT (supplier_order_id, kind, event_id, line_position) DO NOTHING`
	qLedgerNet = `SELECT MIN(supplier_id), MIN(retailer_id), MIN(currency), SUM(item_total), SUM(shipping), SUM(commission), SUM(payout)
FROM commission_ledger WHERE supplier_order_id = $1 GROUP BY supplier_order_id HAVING SUM(CASE WHEN kind = 'accrual' THEN 1 ELSE 0 END) > 0`
	qLedgerEntry = `INSERT INTO commission_ledger (supplier_id, retailer_id, supplier_order_id, month, kind, currency, item_total, shipping, commission, payout, created_at, event_id, line_position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (supplier_order_id, kind, event_id, line_position) DO NOTHING`
	qCommissionReport = `SELECT s.code, s.name, l.currency,
  SUM(CASE WHEN l.kind = 'accrual' THEN 1 ELSE 0 END), SUM(CASE WHEN l.kind = 'reversal' THEN 1 ELSE 0 END),
  SUM(l.item_total), SUM(l.shipping), SUM(CASE WHEN l.kind = 'accrual' THEN l.commission ELSE 0 END),
  SUM(CASE WHEN l.kind = 'reversal' THEN l.commission ELSE 0 END), SUM(l.commission), SUM(l.payout)
FROM commission_ledger l JOIN suppliers s ON s.id = l.supplier_id
WHERE l.month = $1 AND ($2 = 0 OR l.retailer_id = $2)
GROUP BY s.code, s.name, l.currency ORDER BY s.code, l.currency`
)

// AccrueCommission records the accrual of a new supplier order in tx.
func (s *Store) AccrueCommission(ctx context.Context, tx Tx, retailerID int64, so *domain.SupplierOrder, currency string, at time.Time) error {
	return s.AccrueCommissions(ctx, tx, []Accrual{{RetailerID: retailerID, SupplierOrder: so, Currency: currency, At: at}})
}

// ReverseCommission records, in tx, the reversal of what a supplier
// order still nets in the ledger (its accrual less line reversals), in the
// month of at (a whole-order cancellation); once per supplier order.
func (s *Store) ReverseCommission(ctx context.Context, tx Tx, supplierOrderID int64, at time.Time) error {
	if _, err := tx.Exec(ctx, qReverse, supplierOrderID, LedgerMonth(at), at); err != nil {
		return fmt.Errorf("reverse commission: %w", err)
	}
	return nil
}

// CommissionLine is one supplier's ledger total for a month.
type CommissionLine struct {
	Supplier, SupplierName, Currency string
	Accruals, Reversals              int
	ItemTotal, Shipping              domain.Money
	Accrued, Reversed, Commission    domain.Money
	Payout                           domain.Money
}

// CommissionReport sums the ledger for month ("2026-10") per supplier and
// currency, for one retailer or all (retailerID 0).
func (s *Store) CommissionReport(ctx context.Context, month string, retailerID int64) ([]CommissionLine, error) {
	rows, err := s.d.Query(ctx, qCommissionReport, month, retailerID)
	if err != nil {
		return nil, fmt.Errorf("commission report: %w", err)
	}
	defer rows.Close()
	var out []CommissionLine
	for rows.Next() {
		var l CommissionLine
		var item, ship, acc, rev, com, pay int64
		if err := rows.Scan(&l.Supplier, &l.SupplierName, &l.Currency, &l.Accruals, &l.Reversals, &item, &ship, &acc, &rev, &com, &pay); err != nil {
			return nil, err
		}
		l.ItemTotal, l.Shipping, l.Accrued, l.Reversed, l.Commission, l.Payout =
			domain.Money(item), domain.Money(ship), domain.Money(acc), domain.Money(rev), domain.Money(com), domain.Money(pay)
		out = append(out, l)
	}
	return out, rows.Err()
}

// LedgerEntry is one ledger row: amounts are signed (a reversal negative).
type LedgerEntry struct {
	SupplierID, RetailerID, SupplierOrderID int64
	Kind, Currency                          string
	ItemTotal, Shipping, Commission, Payout domain.Money
	// EventID and LinePosition name a line reversal: the history event
	// that cancelled the line's quantity, and the line.
	EventID      int64
	LinePosition int
	At           time.Time
}

// LedgerNet sums, in tx, a supplier order's ledger entries: what it nets
// now, with the parties and currency of its accrual. ok is false when it
// has no accrual (an order from before the ledger existed).
func (s *Store) LedgerNet(ctx context.Context, tx Tx, supplierOrderID int64) (net LedgerEntry, ok bool, err error) {
	var item, ship, com, pay int64
	err = tx.QueryRow(ctx, qLedgerNet, supplierOrderID).Scan(&net.SupplierID, &net.RetailerID, &net.Currency, &item, &ship, &com, &pay)
	if errors.Is(err, ErrNotFound) {
		return net, false, nil
	}
	if err != nil {
		return net, false, fmt.Errorf("ledger net of %d: %w", supplierOrderID, err)
	}
	net.SupplierOrderID = supplierOrderID
	net.ItemTotal, net.Shipping, net.Commission, net.Payout = domain.Money(item), domain.Money(ship), domain.Money(com), domain.Money(pay)
	return net, true, nil
}

// AddLedgerEntry appends e in tx, in the month of e.At; a repeat of the
// same (supplier order, kind, event, line) is recorded once.
func (s *Store) AddLedgerEntry(ctx context.Context, tx Tx, e LedgerEntry) error {
	_, err := tx.Exec(ctx, qLedgerEntry, e.SupplierID, e.RetailerID, e.SupplierOrderID, LedgerMonth(e.At), e.Kind, e.Currency,
		int64(e.ItemTotal), int64(e.Shipping), int64(e.Commission), int64(e.Payout), e.At, e.EventID, e.LinePosition)
	if err != nil {
		return fmt.Errorf("ledger entry for %d line %d: %w", e.SupplierOrderID, e.LinePosition, err)
	}
	return nil
}

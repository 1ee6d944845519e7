package store

import (
	"context"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// SummaryRow is one supplier order in a retailer's monthly summary.
type SummaryRow struct {
	OrderNumber, ExternalID, SupplierOrder, Supplier, Status, Currency string
	PlacedAt                                                           time.Time
	ItemTotal, Shipping, Commission, Payout                            domain.Money
}

// SummaryCancellation is one cancellation in a retailer's monthly summary.
type SummaryCancellation struct {
	SupplierOrder, Supplier, Status, Note, Actor, Channel string
	At                                                    time.Time
}

const (
	// A supplier order's amounts are what the ledger nets for it: less
	// its rejected and cancelled lines (the ordered amounts without a ledger).
	qSummaryRows = `SELECT o.id, o.external_id, so.number, s.code, so.status, o.currency, o.placed_at,
COALESCE(n.item_total, so.item_total), COALESCE(n.shipping, so.shipping), COALESCE(n.commission, so.commission), COALESCE(n.payout, so.payout)
FROM orders o JOIN supplier_orders so ON so.order_id = o.id JOIN suppliers s ON s.id = so.supplier_id
LEFT JOIN (SELECT supplier_order_id, SUM(item_total) AS item_total, SUM(shipping) AS shipping, SUM(commission) AS commission, SUM(payout) AS payout
  FROM commission_ledger GROUP BY supplier_order_id) n ON n.supplier_order_id = so.id
WHERE o.retailer_id = $1 AND o.created_at >= $2 AND o.created_at < $3 ORDER BY o.created_at, o.id, s.code`
	qSummaryCancels = `SELECT so.number, s.code, e.to_status, e.note, e.actor, e.channel, e.occurred_at
FROM supplier_order_events e JOIN supplier_orders so ON so.id = e.supplier_order_id JOIN orders o ON o.id = so.order_id
JOIN suppliers s ON s.id = so.supplier_id
WHERE o.retailer_id = $1 AND e.kind = 'status' AND e.to_status IN ('cancelled', 'rejected') AND e.occurred_at >= $2 AND e.occurred_at < $3
ORDER BY e.occurred_at, e.id`
)

// SummaryLineCancellation is one line (or units of it) rejected, cancelled
// or cut by a quantity change, in a retailer's monthly summary.
type SummaryLineCancellation struct {
	SupplierOrder, Supplier, SKU, Name, Action, Status string
	Position, Quantity                                 int
	ReasonCode, Reason, Actor, Channel                 string
	At                                                 time.Time
}

const qSummaryLineCancels = `SELECT so.number, s.code, c.position, COALESCE(l.sku, ''), COALESCE(l.name, ''), c.action, c.to_status, c.cancelled_qty,
c.reason_code, c.reason, e.actor, e.channel, c.occurred_at
FROM line_changes c JOIN supplier_order_events e ON e.id = c.event_id JOIN supplier_orders so ON so.id = c.supplier_order_id
JOIN orders o ON o.id = so.order_id JOIN suppliers s ON s.id = so.supplier_id
LEFT JOIN order_lines l ON l.supplier_order_id = c.supplier_order_id AND l.position = c.position
WHERE o.retailer_id = $1 AND e.kind = 'lines' AND c.cancelled_qty > 0 AND c.occurred_at >= $2 AND c.occurred_at < $3
ORDER BY c.occurred_at, c.id`

// SummaryLineCancellations lists the line-level cancellations (answers
// that rejected, cancelled or cut lines) of a retailer's supplier orders
// in [from, to); whole-order cancellations are in SummaryCancellations.
func (s *Store) SummaryLineCancellations(ctx context.Context, retailerID int64, from, to time.Time) ([]SummaryLineCancellation, error) {
	rows, err := s.d.Query(ctx, qSummaryLineCancels, retailerID, from, to)
	if err != nil {
		return nil, fmt.Errorf("summary line cancellations: %w", err)
	}
	defer rows.Close()
	var out []SummaryLineCancellation
	for rows.Next() {
		var c SummaryLineCancellation
		if err := rows.Scan(&c.SupplierOrder, &c.Supplier, &c.Position, &c.SKU, &c.Name, &c.Action, &c.Status, &c.Quantity,
			&c.ReasonCode, &c.Reason, &c.Actor, &c.Channel, timeCol{&c.At}); err != nil {
			return nil, fmt.Errorf("summary line cancellations: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SummaryRows lists the supplier orders of a retailer's orders created in [from, to).
func (s *Store) SummaryRows(ctx context.Context, retailerID int64, from, to time.Time) ([]SummaryRow, error) {
	rows, err := s.d.Query(ctx, qSummaryRows, retailerID, from, to)
	if err != nil {
		return nil, fmt.Errorf("summary rows: %w", err)
	}
	defer rows.Close()
	var out []SummaryRow
	for rows.Next() {
		var r SummaryRow
		var id, item, ship, com, pay int64
		if err := rows.Scan(&id, &r.ExternalID, &r.SupplierOrder, &r.Supplier, &r.Status, &r.Currency, timeCol{&r.PlacedAt},
			&item, &ship, &com, &pay); err != nil {
			return nil, err
		}
		r.OrderNumber = fmt.Sprint(id)
		r.ItemTotal, r.Shipping, r.Commission, r.Payout = domain.Money(item), domain.Money(ship), domain.Money(com), domain.Money(pay)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SummaryCancellations lists cancellations and rejections of a retailer's
// supplier orders that happened in [from, to), whenever the order was placed.
func (s *Store) SummaryCancellations(ctx context.Context, retailerID int64, from, to time.Time) ([]SummaryCancellation, error) {
	rows, err := s.d.Query(ctx, qSummaryCancels, retailerID, from, to)
	if err != nil {
		return nil, fmt.Errorf("summary cancellations: %w", err)
	}
	defer rows.Close()
	var out []SummaryCancellation
	for rows.Next() {
		var c SummaryCancellation
		if err := rows.Scan(&c.SupplierOrder, &c.Supplier, &c.Status, &c.Note, &c.Actor, &c.Channel, timeCol{&c.At}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

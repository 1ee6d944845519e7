package store

import (
	"context"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// EventLines is the history kind of a set of line-level answers.
const EventLines = "lines"

// LineChange is how one event changed one line: the per-line history.
type LineChange struct {
	Position int    `json:"position"`
	SKU      string `json:"sku,omitempty"`
	Action   string `json:"action"`
	// From and To are the line's status before and after; named apart
	// from an event's from_status/to_status, which are the order's.
	From         string `json:"previous_status"`
	To           string `json:"status"`
	CancelledQty int    `json:"cancelled_quantity,omitempty"`
	ExpectedDate string `json:"expected_date,omitempty"`
	ReasonCode   string `json:"reason_code,omitempty"`
	Reason       string `json:"reason,omitempty"`
	// EventID and OccurredAt are left out of the event's own data, which
	// is written before the event has its id.
	EventID    int64     `json:"event_id,omitempty"`
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

const (
	qLinesForUpdate = `SELECT id, supplier_order_id, position, sku, name, options, quantity, unit_price, discount, total,
status, accepted_qty, cancelled_qty, shipped_qty, expected_date, reason_code, reason
FROM order_lines WHERE supplier_order_id = $1 ORDER BY position`
	qSaveLine = `UPDATE order_lines SET status = $2, accepted_qty = $3, cancelled_qty = $4, shipped_qty = $5, expected_date = $6,
reason_code = $7, reason = $8 WHERE id = $1`
	qInsertLineChange = `INSERT INTO line_changes (supplier_order_id, event_id, position, action, from_status, to_status, cancelled_qty,
expected_date, reason_code, reason, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	qLineChangesOf = `SELECT c.position, COALESCE(l.sku, ''), c.action, c.from_status, c.to_status, c.cancelled_qty, c.expected_date,
c.reason_code, c.reason, c.event_id, c.occurred_at
FROM line_changes c LEFT JOIN order_lines l ON l.supplier_order_id = c.supplier_order_id AND l.position = c.position
WHERE c.supplier_order_id = $1 ORDER BY c.id`
)

// LinesIn reads a supplier order's lines with their state inside tx,
// where the supplier order is already locked (LockSupplierOrder).
func (s *Store) LinesIn(ctx context.Context, tx Tx, supplierOrderID int64) ([]domain.Line, error) {
	rows, err := tx.Query(ctx, qLinesForUpdate, supplierOrderID)
	if err != nil {
		return nil, fmt.Errorf("lines of %d: %w", supplierOrderID, err)
	}
	defer rows.Close()
	var out []domain.Line
	for rows.Next() {
		var l domain.Line
		var soID, price, disc, total int64
		var opts []byte
		if err := rows.Scan(&l.ID, &soID, &l.Position, &l.SKU, &l.Name, jsonCol{&opts}, &l.Quantity, &price, &disc, &total,
			&l.Status, &l.AcceptedQty, &l.CancelledQty, &l.ShippedQty, &l.ExpectedDate, &l.ReasonCode, &l.Reason); err != nil {
			return nil, fmt.Errorf("lines of %d: %w", supplierOrderID, err)
		}
		l.UnitPrice, l.Discount, l.Total = domain.Money(price), domain.Money(disc), domain.Money(total)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SaveLines writes the state of lines (by id) in tx.
func (s *Store) SaveLines(ctx context.Context, tx Tx, lines []domain.Line) error {
	for _, l := range lines {
		if _, err := tx.Exec(ctx, qSaveLine, l.ID, l.Status, l.AcceptedQty, l.CancelledQty, l.ShippedQty, l.ExpectedDate,
			l.ReasonCode, l.Reason); err != nil {
			return fmt.Errorf("save line %d: %w", l.Position, err)
		}
	}
	return nil
}

// AppendLineChanges records, in tx, how event eventID changed lines.
func (s *Store) AppendLineChanges(ctx context.Context, tx Tx, supplierOrderID, eventID int64, occurredAt time.Time, changes []LineChange) error {
	for _, c := range changes {
		if _, err := tx.Exec(ctx, qInsertLineChange, supplierOrderID, eventID, c.Position, c.Action, c.From, c.To, c.CancelledQty,
			c.ExpectedDate, c.ReasonCode, c.Reason, occurredAt); err != nil {
			return fmt.Errorf("line change %d: %w", c.Position, err)
		}
	}
	return nil
}

// LineChanges returns a supplier order's per-line history, oldest first.
func (s *Store) LineChanges(ctx context.Context, supplierOrderID int64) ([]LineChange, error) {
	rows, err := s.d.Query(ctx, qLineChangesOf, supplierOrderID)
	if err != nil {
		return nil, fmt.Errorf("line changes: %w", err)
	}
	defer rows.Close()
	var out []LineChange
	for rows.Next() {
		var c LineChange
		if err := rows.Scan(&c.Position, &c.SKU, &c.Action, &c.From, &c.To, &c.CancelledQty, &c.ExpectedDate, &c.ReasonCode,
			&c.Reason, &c.EventID, timeCol{&c.OccurredAt}); err != nil {
			return nil, fmt.Errorf("line changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommissionRateIn reads a supplier order's commission rate (basis points) in tx.
func (s *Store) CommissionRateIn(ctx context.Context, tx Tx, supplierOrderID int64) (int, error) {
	var bp int
	if err := tx.QueryRow(ctx, `SELECT commission_bp FROM supplier_orders WHERE id = $1`, supplierOrderID).Scan(&bp); err != nil {
		return 0, fmt.Errorf("commission rate of %d: %w", supplierOrderID, err)
	}
	return bp, nil
}

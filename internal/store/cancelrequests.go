package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Cancellation request states. Requested and escalated are open: the
// supplier may still answer; accepted and refused are final.
const (
	CancelRequested = "requested"
	CancelEscalated = "escalated"
	CancelAccepted  = "accepted"
	CancelRefused   = "refused"
)

// ErrCancelRequestOpen is returned when a supplier order already has an
// open cancellation request.
var ErrCancelRequestOpen = errors.New("the supplier order already has an open cancellation request")

// CancelLine asks to cancel Quantity units of the line at Position.
type CancelLine struct {
	Position int `json:"position"`
	Quantity int `json:"quantity"`
}

// CancelRequest is a retailer's request to cancel (part of) a supplier
// order.
type CancelRequest struct {
	ID              int64
	SupplierOrderID int64
	SupplierID      int64
	RetailerID      int64
	// SupplierOrder and Supplier are the supplier order's number and the
	// supplier's code (read-only, joined).
	SupplierOrder, Supplier string
	State                   string
	// Lines is empty for the whole supplier order.
	Lines          []CancelLine
	Reason         string
	RequestedBy    string
	IdempotencyKey string
	SupplierNote   string
	AnsweredBy     string
	AnswerChannel  string
	CreatedAt      time.Time
	AnswerBy       time.Time
	AnsweredAt     *time.Time
	EscalatedAt    *time.Time
	AppliedAt      *time.Time
	ApplyError     string
}

// Open reports whether the supplier may still answer the request.
func (c *CancelRequest) Open() bool { return c.State == CancelRequested || c.State == CancelEscalated }

const (
	cancelCols = `c.id, c.supplier_order_id, c.supplier_id, c.retailer_id, so.number, s.code, c.state, c.lines, c.reason,
c.requested_by, COALESCE(c.idempotency_key, ''), c.supplier_note, c.answered_by, c.answer_channel, c.created_at, c.answer_by,
c.answered_at, c.escalated_at, c.applied_at, c.apply_error`
	cancelFrom    = ` FROM cancel_requests c JOIN supplier_orders so ON so.id = c.supplier_order_id JOIN suppliers s ON s.id = c.supplier_id`
	qInsertCancel = `INSERT INTO cancel_requests (supplier_order_id, supplier_id, retailer_id, state, lines, reason, requested_by,
idempotency_key, created_at, answer_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	qCancelByID        = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.id = $1`
	qCancelByKey       = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.retailer_id = $1 AND c.idempotency_key = $2`
	qCancelOfRetailer  = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.retailer_id = $1 AND c.id = $2`
	qCancelOfSupplier  = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.supplier_id = $1 AND c.id = $2`
	qCancelsOfRetailer = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.retailer_id = $1 AND c.id > $2 AND ` + cancelStateFilter + ` ORDER BY c.id LIMIT $4`
	qCancelsOfSupplier = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.supplier_id = $1 AND c.id > $2 AND ` + cancelStateFilter + ` ORDER BY c.id LIMIT $4`
	// cancelStateFilter: $3 is a state, "open" (requested or escalated)
	// or "" (all).
	cancelStateFilter  = `($3 = '' OR c.state = $3 OR ($3 = 'open' AND c.state IN ('requested', 'escalated')))`
	qOpenCancelOfOrder = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.supplier_id = $1 AND so.number = $2 AND c.state IN ('requested', 'escalated')`
	qCancelsOfSO       = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.supplier_order_id = $1 ORDER BY c.id`
	qDueCancels        = `SELECT ` + cancelCols + cancelFrom + ` WHERE c.state = 'requested' AND c.answer_by <= $1 ORDER BY c.answer_by, c.id LIMIT $2`
	qAnswerCancel      = `UPDATE cancel_requests SET state = $2, supplier_note = $3, answered_by = $4, answer_channel = $5, answered_at = $6
WHERE id = $1 AND state IN ('requested', 'escalated')`
	qEscalateCancel = `UPDATE cancel_requests SET state = 'escalated', escalated_at = $2 WHERE id = $1 AND state = 'requested'`
	qAppliedCancel  = `UPDATE cancel_requests SET applied_at = $2, apply_error = $3 WHERE id = $1`
)

func scanCancel(row Row) (*CancelRequest, error) {
	c := &CancelRequest{}
	var lines []byte
	err := row.Scan(&c.ID, &c.SupplierOrderID, &c.SupplierID, &c.RetailerID, &c.SupplierOrder, &c.Supplier, &c.State,
		jsonCol{&lines}, &c.Reason, &c.RequestedBy, &c.IdempotencyKey, &c.SupplierNote, &c.AnsweredBy, &c.AnswerChannel,
		timeCol{&c.CreatedAt}, timeCol{&c.AnswerBy}, nullTimeCol{&c.AnsweredAt}, nullTimeCol{&c.EscalatedAt},
		nullTimeCol{&c.AppliedAt}, &c.ApplyError)
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("scan cancellation request: %w", err)
	}
	if len(lines) > 0 {
		if err := json.Unmarshal(lines, &c.Lines); err != nil {
			return nil, fmt.Errorf("cancellation request %d: lines: %w", c.ID, err)
		}
	}
	return c, nil
}

func (s *Store) queryCancels(ctx context.Context, q Querier, op, query string, args ...any) ([]*CancelRequest, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []*CancelRequest
	for rows.Next() {
		c, err := scanCancel(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// InsertCancelRequest stores c (state, lines, reason, ids, times set by
// the caller) in tx and sets its ID. It returns ErrCancelRequestOpen when
// the supplier order already has an open request; a repeated idempotency
// key is a unique violation the caller checks for first.
func (s *Store) InsertCancelRequest(ctx context.Context, tx Tx, c *CancelRequest) error {
	lines := c.Lines
	if lines == nil {
		lines = []CancelLine{}
	}
	lb, err := json.Marshal(lines)
	if err != nil {
		return fmt.Errorf("insert cancellation request: %w", err)
	}
	var key any
	if c.IdempotencyKey != "" {
		key = c.IdempotencyKey
	}
	err = tx.QueryRow(ctx, qInsertCancel, c.SupplierOrderID, c.SupplierID, c.RetailerID, c.State, string(lb), c.Reason,
		c.RequestedBy, key, c.CreatedAt, c.AnswerBy).Scan(&c.ID)
	if err != nil && s.d.isUniqueViolation(err) && c.Open() {
		// The only unique index a fresh key can hit is the open one.
		return ErrCancelRequestOpen
	}
	if err != nil {
		return fmt.Errorf("insert cancellation request: %w", err)
	}
	return nil
}

// CancelRequestByID loads a request by id, or ErrNotFound. Unscoped: for
// jobs only; parties use CancelRequestOfRetailer or CancelRequestOfSupplier.
func (s *Store) CancelRequestByID(ctx context.Context, q Querier, id int64) (*CancelRequest, error) {
	if q == nil {
		q = s.d
	}
	return scanCancel(q.QueryRow(ctx, qCancelByID, id))
}

// CancelRequestByKey finds a retailer's request by its idempotency key.
func (s *Store) CancelRequestByKey(ctx context.Context, q Querier, retailerID int64, key string) (*CancelRequest, error) {
	if q == nil {
		q = s.d
	}
	return scanCancel(q.QueryRow(ctx, qCancelByKey, retailerID, key))
}

// CancelRequestOfRetailer loads one of a retailer's requests, or
// ErrNotFound (also for another retailer's).
func (s *Store) CancelRequestOfRetailer(ctx context.Context, retailerID, id int64) (*CancelRequest, error) {
	return scanCancel(s.d.QueryRow(ctx, qCancelOfRetailer, retailerID, id))
}

// CancelRequestOfSupplier loads a request made to a supplier in q, or
// ErrNotFound (also for another supplier's).
func (s *Store) CancelRequestOfSupplier(ctx context.Context, q Querier, supplierID, id int64) (*CancelRequest, error) {
	if q == nil {
		q = s.d
	}
	return scanCancel(q.QueryRow(ctx, qCancelOfSupplier, supplierID, id))
}

// OpenCancelRequestOf returns the open request on a supplier's supplier
// order, or ErrNotFound.
func (s *Store) OpenCancelRequestOf(ctx context.Context, q Querier, supplierID int64, number string) (*CancelRequest, error) {
	if q == nil {
		q = s.d
	}
	return scanCancel(q.QueryRow(ctx, qOpenCancelOfOrder, supplierID, number))
}

// CancelRequestsOf lists a supplier order's requests, oldest first.
func (s *Store) CancelRequestsOf(ctx context.Context, supplierOrderID int64) ([]*CancelRequest, error) {
	return s.queryCancels(ctx, s.d, "cancellation requests of supplier order", qCancelsOfSO, supplierOrderID)
}

// CancelRequestPage selects a party's requests after AfterID, optionally
// of one State ("open": requested or escalated).
type CancelRequestPage struct {
	RetailerID, SupplierID int64
	AfterID                int64
	State                  string
	Limit                  int
}

// ListCancelRequests lists a retailer's or a supplier's requests in id
// order: exactly one of RetailerID and SupplierID must be set.
func (s *Store) ListCancelRequests(ctx context.Context, p CancelRequestPage) ([]*CancelRequest, error) {
	if p.Limit <= 0 {
		return nil, fmt.Errorf("list cancellation requests: limit is required")
	}
	switch {
	case p.RetailerID > 0 && p.SupplierID == 0:
		return s.queryCancels(ctx, s.d, "list cancellation requests", qCancelsOfRetailer, p.RetailerID, p.AfterID, p.State, p.Limit)
	case p.SupplierID > 0 && p.RetailerID == 0:
		return s.queryCancels(ctx, s.d, "list cancellation requests", qCancelsOfSupplier, p.SupplierID, p.AfterID, p.State, p.Limit)
	}
	return nil, fmt.Errorf("list cancellation requests: exactly one of retailer and supplier is required")
}

// AnswerCancelRequest records the supplier's answer (CancelAccepted or
// CancelRefused) in tx. It reports false, changing nothing, when the
// request was no longer open.
func (s *Store) AnswerCancelRequest(ctx context.Context, tx Tx, id int64, state, note, by, channel string, at time.Time) (bool, error) {
	if state != CancelAccepted && state != CancelRefused {
		return false, fmt.Errorf("answer cancellation request %d: bad state %q", id, state)
	}
	n, err := tx.Exec(ctx, qAnswerCancel, id, state, note, by, channel, at.UTC())
	if err != nil {
		return false, fmt.Errorf("answer cancellation request %d: %w", id, err)
	}
	return n == 1, nil
}

// DueCancelRequests lists up to limit requests still unanswered (and not
// escalated) whose answer_by is at or before now.
func (s *Store) DueCancelRequests(ctx context.Context, now time.Time, limit int) ([]*CancelRequest, error) {
	return s.queryCancels(ctx, s.d, "due cancellation requests", qDueCancels, now.UTC(), limit)
}

// EscalateCancelRequest marks a requested request escalated in tx. Only
// one caller ever gets true for a request, however many replicas race.
func (s *Store) EscalateCancelRequest(ctx context.Context, tx Tx, id int64, at time.Time) (bool, error) {
	n, err := tx.Exec(ctx, qEscalateCancel, id, at.UTC())
	if err != nil {
		return false, fmt.Errorf("escalate cancellation request %d: %w", id, err)
	}
	return n == 1, nil
}

// CancelRequestApplied records when an accepted request's cancellation
// reached the supplier order, or why it could not (applyErr).
func (s *Store) CancelRequestApplied(ctx context.Context, q Querier, id int64, at time.Time, applyErr string) error {
	if q == nil {
		q = s.d
	}
	if _, err := q.Exec(ctx, qAppliedCancel, id, at.UTC(), applyErr); err != nil {
		return fmt.Errorf("cancellation request %d applied: %w", id, err)
	}
	return nil
}

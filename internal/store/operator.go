package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// AuditEntry is one line of the operators' audit log.
type AuditEntry struct {
	ID         int64
	OperatorID int64
	Operator   string
	Action     string
	Target     string
	Detail     string
	CreatedAt  time.Time
}

const (
	qAddAudit = `INSERT INTO operator_audit (operator_id, operator, action, target, detail, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`
	qListAudit = `SELECT id, operator_id, operator, action, target, detail, created_at FROM operator_audit
WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`
)

// AddAudit appends an entry to the operators' audit log.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if _, err := s.d.Exec(ctx, qAddAudit, e.OperatorID, e.Operator, e.Action, e.Target, e.Detail, time.Now()); err != nil {
		return fmt.Errorf("add audit %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns audit entries newest first, before id beforeID (0:
// from the newest).
func (s *Store) ListAudit(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	rows, err := s.d.Query(ctx, qListAudit, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.OperatorID, &e.Operator, &e.Action, &e.Target, &e.Detail, timeCol{&e.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ReviewDetail is one review with the raw message and its resolution.
type ReviewDetail struct {
	Review
	Raw                    []byte
	ResolvedAt             *time.Time
	Resolution, ResolvedBy string
}

const (
	qReviewByID = `SELECT id, source, message_id, sender, subject, reason, created_at, raw, resolved_at, resolution, resolved_by
FROM review_queue WHERE id = $1`
	qResolveReview = `UPDATE review_queue SET resolved_at = $2, resolution = $3, resolved_by = $4 WHERE id = $1 AND resolved_at IS NULL`
	qCountReviews  = `SELECT count(*) FROM review_queue WHERE resolved_at IS NULL`
)

// ReviewByID loads one review, resolved or not.
func (s *Store) ReviewByID(ctx context.Context, id int64) (*ReviewDetail, error) {
	var r ReviewDetail
	err := s.d.QueryRow(ctx, qReviewByID, id).Scan(&r.ID, &r.Source, &r.MessageID, &r.Sender, &r.Subject, &r.Why,
		timeCol{&r.CreatedAt}, &r.Raw, nullTimeCol{&r.ResolvedAt}, &r.Resolution, &r.ResolvedBy)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("review %d: %w", id, err)
	}
	return &r, nil
}

// ResolveReview marks a review resolved with how and by whom; false when
// it was already resolved (by someone else, or a second click).
func (s *Store) ResolveReview(ctx context.Context, id int64, by, resolution string) (bool, error) {
	n, err := s.d.Exec(ctx, qResolveReview, id, time.Now(), resolution, by)
	if err != nil {
		return false, fmt.Errorf("resolve review %d: %w", id, err)
	}
	return n == 1, nil
}

// BackOffice is what the operator dashboard counts.
type BackOffice struct {
	OrdersToday       int
	DeliveriesFailing int
	DeliveriesDead    int
	EndpointsDisabled int
	Reviews           int
}

// BackOfficeCounts counts the dashboard's figures; today starts at since.
func (s *Store) BackOfficeCounts(ctx context.Context, since time.Time) (*BackOffice, error) {
	var b BackOffice
	for _, c := range []struct {
		q    string
		args []any
		to   *int
	}{
		{`SELECT count(*) FROM orders WHERE created_at >= $1`, []any{since}, &b.OrdersToday},
		// failing_status, not status: only it is indexed (migration 0023).
		{`SELECT count(*) FROM deliveries WHERE failing_status = $1`, []any{domain.DeliveryFailed}, &b.DeliveriesFailing},
		{`SELECT count(*) FROM deliveries WHERE failing_status = $1`, []any{domain.DeliveryDead}, &b.DeliveriesDead},
		{`SELECT count(*) FROM endpoints WHERE disabled_at IS NOT NULL`, nil, &b.EndpointsDisabled},
		{qCountReviews, nil, &b.Reviews},
	} {
		if err := s.d.QueryRow(ctx, c.q, c.args...).Scan(c.to); err != nil {
			return nil, fmt.Errorf("back office counts: %w", err)
		}
	}
	return &b, nil
}

// AllOrdersFilter selects supplier orders across every retailer and
// supplier, newest first; zero fields do not filter.
type AllOrdersFilter struct {
	From, To   time.Time // creation time, [From, To)
	Status     string
	RetailerID int64
	SupplierID int64
	Offset     int
	Limit      int
}

// AllOrdersRow is one supplier order in the operator's list.
type AllOrdersRow struct {
	ID         int64
	Number     string
	Status     string
	Retailer   string
	Supplier   string
	SupplierID int64
	ExternalID string
	Currency   string
	Total      domain.Money
	CreatedAt  time.Time
}

// AllOrders returns one page of supplier orders and how many match.
func (s *Store) AllOrders(ctx context.Context, f AllOrdersFilter) ([]AllOrdersRow, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if !f.From.IsZero() {
		add("so.created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("so.created_at < ?", f.To)
	}
	if f.Status != "" {
		add("so.status = ?", f.Status)
	}
	if f.RetailerID != 0 {
		add("o.retailer_id = ?", f.RetailerID)
	}
	if f.SupplierID != 0 {
		add("so.supplier_id = ?", f.SupplierID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	from := ` FROM supplier_orders so JOIN orders o ON o.id = so.order_id`
	var total int
	if err := s.d.QueryRow(ctx, `SELECT count(*)`+from+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("all orders count: %w", err)
	}
	n := len(args)
	q := `SELECT so.id, so.number, so.status, r.code, sp.code, so.supplier_id, o.external_id, o.currency, so.item_total + so.shipping, so.created_at` +
		from + ` JOIN retailers r ON r.id = o.retailer_id JOIN suppliers sp ON sp.id = so.supplier_id` + cond +
		` ORDER BY so.created_at DESC, so.id DESC LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	rows, err := s.d.Query(ctx, q, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("all orders: %w", err)
	}
	defer rows.Close()
	var out []AllOrdersRow
	for rows.Next() {
		var r AllOrdersRow
		var t int64
		if err := rows.Scan(&r.ID, &r.Number, &r.Status, &r.Retailer, &r.Supplier, &r.SupplierID, &r.ExternalID, &r.Currency, &t,
			timeCol{&r.CreatedAt}); err != nil {
			return nil, 0, fmt.Errorf("all orders: %w", err)
		}
		r.Total = domain.Money(t)
		out = append(out, r)
	}
	return out, total, rows.Err()
}

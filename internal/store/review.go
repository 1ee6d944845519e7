package store

import (
	"context"
	"fmt"
	"time"
)

// Review is an inbound message waiting for an operator.
type Review struct {
	ID                                      int64
	Source, MessageID, Sender, Subject, Why string
	CreatedAt                               time.Time
}

const (
	qAddReview = `INSERT INTO review_queue (source, message_id, sender, subject, reason, raw, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, message_id) DO NOTHING`
	qListReviews = `SELECT id, source, message_id, sender, subject, reason, created_at FROM review_queue
WHERE resolved_at IS NULL ORDER BY id LIMIT $1`
	qSupplierOfNumber = `SELECT supplier_id FROM supplier_orders WHERE number = $1`
)

// AddReview queues a message for an operator; the same message twice is
// queued once.
func (s *Store) AddReview(ctx context.Context, source, messageID, sender, subject, reason string, raw []byte) error {
	if _, err := s.d.Exec(ctx, qAddReview, source, messageID, sender, subject, reason, raw, time.Now()); err != nil {
		return fmt.Errorf("add review: %w", err)
	}
	return nil
}

// ListReviews returns the unresolved reviews, oldest first.
func (s *Store) ListReviews(ctx context.Context, limit int) ([]Review, error) {
	rows, err := s.d.Query(ctx, qListReviews, limit)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.ID, &r.Source, &r.MessageID, &r.Sender, &r.Subject, &r.Why, timeCol{&r.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SupplierIDOfNumber returns which supplier a supplier order number
// belongs to (numbers are unique).
func (s *Store) SupplierIDOfNumber(ctx context.Context, number string) (int64, error) {
	var id int64
	err := s.d.QueryRow(ctx, qSupplierOfNumber, number).Scan(&id)
	return id, err
}

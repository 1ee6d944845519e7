package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Manual order states. A draft may be edited; confirming marks it
// "confirming" while the ingest pipeline takes it (so it cannot be edited
// meanwhile), then "confirmed" with its order, or back to "draft" when
// the pipeline refused it.
const (
	ManualDraft      = "draft"
	ManualConfirming = "confirming"
	ManualConfirmed  = "confirmed"
	ManualDiscarded  = "discarded"
)

// ErrNotDraft is returned when a manual order is changed that is no
// longer a draft (confirmed or discarded meanwhile).
var ErrNotDraft = errors.New("the manual order is no longer a draft")

// ManualOrder is an order an operator enters on a retailer's behalf.
type ManualOrder struct {
	ID           int64
	RetailerID   int64
	RetailerCode string
	Status       string
	// Request is the order request (pipeline.OrderRequest) as JSON.
	Request     []byte
	OrderID     int64
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ConfirmedAt *time.Time
	Notice      ManualNotice
}

// ManualNotice is the email an operator chose to send the retailer.
type ManualNotice struct {
	To, Subject, Message string
	SentAt               *time.Time
	Error                string
}

// Attachment is a file of a manual order; Data is only read by the
// functions that serve it.
type Attachment struct {
	ID            int64
	ManualOrderID int64
	Filename      string
	ContentType   string
	Size          int64
	Data          []byte
	CreatedAt     time.Time
}

const (
	manualCols = `m.id, m.retailer_id, r.code, m.status, m.request, COALESCE(m.order_id, 0), m.created_by, m.created_at, m.updated_at,
m.confirmed_at, m.notice_to, m.notice_subject, m.notice_message, m.notice_sent_at, m.notice_error`
	manualFrom    = ` FROM manual_orders m JOIN retailers r ON r.id = m.retailer_id`
	qInsertManual = `INSERT INTO manual_orders (retailer_id, status, request, created_by, created_at, updated_at)
VALUES ($1, 'draft', $2, $3, $4, $4) RETURNING id`
	qManualByID   = `SELECT ` + manualCols + manualFrom + ` WHERE m.id = $1`
	qListManual   = `SELECT ` + manualCols + manualFrom + ` WHERE ($1 = '' OR m.status = $1) AND ($2 = 0 OR m.id < $2) ORDER BY m.id DESC LIMIT $3`
	qUpdateManual = `UPDATE manual_orders SET retailer_id = $2, request = $3, updated_at = $4 WHERE id = $1 AND status = 'draft'`
	qMoveManual   = `UPDATE manual_orders SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2`
	qClaimManual  = `UPDATE manual_orders SET status = 'confirming', updated_at = $2 WHERE id = $1 AND status IN ('draft', 'confirming')`
	qConfirmed    = `UPDATE manual_orders SET status = 'confirmed', order_id = $2, confirmed_at = $3, updated_at = $3
WHERE id = $1 AND status = 'confirming'`
	qManualNotice = `UPDATE manual_orders SET notice_to = $2, notice_subject = $3, notice_message = $4, notice_sent_at = $5, notice_error = $6
WHERE id = $1`

	attachmentCols = `a.id, a.manual_order_id, a.filename, a.content_type, a.size, a.created_at`
	// Touching the draft first checks that it is one and, on PostgreSQL,
	// locks it against a concurrent confirmation until the file is in.
	qTouchDraft   = `UPDATE manual_orders SET updated_at = $2 WHERE id = $1 AND status = 'draft'`
	qInsertAttach = `INSERT INTO manual_attachments (manual_order_id, filename, content_type, size, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	qAttachments  = `SELECT ` + attachmentCols + ` FROM manual_attachments a WHERE a.manual_order_id = $1 ORDER BY a.id`
	qAttachment   = `SELECT ` + attachmentCols + `, a.data FROM manual_attachments a WHERE a.manual_order_id = $1 AND a.id = $2`
	qDeleteAttach = `DELETE FROM manual_attachments WHERE manual_order_id = $1 AND id = $2`
	// A supplier sees the attachments of a confirmed manual order through
	// its own supplier order of that order: the scope is in the join.
	supplierAttachFrom = ` FROM manual_attachments a JOIN manual_orders m ON m.id = a.manual_order_id AND m.status = 'confirmed'
JOIN supplier_orders so ON so.order_id = m.order_id WHERE so.supplier_id = $1 AND so.number = $2`
	qSupplierAttachments = `SELECT ` + attachmentCols + supplierAttachFrom + ` ORDER BY a.id`
	qSupplierAttachment  = `SELECT ` + attachmentCols + `, a.data` + supplierAttachFrom + ` AND a.id = $3`
)

func scanManual(row Row) (*ManualOrder, error) {
	m := &ManualOrder{}
	err := row.Scan(&m.ID, &m.RetailerID, &m.RetailerCode, &m.Status, jsonCol{&m.Request}, &m.OrderID, &m.CreatedBy,
		timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt}, nullTimeCol{&m.ConfirmedAt}, &m.Notice.To, &m.Notice.Subject,
		&m.Notice.Message, nullTimeCol{&m.Notice.SentAt}, &m.Notice.Error)
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("scan manual order: %w", err)
	}
	return m, nil
}

// CreateManualOrder stores m as a draft and sets its ID and times.
func (s *Store) CreateManualOrder(ctx context.Context, m *ManualOrder) error {
	m.CreatedAt = time.Now().UTC()
	m.UpdatedAt, m.Status = m.CreatedAt, ManualDraft
	if err := s.write().QueryRow(ctx, qInsertManual, m.RetailerID, string(m.Request), m.CreatedBy, m.CreatedAt).Scan(&m.ID); err != nil {
		return fmt.Errorf("create manual order: %w", err)
	}
	return nil
}

// ManualOrderByID loads a manual order, or ErrNotFound.
func (s *Store) ManualOrderByID(ctx context.Context, id int64) (*ManualOrder, error) {
	return scanManual(s.d.QueryRow(ctx, qManualByID, id))
}

// ListManualOrders lists manual orders newest first, optionally of one
// status, from the one before beforeID (0: the newest).
func (s *Store) ListManualOrders(ctx context.Context, status string, beforeID int64, limit int) ([]*ManualOrder, error) {
	rows, err := s.d.Query(ctx, qListManual, status, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list manual orders: %w", err)
	}
	defer rows.Close()
	var out []*ManualOrder
	for rows.Next() {
		m, err := scanManual(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateManualDraft replaces a draft's retailer and request; ErrNotDraft
// when it is no longer a draft.
func (s *Store) UpdateManualDraft(ctx context.Context, id, retailerID int64, request []byte) error {
	n, err := s.d.Exec(ctx, qUpdateManual, id, retailerID, string(request), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("update manual order %d: %w", id, err)
	}
	if n == 0 {
		return ErrNotDraft
	}
	return nil
}

// MoveManualOrder changes a manual order's status from one state to
// another; ErrNotDraft when it was not in from.
func (s *Store) MoveManualOrder(ctx context.Context, id int64, from, to string) error {
	n, err := s.d.Exec(ctx, qMoveManual, id, from, to, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("manual order %d %s→%s: %w", id, from, to, err)
	}
	if n == 0 {
		return ErrNotDraft
	}
	return nil
}

// ClaimManualOrder marks a draft (or one whose confirmation was cut
// short) as being confirmed, so it can no longer be edited; ErrNotDraft
// when it was confirmed or discarded.
func (s *Store) ClaimManualOrder(ctx context.Context, id int64) error {
	n, err := s.d.Exec(ctx, qClaimManual, id, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("claim manual order %d: %w", id, err)
	}
	if n == 0 {
		return ErrNotDraft
	}
	return nil
}

// ManualOrderConfirmed records the order a claimed manual order became.
func (s *Store) ManualOrderConfirmed(ctx context.Context, id, orderID int64) error {
	n, err := s.d.Exec(ctx, qConfirmed, id, orderID, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("confirm manual order %d: %w", id, err)
	}
	if n == 0 {
		return ErrNotDraft
	}
	return nil
}

// RecordManualNotice records the email sent (or not) about a manual order.
func (s *Store) RecordManualNotice(ctx context.Context, id int64, n ManualNotice) error {
	if _, err := s.d.Exec(ctx, qManualNotice, id, n.To, n.Subject, n.Message, n.SentAt, n.Error); err != nil {
		return fmt.Errorf("manual order %d notice: %w", id, err)
	}
	return nil
}

// AddAttachment stores a file of a draft and sets a.ID; ErrNotDraft when
// the manual order is no longer a draft.
func (s *Store) AddAttachment(ctx context.Context, a *Attachment) error {
	a.CreatedAt = time.Now().UTC()
	err := s.InTx(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, qTouchDraft, a.ManualOrderID, a.CreatedAt)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotDraft
		}
		return tx.QueryRow(ctx, qInsertAttach, a.ManualOrderID, a.Filename, a.ContentType, a.Size, a.Data, a.CreatedAt).Scan(&a.ID)
	})
	if err != nil && !errors.Is(err, ErrNotDraft) {
		return fmt.Errorf("add attachment to manual order %d: %w", a.ManualOrderID, err)
	}
	return err
}

// DeleteAttachment removes a file from a draft; ErrNotDraft when it is
// no longer one, ErrNotFound when it has no such file.
func (s *Store) DeleteAttachment(ctx context.Context, manualID, id int64) error {
	err := s.InTx(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, qTouchDraft, manualID, time.Now().UTC())
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotDraft
		}
		if n, err = tx.Exec(ctx, qDeleteAttach, manualID, id); err == nil && n == 0 {
			return ErrNotFound
		}
		return err
	})
	if err != nil && !errors.Is(err, ErrNotDraft) && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete attachment %d: %w", id, err)
	}
	return err
}

// Attachments lists a manual order's files, without their data.
func (s *Store) Attachments(ctx context.Context, manualID int64) ([]Attachment, error) {
	return s.attachments(ctx, qAttachments, manualID)
}

// Attachment loads one file of a manual order with its data, or
// ErrNotFound.
func (s *Store) Attachment(ctx context.Context, manualID, id int64) (*Attachment, error) {
	return scanAttachment(s.d.QueryRow(ctx, qAttachment, manualID, id))
}

// SupplierAttachments lists the files of the confirmed manual order behind
// supplier order number, when it is the supplier's; none otherwise.
func (s *Store) SupplierAttachments(ctx context.Context, supplierID int64, number string) ([]Attachment, error) {
	return s.attachments(ctx, qSupplierAttachments, supplierID, number)
}

// SupplierAttachment loads one such file with its data, or ErrNotFound
// when it is not the supplier's to see.
func (s *Store) SupplierAttachment(ctx context.Context, supplierID int64, number string, id int64) (*Attachment, error) {
	return scanAttachment(s.d.QueryRow(ctx, qSupplierAttachment, supplierID, number, id))
}

func (s *Store) attachments(ctx context.Context, q string, args ...any) ([]Attachment, error) {
	rows, err := s.d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.ManualOrderID, &a.Filename, &a.ContentType, &a.Size, timeCol{&a.CreatedAt}); err != nil {
			return nil, fmt.Errorf("scan attachment: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAttachment(row Row) (*Attachment, error) {
	a := &Attachment{}
	err := row.Scan(&a.ID, &a.ManualOrderID, &a.Filename, &a.ContentType, &a.Size, timeCol{&a.CreatedAt}, &a.Data)
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("scan attachment: %w", err)
	}
	return a, nil
}

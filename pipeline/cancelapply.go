package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// CancelApplyArgs applies an accepted cancellation request to its
// supplier order.
type CancelApplyArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job for River.
func (CancelApplyArgs) Kind() string { return "cancel_request_apply" }

// CancelApplyKey is the idempotency key an accepted request's cancellation
// is applied with: however often the job runs, it cancels once.
func CancelApplyKey(requestID int64) string { return fmt.Sprintf("cancel-request-%d", requestID) }

// CancelApplier works CancelApplyArgs jobs.
type CancelApplier struct {
	river.WorkerDefaults[CancelApplyArgs]
	st  *store.Store
	q   jobs.Queue
	log *slog.Logger
}

// NewCancelApplier builds the worker; SetQueue gives it the queue the
// cancellation's notifications are inserted through.
func NewCancelApplier(st *store.Store, log *slog.Logger) *CancelApplier {
	return &CancelApplier{st: st, log: log}
}

// SetQueue sets the queue (built after its workers).
func (a *CancelApplier) SetQueue(q jobs.Queue) { a.q = q }

// Work applies the request. A cancellation the state machine refuses (the
// order shipped meanwhile) is recorded on the request, not retried;
// store failures are retried.
func (a *CancelApplier) Work(ctx context.Context, job *river.Job[CancelApplyArgs]) error {
	_, err := ApplyCancelRequest(ctx, a.st, a.q, job.Args.RequestID)
	if err != nil {
		a.log.Warn("cancellation request not applied yet", "request", job.Args.RequestID, "error", err)
	}
	return err
}

// ApplyCancelRequest applies accepted request id to its supplier order:
// ApplyStatus with ActCancel for a whole-order request, ApplyLineAnswers
// with LineCancel answers for a line request, both with CancelApplyKey,
// then records the outcome on the request. It returns the request as
// recorded.
func ApplyCancelRequest(ctx context.Context, st *store.Store, q jobs.Queue, id int64) (*store.CancelRequest, error) {
	c, err := st.CancelRequestByID(ctx, nil, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, river.JobCancel(fmt.Errorf("cancellation request %d: %w", id, err))
	}
	if err != nil {
		return nil, err
	}
	if c.State != store.CancelAccepted || c.AppliedAt != nil {
		return c, nil
	}
	note := fmt.Sprintf("cancellation request %d accepted: %s", c.ID, c.Reason)
	if len(c.Lines) == 0 {
		_, err = ApplyStatus(ctx, st, q, c.SupplierID, c.SupplierOrder, StatusUpdate{Action: ActCancel, Note: note,
			Actor: c.AnsweredBy, Channel: c.AnswerChannel, IdempotencyKey: CancelApplyKey(c.ID), ByRetailer: true})
	} else {
		answers := make([]LineAnswer, len(c.Lines))
		for i, l := range c.Lines {
			answers[i] = LineAnswer{Position: l.Position, Action: LineCancel, Quantity: l.Quantity, ReasonCode: "retailer_request", Reason: c.Reason}
		}
		_, err = ApplyLineAnswers(ctx, st, q, c.SupplierID, c.SupplierOrder, LineUpdate{Answers: answers, Note: note,
			Actor: c.AnsweredBy, Channel: c.AnswerChannel, IdempotencyKey: CancelApplyKey(c.ID), ByRetailer: true})
	}
	applyErr := ""
	switch {
	case errors.Is(err, ErrIllegalTransition):
		// Shipped meanwhile: nothing to retry; the request says why.
		applyErr = err.Error()
	case err != nil:
		return nil, fmt.Errorf("apply cancellation request %d: %w", c.ID, err)
	}
	now := time.Now().UTC()
	if err := st.CancelRequestApplied(ctx, nil, c.ID, now, applyErr); err != nil {
		return nil, err
	}
	c.AppliedAt, c.ApplyError = &now, applyErr
	return c, nil
}

// CancelScanArgs is the periodic, leader-elected scan for unanswered
// cancellation requests.
type CancelScanArgs struct{}

// Kind names the job for River.
func (CancelScanArgs) Kind() string { return "cancel_request_scan" }

// CancelEscalationArgs is the job that emails the operator about one
// escalated cancellation request. It is inserted in the transaction that
// marks the request escalated, so a crash between the two cannot leave an
// escalation nobody was told of.
type CancelEscalationArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job for River.
func (CancelEscalationArgs) Kind() string { return "cancel_request_escalation" }

// CancelEscalator escalates cancellation requests left unanswered past
// their answer_by to the operator, once each.
type CancelEscalator struct {
	river.WorkerDefaults[CancelScanArgs]
	st *store.Store
	q  jobs.Queue
	// escalated counts escalations (a metric).
	escalated func()
	log       *slog.Logger
}

// NewCancelEscalator builds the scan; escalated, when set, is called once
// per escalation (to count it). SetQueue gives it the queue its alert jobs
// go through.
func NewCancelEscalator(st *store.Store, escalated func(), log *slog.Logger) *CancelEscalator {
	return &CancelEscalator{st: st, escalated: escalated, log: log}
}

// SetQueue sets the queue (built after its workers).
func (e *CancelEscalator) SetQueue(q jobs.Queue) { e.q = q }

// Work runs one scan now.
func (e *CancelEscalator) Work(ctx context.Context, _ *river.Job[CancelScanArgs]) error {
	_, err := e.Scan(ctx, time.Now())
	return err
}

// Scan escalates every request due at now and returns how many it
// escalated. Each request is marked escalated by a conditional update, so
// of any number of concurrent scans exactly one alerts about it.
func (e *CancelEscalator) Scan(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		due, err := e.st.DueCancelRequests(ctx, now, 100)
		if err != nil || len(due) == 0 {
			return n, err
		}
		for _, c := range due {
			var won bool
			err := e.st.InTx(ctx, func(tx store.Tx) error {
				if won, err = e.st.EscalateCancelRequest(ctx, tx, c.ID, now); err != nil || !won {
					return err
				}
				if e.q == nil {
					return errors.New("cancellation requests: no job queue to tell the operator")
				}
				return e.q.InsertTx(ctx, tx, []river.InsertManyParams{{Args: CancelEscalationArgs{RequestID: c.ID}}})
			})
			if err != nil {
				return n, err
			}
			if !won {
				continue
			}
			n++
			if e.escalated != nil {
				e.escalated()
			}
			e.log.Warn("cancellation request escalated", "request", c.ID, "supplier_order", c.SupplierOrder, "supplier", c.Supplier)
		}
		if len(due) < 100 {
			return n, nil
		}
	}
}

// EscalationEmail is the operator's email about escalated request c; now
// is when the request was escalated, so a resent email says the same.
func EscalationEmail(c *store.CancelRequest, now time.Time) (subject, body string) {
	subject = fmt.Sprintf("Cancellation request %d on %s unanswered", c.ID, c.SupplierOrder)
	var b strings.Builder
	fmt.Fprintf(&b, "Supplier %s has not answered cancellation request %d on supplier order %s.\n", c.Supplier, c.ID, c.SupplierOrder)
	fmt.Fprintf(&b, "Requested: %s\nAnswer was due: %s (now %s)\nReason: %s\n", c.CreatedAt.Format(time.RFC3339),
		c.AnswerBy.Format(time.RFC3339), now.UTC().Format(time.RFC3339), c.Reason)
	if len(c.Lines) == 0 {
		b.WriteString("Lines: the whole supplier order\n")
	}
	for _, l := range c.Lines {
		q := "all"
		if l.Quantity > 0 {
			q = fmt.Sprint(l.Quantity)
		}
		fmt.Fprintf(&b, "Line %d: %s\n", l.Position, q)
	}
	b.WriteString("The supplier can still accept or refuse it; contact them, or answer for them with the supplier API.\n")
	return subject, b.String()
}

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Events of cancellation requests: to the supplier when a retailer asks,
// to the retailer when the supplier (or Supplyhub, for an order that had
// not reached the supplier) answers.
const (
	EventCancelRequestCreated  = "cancellation_request.created"
	EventCancelRequestAccepted = "cancellation_request.accepted"
	EventCancelRequestRefused  = "cancellation_request.refused"
)

// DefaultCancelAnswerWithin is how long a supplier has to answer a
// cancellation request when the configuration sets nothing.
const DefaultCancelAnswerWithin = 24 * time.Hour

// CancelPolicy says how long a supplier (by code) has to answer a
// cancellation request before it is escalated to the operator.
type CancelPolicy func(supplierCode string) time.Duration

// Errors of cancellation requests; test with errors.Is.
var (
	// ErrCancelAnswered: the request was answered the other way already.
	ErrCancelAnswered = errors.New("the cancellation request was already answered")
	// ErrNoOpenCancelRequest: the supplier order has no request to answer.
	ErrNoOpenCancelRequest = errors.New("the supplier order has no open cancellation request")
)

// maxCancelText bounds a reason or a supplier's note.
const maxCancelText = 2000

// CancelRequestInput is a retailer's request to cancel one supplier order
// of one of its orders, whole (no Lines) or some lines.
type CancelRequestInput struct {
	RetailerID     int64
	OrderID        int64
	SupplierOrder  string
	Lines          []store.CancelLine
	Reason         string
	Actor, Channel string
	IdempotencyKey string
}

// CancelRequestResult is a created (or replayed) request.
type CancelRequestResult struct {
	Request  *store.CancelRequest
	Replayed bool
}

// validateCancelText checks a reason or a note.
func validateCancelText(field, s string, required bool) []FieldError {
	switch {
	case !utf8.ValidString(s):
		return []FieldError{{Field: field, Message: "is not valid UTF-8"}}
	case required && strings.TrimSpace(s) == "":
		return []FieldError{{Field: field, Message: "is required"}}
	case len(s) > maxCancelText:
		return []FieldError{{Field: field, Message: fmt.Sprintf("is longer than %d bytes", maxCancelText)}}
	case strings.ContainsRune(s, 0):
		return []FieldError{{Field: field, Message: "contains a NUL character"}}
	}
	return nil
}

// validateCancelLines checks requested lines against the supplier order's.
func validateCancelLines(lines []store.CancelLine, so *domain.SupplierOrder) []FieldError {
	var fe []FieldError
	seen := map[int]bool{}
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		var line *domain.Line
		for j := range so.Lines {
			if so.Lines[j].Position == l.Position {
				line = &so.Lines[j]
			}
		}
		switch {
		case line == nil:
			fe = append(fe, FieldError{Field: field + ".position", Message: fmt.Sprintf("supplier order %s has no line %d", so.Number, l.Position)})
		case seen[l.Position]:
			fe = append(fe, FieldError{Field: field + ".position", Message: fmt.Sprintf("line %d is named twice", l.Position)})
		case l.Quantity < 0 || l.Quantity > line.Quantity:
			fe = append(fe, FieldError{Field: field + ".quantity", Message: fmt.Sprintf("must be between 1 and %d (0 or absent: the whole line)", line.Quantity)})
		}
		seen[l.Position] = true
	}
	return fe
}

// reachedSupplier reports whether the supplier may have the order: it
// answered it, a push delivery of it succeeded (the order is dispatched),
// or the supplier pulls orders by API and may have read it at any time.
func reachedSupplier(status string, sup *domain.Supplier) bool {
	if status != domain.StatusNew {
		return true
	}
	for _, ch := range sup.Channels {
		if ch.Type != domain.ChannelAPI {
			return false
		}
	}
	return true
}

// RequestCancellation records a retailer's cancellation request. On an
// order that has not reached its supplier yet it is accepted at once and
// the cancellation queued; otherwise the supplier is told on its push
// channels and has policy(supplier) to answer. Errors: store.ErrNotFound
// (no such order or supplier order of this retailer), *ValidationError,
// ErrIllegalTransition (shipped, delivered, cancelled or rejected),
// store.ErrCancelRequestOpen.
func RequestCancellation(ctx context.Context, st *store.Store, q jobs.Queue, policy CancelPolicy, in CancelRequestInput) (*CancelRequestResult, error) {
	fe := validateCancelText("reason", in.Reason, true)
	o, err := st.OrderByID(ctx, nil, in.RetailerID, in.OrderID)
	if err != nil {
		return nil, err
	}
	var so *domain.SupplierOrder
	for i := range o.Suppliers {
		if o.Suppliers[i].Number == in.SupplierOrder {
			so = &o.Suppliers[i]
		}
	}
	if so == nil {
		return nil, fmt.Errorf("order %s has no supplier order %q: %w", o.Header.Number, in.SupplierOrder, store.ErrNotFound)
	}
	fe = append(fe, validateCancelLines(in.Lines, so)...)
	if len(fe) > 0 {
		return nil, &ValidationError{Fields: fe}
	}
	sup, err := st.SupplierByID(ctx, so.SupplierID)
	if err != nil {
		return nil, fmt.Errorf("cancellation request: %w", err)
	}
	r, err := st.RetailerByID(ctx, in.RetailerID)
	if err != nil {
		return nil, fmt.Errorf("cancellation request: %w", err)
	}
	within := DefaultCancelAnswerWithin
	if policy != nil {
		within = policy(sup.Code)
	}
	var res *CancelRequestResult
	err = st.InTx(ctx, func(tx store.Tx) error {
		lso, err := st.LockSupplierOrder(ctx, tx, so.SupplierID, so.Number)
		if err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			prev, err := st.CancelRequestByKey(ctx, tx, in.RetailerID, in.IdempotencyKey)
			if err == nil {
				res = &CancelRequestResult{Request: prev, Replayed: true}
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if _, _, err := Transition(lso.Status, ActCancel); err != nil || lso.Status == domain.StatusCancelled {
			return fmt.Errorf("%w: cannot ask to cancel a supplier order that is %s", ErrIllegalTransition, lso.Status)
		}
		now := time.Now().UTC()
		c := &store.CancelRequest{SupplierOrderID: lso.ID, SupplierID: lso.SupplierID, RetailerID: in.RetailerID,
			SupplierOrder: lso.Number, Supplier: sup.Code, State: store.CancelRequested, Lines: in.Lines,
			Reason: strings.TrimSpace(in.Reason), RequestedBy: in.Actor, IdempotencyKey: in.IdempotencyKey,
			CreatedAt: now, AnswerBy: now.Add(within)}
		if err := st.InsertCancelRequest(ctx, tx, c); err != nil {
			return err
		}
		res = &CancelRequestResult{Request: c}
		if !reachedSupplier(lso.Status, sup) {
			// Nothing to ask: the supplier never saw the order.
			return answerInTx(ctx, st, q, tx, r, lso, c, CancelAnswer{Accept: true, Actor: "supplyhub", Channel: "auto",
				Note: "accepted at once: the order had not reached the supplier"})
		}
		ev := &store.StatusEvent{SupplierOrderID: lso.ID, Kind: store.EventNote, From: lso.Status, To: lso.Status,
			Actor: in.Actor, Channel: in.Channel, Note: "cancellation requested: " + c.Reason, Data: cancelEventData(c)}
		if err := st.AppendEvent(ctx, tx, ev); err != nil {
			return err
		}
		snap, err := snapshotIn(ctx, st, tx, lso.ID)
		if err != nil {
			return err
		}
		params, err := notifySupplierOf(ctx, st, tx, sup, lso.ID, snap, EventCancelRequestCreated, ev)
		if err != nil {
			return err
		}
		return insertJobs(ctx, q, tx, params)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// CancelAnswer is a supplier's answer to a cancellation request.
type CancelAnswer struct {
	Accept bool
	// Note is the supplier's note; required to refuse.
	Note           string
	Actor, Channel string
	// IdempotencyKey (an email's Message-ID, a file row) makes a repeated
	// answer return the first result.
	IdempotencyKey string
}

// AnswerCancellation records a supplier's answer to its request id: the
// history, the retailer's notifications and, when accepted, the job that
// applies the cancellation, all in one transaction. Answering again the
// same way is a no-op; the other way is ErrCancelAnswered. Errors also:
// store.ErrNotFound (not this supplier's), ErrNoteRequired,
// *ValidationError.
func AnswerCancellation(ctx context.Context, st *store.Store, q jobs.Queue, supplierID, id int64, ans CancelAnswer) (*store.CancelRequest, error) {
	c, err := st.CancelRequestOfSupplier(ctx, nil, supplierID, id)
	if err != nil {
		return nil, err
	}
	return answer(ctx, st, q, c, ans)
}

// AnswerOpenCancellation answers the open request on a supplier's supplier
// order by number, for channels that name the order rather than the
// request (email replies, status files). ErrNoOpenCancelRequest when there
// is none (and the IdempotencyKey was not used before).
func AnswerOpenCancellation(ctx context.Context, st *store.Store, q jobs.Queue, supplierID int64, number string, ans CancelAnswer) (*store.CancelRequest, error) {
	c, err := st.OpenCancelRequestOf(ctx, nil, supplierID, number)
	if errors.Is(err, store.ErrNotFound) && ans.IdempotencyKey != "" {
		// A repeat of an answer already applied (a reply read twice).
		if c, rerr := answeredByKey(ctx, st, supplierID, number, ans.IdempotencyKey); rerr == nil {
			return c, nil
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("supplier order %s: %w", number, ErrNoOpenCancelRequest)
	}
	if err != nil {
		return nil, err
	}
	return answer(ctx, st, q, c, ans)
}

// answeredByKey finds the request an answer with key already answered.
func answeredByKey(ctx context.Context, st *store.Store, supplierID int64, number, key string) (*store.CancelRequest, error) {
	so, err := st.SupplierOrderByNumber(ctx, supplierID, number)
	if err != nil {
		return nil, err
	}
	ev, err := st.EventByIdempotencyKey(ctx, st.DB(), so.ID, key)
	if err != nil {
		return nil, err
	}
	var d struct {
		Request struct {
			ID int64 `json:"id"`
		} `json:"cancellation_request"`
	}
	if json.Unmarshal(ev.Data, &d) != nil || d.Request.ID == 0 {
		return nil, store.ErrNotFound
	}
	return st.CancelRequestOfSupplier(ctx, nil, supplierID, d.Request.ID)
}

func answer(ctx context.Context, st *store.Store, q jobs.Queue, c *store.CancelRequest, ans CancelAnswer) (*store.CancelRequest, error) {
	if fe := validateCancelText("note", ans.Note, !ans.Accept); len(fe) > 0 {
		if strings.TrimSpace(ans.Note) == "" {
			return nil, fmt.Errorf("refuse cancellation: %w", ErrNoteRequired)
		}
		return nil, &ValidationError{Fields: fe}
	}
	r, err := st.RetailerByID(ctx, c.RetailerID)
	if err != nil {
		return nil, fmt.Errorf("answer cancellation request: %w", err)
	}
	var out *store.CancelRequest
	err = st.InTx(ctx, func(tx store.Tx) error {
		lso, err := st.LockSupplierOrder(ctx, tx, c.SupplierID, c.SupplierOrder)
		if err != nil {
			return err
		}
		if ans.IdempotencyKey != "" {
			if _, err := st.EventByIdempotencyKey(ctx, tx, lso.ID, ans.IdempotencyKey); err == nil {
				out, err = st.CancelRequestByID(ctx, tx, c.ID)
				return err
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		cur, err := st.CancelRequestByID(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !cur.Open() {
			if (cur.State == store.CancelAccepted) == ans.Accept {
				out = cur
				return nil
			}
			return fmt.Errorf("cancellation request %d: %w (%s)", cur.ID, ErrCancelAnswered, cur.State)
		}
		if err := answerInTx(ctx, st, q, tx, r, lso, cur, ans); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// answerInTx records ans on the open request c (updated in place), with
// its history event, the retailer's notifications and, when accepted, the
// job that applies the cancellation.
func answerInTx(ctx context.Context, st *store.Store, q jobs.Queue, tx store.Tx, r *domain.Retailer, lso *store.LockedSupplierOrder, c *store.CancelRequest, ans CancelAnswer) error {
	state, typ, verb := store.CancelRefused, EventCancelRequestRefused, "refused"
	if ans.Accept {
		state, typ, verb = store.CancelAccepted, EventCancelRequestAccepted, "accepted"
	}
	now := time.Now().UTC()
	ok, err := st.AnswerCancelRequest(ctx, tx, c.ID, state, strings.TrimSpace(ans.Note), ans.Actor, ans.Channel, now)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("cancellation request %d: %w", c.ID, ErrCancelAnswered)
	}
	c.State, c.SupplierNote, c.AnsweredBy, c.AnswerChannel, c.AnsweredAt = state, strings.TrimSpace(ans.Note), ans.Actor, ans.Channel, &now
	note := "cancellation request " + verb
	if c.SupplierNote != "" {
		note += ": " + c.SupplierNote
	}
	ev := &store.StatusEvent{SupplierOrderID: lso.ID, Kind: store.EventNote, From: lso.Status, To: lso.Status,
		Actor: ans.Actor, Channel: ans.Channel, Note: note, Data: cancelEventData(c), IdempotencyKey: ans.IdempotencyKey}
	if err := st.AppendEvent(ctx, tx, ev); err != nil {
		return err
	}
	snap, err := snapshotIn(ctx, st, tx, lso.ID)
	if err != nil {
		return err
	}
	// The answer to a request the retailer made is always emailed, like a
	// cancellation.
	params, err := notifyRetailerOf(ctx, st, tx, r, lso, snap, typ, true, ev, false)
	if err != nil {
		return err
	}
	if ans.Accept {
		// Applied by a job, so that the answer is never lost even when
		// applying it fails for now: at least once, and idempotent.
		params = append(params, river.InsertManyParams{Args: CancelApplyArgs{RequestID: c.ID},
			InsertOpts: &river.InsertOpts{MaxAttempts: 50}})
	}
	return insertJobs(ctx, q, tx, params)
}

// cancelEventData is a request as its history event (and the Change.Data
// of its notifications) carries it.
func cancelEventData(c *store.CancelRequest) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"cancellation_request": CancelRequestViewOf(c)})
	return b
}

// CancelRequestView is a request as the API, webhooks and emails show it.
type CancelRequestView struct {
	ID            int64              `json:"id"`
	SupplierOrder string             `json:"supplier_order"`
	Supplier      string             `json:"supplier"`
	State         string             `json:"state"`
	Whole         bool               `json:"whole"`
	Lines         []store.CancelLine `json:"lines"`
	Reason        string             `json:"reason"`
	SupplierNote  string             `json:"supplier_note,omitempty"`
	AnsweredBy    string             `json:"answered_by,omitempty"`
	AnswerChannel string             `json:"answer_channel,omitempty"`
	CreatedAt     time.Time          `json:"created_at"`
	AnswerBy      time.Time          `json:"answer_by"`
	AnsweredAt    *time.Time         `json:"answered_at,omitempty"`
	EscalatedAt   *time.Time         `json:"escalated_at,omitempty"`
	AppliedAt     *time.Time         `json:"applied_at,omitempty"`
	ApplyError    string             `json:"apply_error,omitempty"`
}

// CancelRequestViewOf renders c.
func CancelRequestViewOf(c *store.CancelRequest) CancelRequestView {
	lines := c.Lines
	if lines == nil {
		lines = []store.CancelLine{}
	}
	return CancelRequestView{ID: c.ID, SupplierOrder: c.SupplierOrder, Supplier: c.Supplier, State: c.State,
		Whole: len(c.Lines) == 0, Lines: lines, Reason: c.Reason, SupplierNote: c.SupplierNote, AnsweredBy: c.AnsweredBy,
		AnswerChannel: c.AnswerChannel, CreatedAt: c.CreatedAt, AnswerBy: c.AnswerBy, AnsweredAt: c.AnsweredAt,
		EscalatedAt: c.EscalatedAt, AppliedAt: c.AppliedAt, ApplyError: c.ApplyError}
}

func insertJobs(ctx context.Context, q jobs.Queue, tx store.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if q == nil {
		return errors.New("cancellation request: no job queue")
	}
	return q.InsertTx(ctx, tx, params)
}

// RetailerMayCancel says whether a retailer may cancel a supplier order in
// status outright. Once the supplier has accepted it (acknowledged or
// backordered) the goods may be on their way: the retailer asks instead,
// with a cancellation request, and the supplier answers.
func RetailerMayCancel(status string) error {
	switch status {
	case domain.StatusAcknowledged, domain.StatusBackordered:
		return fmt.Errorf("%w: the supplier order is %s: the supplier has accepted it, so ask it to cancel with a cancellation request", ErrIllegalTransition, status)
	}
	return nil
}

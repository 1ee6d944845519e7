package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// linesRequest is the body of POST …/lines: per-line answers.
type linesRequest struct {
	Lines      []lineAnswerInput `json:"lines"`
	Note       string            `json:"note"`
	OccurredAt string            `json:"occurred_at"`
}

type lineAnswerInput struct {
	Position     int    `json:"position"`
	Action       string `json:"action"`
	Quantity     int    `json:"quantity"`
	ExpectedDate string `json:"expected_date"`
	ReasonCode   string `json:"reason_code"`
	Reason       string `json:"reason"`
}

// supplierLineActions are the answers a supplier gives; cancel belongs to
// the retailer's cancellation requests.
var supplierLineActions = map[string]bool{pipeline.LineAccept: true, pipeline.LineBackorder: true,
	pipeline.LineReject: true, pipeline.LineChangeQuantity: true}

// answerLines: POST /api/v1/supplier/orders/{number}/lines.
func (s *Server) answerLines(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req linesRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	fe := textProblems(false, "note", req.Note)
	upd := pipeline.LineUpdate{Note: req.Note, Actor: fmt.Sprintf("supplier api key %d", p.KeyID), Channel: "api"}
	if req.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, req.OccurredAt)
		if err != nil {
			fe = append(fe, pipeline.FieldError{Field: "occurred_at", Message: "must be an RFC 3339 time"})
		}
		upd.OccurredAt = t
	}
	if len(req.Lines) == 0 {
		fe = append(fe, pipeline.FieldError{Field: "lines", Message: "at least one line answer is required"})
	}
	for i, l := range req.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		if !supplierLineActions[l.Action] {
			fe = append(fe, pipeline.FieldError{Field: field + ".action", Message: "must be accept, backorder, reject or change_quantity"})
		}
		fe = append(fe, textProblems(false, field+".reason_code", l.ReasonCode, field+".reason", l.Reason)...)
		a := pipeline.LineAnswer{Position: l.Position, Action: l.Action, Quantity: l.Quantity, ReasonCode: l.ReasonCode, Reason: l.Reason}
		if l.ExpectedDate != "" {
			d, err := time.Parse("2006-01-02", l.ExpectedDate)
			if err != nil {
				fe = append(fe, pipeline.FieldError{Field: field + ".expected_date", Message: "must be a date, YYYY-MM-DD"})
			}
			a.ExpectedDate = d
		}
		upd.Answers = append(upd.Answers, a)
	}
	if len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid line answers", fe)
		return
	}
	if !s.idempotencyKey(w, r, &upd.IdempotencyKey) {
		return
	}
	number := r.PathValue("number")
	res, err := pipeline.ApplyLineAnswers(r.Context(), s.st, s.queue, p.SupplierID, number, upd)
	if s.statusError(w, r, number, err) {
		return
	}
	so, err := s.st.SupplierOrderByNumber(r.Context(), p.SupplierID, number)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		SupplierOrder pulledOrderView    `json:"supplier_order"`
		Applied       bool               `json:"applied"`
		Reason        string             `json:"reason,omitempty"`
		Replayed      bool               `json:"idempotent_replay,omitempty"`
		Event         *store.StatusEvent `json:"event"`
	}{newPulledOrderView(so), res.Applied, res.Reason, res.Replayed, res.Event})
}

// statusError answers a status or line update's error; false when err is nil.
func (s *Server) statusError(w http.ResponseWriter, r *http.Request, number string, err error) bool {
	var le *pipeline.LinesError
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no supplier order "+number, nil)
	case errors.Is(err, pipeline.ErrNoteRequired):
		writeError(w, http.StatusUnprocessableEntity, "invalid", err.Error(), []pipeline.FieldError{{Field: "note", Message: "is required"}})
	case errors.Is(err, pipeline.ErrIllegalTransition):
		writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
	case errors.As(err, &le):
		writeError(w, http.StatusUnprocessableEntity, "invalid", le.Error(), le.Fields)
	default:
		s.internal(w, r, err)
	}
	return true
}

package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// cancelRequestList is a page of cancellation requests; next_after is the
// id to pass as ?after= for the next page (0: none).
type cancelRequestList struct {
	Requests  []pipeline.CancelRequestView `json:"requests"`
	NextAfter int64                        `json:"next_after,omitempty"`
}

// createCancelRequest: POST /api/v1/orders/{number}/cancellation-requests
// {"supplier_order": "…", "reason": "…", "lines": [{"position": 1, "quantity": 2}]}.
// 201 with the request (state accepted when the order had not reached the
// supplier), 200 for a repeat with the same Idempotency-Key.
func (s *Server) createCancelRequest(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req struct {
		SupplierOrder string             `json:"supplier_order"`
		Reason        string             `json:"reason"`
		Lines         []store.CancelLine `json:"lines"`
	}
	if !s.decodeBody(w, r, &req) {
		return
	}
	fe := textProblems(true, "reason", req.Reason)
	fe = append(fe, textProblems(false, "supplier_order", req.SupplierOrder)...)
	if strings.TrimSpace(req.SupplierOrder) == "" {
		fe = append(fe, pipeline.FieldError{Field: "supplier_order", Message: "is required"})
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 200 || pipeline.HasControl(key, false) {
		fe = append(fe, pipeline.FieldError{Field: "Idempotency-Key", Message: "must be one line of at most 200 bytes"})
	}
	if len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid cancellation request", fe)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no order "+r.PathValue("number"), nil)
		return
	}
	res, err := pipeline.RequestCancellation(r.Context(), s.st, s.queue, s.cancelPolicy, pipeline.CancelRequestInput{
		RetailerID: p.RetailerID, OrderID: id, SupplierOrder: req.SupplierOrder, Lines: req.Lines, Reason: req.Reason,
		Actor: fmt.Sprintf("retailer api key %d", p.KeyID), Channel: "api", IdempotencyKey: key})
	var ve *pipeline.ValidationError
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no order %s with supplier order %q", r.PathValue("number"), req.SupplierOrder), nil)
		return
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid cancellation request", ve.Fields)
		return
	case errors.Is(err, pipeline.ErrIllegalTransition), errors.Is(err, store.ErrCancelRequestOpen):
		writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, pipeline.CancelRequestViewOf(res.Request))
}

// listCancelRequests: GET /api/v1/cancellation-requests?state=&after=&limit=
// (retailer) and GET /api/v1/supplier/cancellation-requests (supplier,
// default state "open").
func (s *Server) listCancelRequests(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	q := r.URL.Query()
	page := store.CancelRequestPage{RetailerID: p.RetailerID, SupplierID: p.SupplierID, State: q.Get("state"), Limit: 100}
	if p.Role == store.RoleSupplier {
		page.RetailerID = 0
		if !q.Has("state") {
			page.State = "open"
		}
	} else {
		page.SupplierID = 0
	}
	var fe []pipeline.FieldError
	switch page.State {
	case "", "open", store.CancelRequested, store.CancelEscalated, store.CancelAccepted, store.CancelRefused:
	default:
		fe = append(fe, pipeline.FieldError{Field: "state", Message: "must be open, requested, escalated, accepted or refused"})
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fe = append(fe, pipeline.FieldError{Field: "after", Message: "must be a request id"})
		}
		page.AfterID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fe = append(fe, pipeline.FieldError{Field: "limit", Message: "must be between 1 and 500"})
		}
		page.Limit = n
	}
	if len(fe) > 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid query", fe)
		return
	}
	l, err := s.st.ListCancelRequests(r.Context(), page)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := cancelRequestList{Requests: make([]pipeline.CancelRequestView, len(l))}
	for i, c := range l {
		out.Requests[i] = pipeline.CancelRequestViewOf(c)
	}
	if len(l) == page.Limit {
		out.NextAfter = l[len(l)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// getCancelRequest: GET …/cancellation-requests/{id}, the caller's own only.
func (s *Server) getCancelRequest(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var c *store.CancelRequest
	if err == nil {
		if p.Role == store.RoleSupplier {
			c, err = s.st.CancelRequestOfSupplier(r.Context(), nil, p.SupplierID, id)
		} else {
			c, err = s.st.CancelRequestOfRetailer(r.Context(), p.RetailerID, id)
		}
	}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, pipeline.CancelRequestViewOf(c))
	case errors.Is(err, store.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		writeError(w, http.StatusNotFound, "not_found", "no cancellation request "+r.PathValue("id"), nil)
	default:
		s.internal(w, r, err)
	}
}

// answerCancelRequest: POST /api/v1/supplier/cancellation-requests/{id}/answer
// {"answer": "accept"|"refuse", "note": "…"} (a note is required to refuse).
func (s *Server) answerCancelRequest(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req struct {
		Answer string `json:"answer"`
		Note   string `json:"note"`
	}
	if !s.decodeBody(w, r, &req) {
		return
	}
	fe := textProblems(true, "note", req.Note)
	if req.Answer != "accept" && req.Answer != "refuse" {
		fe = append(fe, pipeline.FieldError{Field: "answer", Message: `must be "accept" or "refuse"`})
	}
	if req.Answer == "refuse" && strings.TrimSpace(req.Note) == "" {
		fe = append(fe, pipeline.FieldError{Field: "note", Message: "is required to refuse"})
	}
	if len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid answer", fe)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no cancellation request "+r.PathValue("id"), nil)
		return
	}
	ans := pipeline.CancelAnswer{Accept: req.Answer == "accept", Note: req.Note, Channel: "api",
		Actor: fmt.Sprintf("supplier api key %d", p.KeyID)}
	if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != "" {
		ans.IdempotencyKey = "api:" + key
	}
	c, err := pipeline.AnswerCancellation(r.Context(), s.st, s.queue, p.SupplierID, id, ans)
	var ve *pipeline.ValidationError
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no cancellation request "+r.PathValue("id"), nil)
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid answer", ve.Fields)
	case errors.Is(err, pipeline.ErrCancelAnswered):
		writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
	case err != nil:
		s.internal(w, r, err)
	default:
		writeJSON(w, http.StatusOK, pipeline.CancelRequestViewOf(c))
	}
}

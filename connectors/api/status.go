package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// statusRequest is the body of POST …/status.
type statusRequest struct {
	Status     string         `json:"status"`
	Note       string         `json:"note"`
	OccurredAt string         `json:"occurred_at"`
	Tracking   *trackingInput `json:"tracking"`
	Lines      []shippedLine  `json:"lines"`
}

type trackingInput struct {
	Carrier string `json:"carrier"`
	Number  string `json:"number"`
	URL     string `json:"url"`
}

type shippedLine struct {
	Position int    `json:"position,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Quantity int    `json:"quantity"`
}

// updateStatus: POST /api/v1/supplier/orders/{number}/status.
func (s *Server) updateStatus(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req statusRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	fe := textProblems(true, "note", req.Note)
	if req.Tracking != nil {
		fe = append(fe, textProblems(false, "tracking.carrier", req.Tracking.Carrier, "tracking.number", req.Tracking.Number,
			"tracking.url", req.Tracking.URL)...)
	}
	action, ok := pipeline.ActionForStatus(req.Status)
	if req.Status == "" && req.Note != "" {
		action, ok = pipeline.ActNote, true
	}
	if !ok {
		fe = append(fe, pipeline.FieldError{Field: "status", Message: "must be acknowledged, backordered, shipped, delivered, cancelled or rejected (or empty with a note)"})
	}
	upd := pipeline.StatusUpdate{Action: action, Note: req.Note}
	if req.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, req.OccurredAt)
		if err != nil {
			fe = append(fe, pipeline.FieldError{Field: "occurred_at", Message: "must be an RFC 3339 time"})
		}
		upd.OccurredAt = t
	}
	if action == pipeline.ActShip {
		sh := &store.Shipment{}
		if req.Tracking != nil {
			sh.Carrier, sh.TrackingNumber, sh.TrackingURL = req.Tracking.Carrier, req.Tracking.Number, req.Tracking.URL
		}
		for i, l := range req.Lines {
			if (l.SKU == "" && l.Position <= 0) || l.Quantity <= 0 {
				fe = append(fe, pipeline.FieldError{Field: fmt.Sprintf("lines[%d]", i), Message: "needs a position or sku, and a quantity > 0"})
			}
			fe = append(fe, textProblems(false, fmt.Sprintf("lines[%d].sku", i), l.SKU)...)
		}
		if len(req.Lines) > 0 {
			sh.Lines, _ = json.Marshal(req.Lines)
		}
		upd.Shipment = sh
	} else if req.Tracking != nil || len(req.Lines) > 0 {
		fe = append(fe, pipeline.FieldError{Field: "tracking", Message: "tracking and lines go with status shipped"})
	}
	if len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid status update", fe)
		return
	}
	s.applyStatus(w, r, p, upd)
}

// cancelOrder: POST /api/v1/supplier/orders/{number}/cancel {"note": "…"}.
func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req struct {
		Note string `json:"note"`
	}
	if !s.decodeBody(w, r, &req) {
		return
	}
	if fe := textProblems(true, "note", req.Note); len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid cancellation", fe)
		return
	}
	s.applyStatus(w, r, p, pipeline.StatusUpdate{Action: pipeline.ActCancel, Note: req.Note})
}

// applyStatus runs upd for the calling supplier and answers with the
// supplier order and what happened.
func (s *Server) applyStatus(w http.ResponseWriter, r *http.Request, p *store.Principal, upd pipeline.StatusUpdate) {
	res, so, ok := s.runStatus(w, r, p, upd)
	if !ok {
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

// runStatus applies upd and loads the supplier order afterwards; on
// failure it has answered already and ok is false.
func (s *Server) runStatus(w http.ResponseWriter, r *http.Request, p *store.Principal, upd pipeline.StatusUpdate) (res *pipeline.StatusResult, so *domain.SupplierOrder, ok bool) {
	number := r.PathValue("number")
	upd.Actor = fmt.Sprintf("supplier api key %d", p.KeyID)
	upd.Channel = "api"
	if !s.idempotencyKey(w, r, &upd.IdempotencyKey) {
		return nil, nil, false
	}
	res, err := pipeline.ApplyStatus(r.Context(), s.st, s.queue, p.SupplierID, number, upd)
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "tracking url"):
		writeError(w, http.StatusUnprocessableEntity, "invalid", err.Error(), []pipeline.FieldError{{Field: "tracking.url", Message: err.Error()}})
	case s.statusError(w, r, number, err):
	default:
		so, err = s.st.SupplierOrderByNumber(r.Context(), p.SupplierID, number)
		if err != nil {
			s.internal(w, r, err)
			return nil, nil, false
		}
		return res, so, true
	}
	return nil, nil, false
}

// idempotencyKey reads the Idempotency-Key header into key; false when it
// answered a bad one.
func (s *Server) idempotencyKey(w http.ResponseWriter, r *http.Request, key *string) bool {
	*key = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(*key) > 200 {
		writeError(w, http.StatusBadRequest, "bad_request", "Idempotency-Key is longer than 200 characters", nil)
		return false
	}
	return true
}

// supplierHistory: GET /api/v1/supplier/orders/{number}/history.
func (s *Server) supplierHistory(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	so, ok := s.ownSupplierOrder(w, r, p)
	if !ok {
		return
	}
	s.writeHistory(w, r, so)
}

func (s *Server) writeHistory(w http.ResponseWriter, r *http.Request, so *domain.SupplierOrder) {
	events, err := s.st.History(r.Context(), so.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ships, err := s.st.Shipments(r.Context(), so.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if events == nil {
		events = []store.StatusEvent{}
	}
	if ships == nil {
		ships = []store.Shipment{}
	}
	changes, err := s.st.LineChanges(r.Context(), so.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if changes == nil {
		changes = []store.LineChange{}
	}
	writeJSON(w, http.StatusOK, struct {
		Number      string              `json:"number"`
		Status      string              `json:"status"`
		Events      []store.StatusEvent `json:"events"`
		Shipments   []store.Shipment    `json:"shipments"`
		LineChanges []store.LineChange  `json:"line_changes"`
	}{so.Number, so.Status, events, ships, changes})
}

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

// cancelResult is what happened to one supplier order of a cancellation.
type cancelResult struct {
	SupplierOrder string `json:"supplier_order"`
	Cancelled     bool   `json:"cancelled"`
	Reason        string `json:"reason,omitempty"`
}

// cancelRetailerOrder: POST /api/v1/orders/{number}/cancel
// {"note": "…", "supplier_order": "22-31" (optional: default all)}. Each
// supplier order is cancelled through the state machine and its supplier
// is told on every push channel (order.cancelled). One the supplier has
// acknowledged is not: the retailer asks with a cancellation request
// (pipeline.RetailerMayCancel).
func (s *Server) cancelRetailerOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req struct {
		Note          string `json:"note"`
		SupplierOrder string `json:"supplier_order"`
	}
	if !s.decodeBody(w, r, &req) {
		return
	}
	if fe := textProblems(true, "note", req.Note); len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid cancellation", fe)
		return
	}
	if strings.TrimSpace(req.Note) == "" {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "a note is required", []pipeline.FieldError{{Field: "note", Message: "is required"}})
		return
	}
	id, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	o, oerr := s.st.OrderByID(r.Context(), nil, p.RetailerID, id)
	if err != nil || errors.Is(oerr, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no order "+r.PathValue("number"), nil)
		return
	}
	if oerr != nil {
		s.internal(w, r, oerr)
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	results := []cancelResult{}
	cancelled := 0
	for _, so := range o.Suppliers {
		if req.SupplierOrder != "" && so.Number != req.SupplierOrder {
			continue
		}
		if err := pipeline.RetailerMayCancel(so.Status); err != nil {
			results = append(results, cancelResult{SupplierOrder: so.Number, Reason: err.Error() + " (POST /api/v1/orders/" + o.Header.Number + "/cancellation-requests)"})
			continue
		}
		upd := pipeline.StatusUpdate{Action: pipeline.ActCancel, Note: req.Note, ByRetailer: true, Channel: "api",
			Actor: fmt.Sprintf("retailer %s api key %d", o.Header.Retailer, p.KeyID)}
		if key != "" {
			upd.IdempotencyKey = key + ":" + so.Number
		}
		res, err := pipeline.ApplyStatus(r.Context(), s.st, s.queue, so.SupplierID, so.Number, upd)
		out := cancelResult{SupplierOrder: so.Number}
		switch {
		case errors.Is(err, pipeline.ErrIllegalTransition):
			out.Reason = err.Error()
		case err != nil:
			s.internal(w, r, err)
			return
		case res.Applied:
			out.Cancelled = true
			cancelled++
		default:
			out.Reason = res.Reason
			out.Cancelled = strings.Contains(res.Reason, "already cancelled")
		}
		results = append(results, out)
	}
	if len(results) == 0 {
		writeError(w, http.StatusNotFound, "not_found", "order "+o.Header.Number+" has no supplier order "+req.SupplierOrder, nil)
		return
	}
	o, err = s.st.OrderByID(r.Context(), nil, p.RetailerID, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	status := http.StatusOK
	if cancelled == 0 && !results[0].Cancelled {
		status = http.StatusConflict
	}
	writeJSON(w, status, struct {
		Order   orderView      `json:"order"`
		Results []cancelResult `json:"results"`
	}{s.orderView(r, o), results})
}

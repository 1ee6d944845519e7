package api

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// listSupplierOrders returns the caller's supplier orders whose created or
// updated time is in [from, to), in (time, id) order, a page at a time.
func (s *Server) listSupplierOrders(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	q := r.URL.Query()
	page, fields := parsePullQuery(q, time.Now())
	if len(fields) > 0 {
		writeError(w, http.StatusBadRequest, "bad_query", "invalid query parameters: "+fieldSummary(fields), fields)
		return
	}
	page.SupplierID = p.SupplierID
	// One row more than asked says whether there is a next page, so the
	// last page never links to an empty one.
	limit := page.Limit
	page.Limit++
	sos, err := s.st.ListSupplierOrders(r.Context(), page)
	page.Limit = limit
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Add("Vary", "Accept")
	out := pulledOrderList{Orders: make([]pulledOrderView, 0, len(sos))}
	if len(sos) > limit {
		sos = sos[:limit]
		last := sos[len(sos)-1]
		at := last.UpdatedAt
		if page.By == store.SupplierOrdersByCreated {
			at = last.CreatedAt
		}
		out.NextCursor = encodeCursor(at, last.ID)
		w.Header().Set("Link", "<"+nextPageURL(r.URL.Path, q, page, out.NextCursor)+`>; rel="next"`)
	}
	if wantsCSV(r) {
		s.writeCSV(w, r, sos)
		return
	}
	for _, so := range sos {
		out.Orders = append(out.Orders, newPulledOrderView(so))
	}
	writeJSON(w, http.StatusOK, out)
}

// getSupplierOrder returns one of the caller's supplier orders; another
// supplier's number is a 404 like a number that does not exist.
func (s *Server) getSupplierOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	so, ok := s.ownSupplierOrder(w, r, p)
	if ok {
		s.writeSupplierOrder(w, r, so)
	}
}

// acknowledgeSupplierOrder moves the caller's supplier order from new or
// dispatched to acknowledged. Acknowledging twice is not an error: the
// second call changes nothing and returns the order, so a supplier can
// retry after a timeout.
// acknowledgeSupplierOrder moves new or dispatched to acknowledged and
// answers with the order; a repeat is 200, and an order already past
// acknowledged is 409 naming its state (the attempt is still recorded in
// its history, like every ignored update).
func (s *Server) acknowledgeSupplierOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	res, so, ok := s.runStatus(w, r, p, pipeline.StatusUpdate{Action: pipeline.ActAcknowledge})
	if !ok {
		return
	}
	if !res.Applied && so.Status != domain.StatusAcknowledged {
		writeError(w, http.StatusConflict, "conflict", fmt.Sprintf(
			"supplier order %s is %s; only new or dispatched orders can be acknowledged", so.Number, so.Status), nil)
		return
	}
	s.writeSupplierOrder(w, r, so)
}

// ownSupplierOrder loads the path's supplier order of the caller, having
// answered 404 (or 500) when it reports false.
func (s *Server) ownSupplierOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) (*domain.SupplierOrder, bool) {
	number := r.PathValue("number")
	so, err := s.st.SupplierOrderByNumber(r.Context(), p.SupplierID, number)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no supplier order "+number, nil)
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return so, true
}

func (s *Server) writeSupplierOrder(w http.ResponseWriter, r *http.Request, so *domain.SupplierOrder) {
	w.Header().Add("Vary", "Accept")
	if wantsCSV(r) {
		s.writeCSV(w, r, []*domain.SupplierOrder{so})
		return
	}
	writeJSON(w, http.StatusOK, newPulledOrderView(so))
}

// writeCSV writes sos as one CSV in the file drops' default layout: one
// header, then one row per line item.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, sos []*domain.SupplierOrder) {
	// An order without lines renders as the header alone; each order's own
	// rendering starts with exactly those bytes, which are cut off.
	var buf bytes.Buffer
	if err := s.csv.Encode(&buf, &domain.SupplierOrder{}); err != nil {
		s.internal(w, r, fmt.Errorf("csv header: %w", err))
		return
	}
	header := bytes.Clone(buf.Bytes())
	var one bytes.Buffer
	for _, so := range sos {
		one.Reset()
		if err := s.csv.Encode(&one, so); err != nil {
			s.internal(w, r, fmt.Errorf("csv of %s: %w", so.Number, err))
			return
		}
		rows, ok := bytes.CutPrefix(one.Bytes(), header)
		if !ok {
			s.internal(w, r, fmt.Errorf("csv of %s: unexpected header", so.Number))
			return
		}
		buf.Write(rows)
	}
	w.Header().Set("Content-Type", s.csv.ContentType())
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// wantsCSV reports whether the Accept header prefers text/csv to JSON. JSON
// is the default: CSV must be asked for by name, and wins over JSON when
// its quality is higher, or equal and it is listed first.
func wantsCSV(r *http.Request) bool {
	csvQ, jsonQ := -1.0, -1.0
	csvAt, jsonAt := 0, 0
	for i, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		qv := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				qv = f
			}
		}
		switch mt {
		case "text/csv":
			if qv > csvQ {
				csvQ, csvAt = qv, i
			}
		case "application/json":
			if qv > jsonQ {
				jsonQ, jsonAt = qv, i
			}
		}
	}
	switch {
	case csvQ <= 0:
		return false
	case csvQ != jsonQ:
		return csvQ > jsonQ
	default:
		return csvAt < jsonAt
	}
}

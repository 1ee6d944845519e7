package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req pipeline.OrderRequest
	if !s.decodeBodyAs(w, r, &req, "the order has invalid fields") {
		return
	}
	var ve *pipeline.ValidationError
	// Read with the key on retailer routes (auth.AuthenticateFor).
	retailer := p.Retailer
	if retailer == nil {
		var err error
		if retailer, err = s.st.RetailerByID(r.Context(), p.RetailerID); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	res, err := s.ingest.Submit(r.Context(), retailer, &req)
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "invalid", "the order has invalid fields", ve.Fields)
	case errors.Is(err, pipeline.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
	case errors.Is(err, pipeline.ErrStopped):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error(), nil)
	case err != nil:
		s.internal(w, r, err)
	case res.Created:
		w.Header().Set("Location", "/api/v1/orders/"+res.Order.Header.Number)
		writeJSON(w, http.StatusCreated, s.orderView(r, res.Order))
	default:
		w.Header().Set("Location", "/api/v1/orders/"+res.Order.Header.Number)
		writeJSON(w, http.StatusOK, s.orderView(r, res.Order))
	}
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	id, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "not_found", "no order "+r.PathValue("number"), nil)
		return
	}
	o, err := s.st.OrderByID(r.Context(), nil, p.RetailerID, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no order "+r.PathValue("number"), nil)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.orderView(r, o))
}

// orderList is one page of orders.
type orderList struct {
	Orders     []orderView `json:"orders"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// listOrders returns the retailer's orders created in [from, to), oldest
// first, a page at a time.
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	q := r.URL.Query()
	page, fields := parseRange(q)
	if len(fields) > 0 {
		writeError(w, http.StatusBadRequest, "bad_range", "invalid query parameters", fields)
		return
	}
	page.RetailerID = p.RetailerID
	orders, err := s.st.ListOrders(r.Context(), page)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := orderList{Orders: []orderView{}}
	for _, o := range orders {
		out.Orders = append(out.Orders, s.orderView(r, o))
	}
	if len(orders) == page.Limit {
		last := orders[len(orders)-1]
		out.NextCursor = encodeCursor(last.CreatedAt, last.ID)
		setNextLink(w, r, out.NextCursor)
	}
	writeJSON(w, http.StatusOK, out)
}

// parseRange reads from, to (RFC 3339, half-open [from, to)), limit
// (default 100, max 500) and cursor.
func parseRange(q url.Values) (store.OrderPage, []pipeline.FieldError) {
	var fe []pipeline.FieldError
	p := store.OrderPage{From: time.Unix(0, 0).UTC(), To: time.Now().UTC().Add(time.Hour), Limit: 100}
	parse := func(name string, dst *time.Time) {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				fe = append(fe, pipeline.FieldError{Field: name, Message: "must be an RFC 3339 time such as 2026-11-22T10:00:00Z"})
				return
			}
			*dst = t.UTC()
		}
	}
	parse("from", &p.From)
	parse("to", &p.To)
	if len(fe) == 0 && !p.From.Before(p.To) {
		fe = append(fe, pipeline.FieldError{Field: "to", Message: "must be after from (the range is [from, to))"})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fe = append(fe, pipeline.FieldError{Field: "limit", Message: "must be an integer from 1 to 500"})
		} else {
			p.Limit = n
		}
	}
	if v := q.Get("cursor"); v != "" {
		t, id, err := decodeCursor(v)
		if err != nil {
			fe = append(fe, pipeline.FieldError{Field: "cursor", Message: err.Error()})
		} else {
			p.AfterTime, p.AfterID = t, id
		}
	}
	return p, fe
}

// setNextLink points the Link header at the same request with cursor.
func setNextLink(w http.ResponseWriter, r *http.Request, cursor string) {
	next := *r.URL
	q := next.Query()
	q.Set("cursor", cursor)
	next.RawQuery = q.Encode()
	w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
}

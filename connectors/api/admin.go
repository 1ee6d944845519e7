package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// deliveryView is a delivery as the admin API shows it.
type deliveryView struct {
	ID            int64         `json:"id"`
	SupplierOrder string        `json:"supplier_order"`
	Supplier      string        `json:"supplier"`
	Channel       string        `json:"channel"`
	Kind          string        `json:"kind"`
	Event         string        `json:"event"`
	Status        string        `json:"status"`
	Attempts      int           `json:"attempts"`
	LastError     string        `json:"last_error,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	DeliveredAt   *time.Time    `json:"delivered_at"`
	AttemptLog    []attemptView `json:"attempt_log,omitempty"`
}

type attemptView struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS float64   `json:"duration_ms"`
	Outcome    string    `json:"outcome"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	Response   string    `json:"response,omitempty"`
}

func newDeliveryView(d *domain.Delivery) deliveryView {
	return deliveryView{ID: d.ID, SupplierOrder: d.SupplierOrderNumber, Supplier: d.SupplierCode, Channel: d.Channel,
		Kind: d.Kind, Event: d.Event, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, DeliveredAt: d.DeliveredAt}
}

// listDeliveries pages through deliveries by id: ?status=&supplier=&channel=&limit=&cursor=.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	q := r.URL.Query()
	f := store.DeliveryFilter{Status: q.Get("status"), Channel: q.Get("channel"), Limit: 100}
	var fe []pipeline.FieldError
	switch f.Status {
	case "", domain.DeliveryPending, domain.DeliveryDelivered, domain.DeliveryFailed, domain.DeliveryDead:
	default:
		fe = append(fe, pipeline.FieldError{Field: "status", Message: "must be pending, delivered, failed or dead"})
	}
	if code := q.Get("supplier"); code != "" {
		sup, err := s.st.SupplierByCode(r.Context(), code)
		if errors.Is(err, store.ErrNotFound) {
			fe = append(fe, pipeline.FieldError{Field: "supplier", Message: "unknown supplier " + strconv.Quote(code)})
		} else if err != nil {
			s.internal(w, r, err)
			return
		} else {
			f.SupplierID = sup.ID
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fe = append(fe, pipeline.FieldError{Field: "limit", Message: "must be an integer from 1 to 500"})
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		_, id, err := decodeCursor(v)
		if err != nil {
			fe = append(fe, pipeline.FieldError{Field: "cursor", Message: err.Error()})
		}
		f.AfterID = id
	}
	if len(fe) > 0 {
		writeError(w, http.StatusBadRequest, "bad_query", "invalid query parameters", fe)
		return
	}
	ds, err := s.st.FindDeliveries(r.Context(), f)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := struct {
		Deliveries []deliveryView `json:"deliveries"`
		NextCursor string         `json:"next_cursor,omitempty"`
	}{Deliveries: []deliveryView{}}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, newDeliveryView(d))
	}
	if len(ds) == f.Limit {
		last := ds[len(ds)-1]
		out.NextCursor = encodeCursor(last.CreatedAt, last.ID)
		setNextLink(w, r, out.NextCursor)
	}
	writeJSON(w, http.StatusOK, out)
}

// getDelivery shows one delivery with every attempt.
func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no delivery "+r.PathValue("id"), nil)
		return
	}
	d, err := s.st.DeliveryByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no delivery "+r.PathValue("id"), nil)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	as, err := s.st.Attempts(r.Context(), id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := newDeliveryView(d)
	for _, a := range as {
		v.AttemptLog = append(v.AttemptLog, attemptView{Number: a.Number, StartedAt: a.StartedAt,
			DurationMS: float64(a.Duration.Microseconds()) / 1000, Outcome: a.Outcome, StatusCode: a.StatusCode,
			Error: a.Error, Response: a.Response})
	}
	writeJSON(w, http.StatusOK, v)
}

// replayRequest is {"ids":[…]} or {"endpoint":"31/webhook","since":"…"}.
type replayRequest struct {
	IDs      []int64 `json:"ids"`
	Endpoint string  `json:"endpoint"`
	Since    string  `json:"since"`
}

// replayDeliveries sends deliveries again under their original identity.
func (s *Server) replayDeliveries(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	if s.queue == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "replay needs the job queue", nil)
		return
	}
	var req replayRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	var fe []pipeline.FieldError
	if (len(req.IDs) == 0) == (req.Endpoint == "") {
		fe = append(fe, pipeline.FieldError{Field: "ids", Message: "give either ids or endpoint"})
	}
	var f store.DeliveryFilter
	if req.Endpoint != "" {
		code, channel, ok := strings.Cut(req.Endpoint, "/")
		sup, err := s.st.SupplierByCode(r.Context(), code)
		if !ok || err != nil {
			fe = append(fe, pipeline.FieldError{Field: "endpoint", Message: "must be SUPPLIER/CHANNEL of a known supplier, e.g. 31/webhook"})
		} else {
			f.SupplierID, f.Channel = sup.ID, channel
		}
		t, err := time.Parse(time.RFC3339, req.Since)
		if err != nil {
			fe = append(fe, pipeline.FieldError{Field: "since", Message: "must be an RFC 3339 time"})
		}
		f.Since = t
	}
	if len(fe) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "invalid replay request", fe)
		return
	}
	var res []pipeline.ReplayResult
	var err error
	if len(req.IDs) > 0 {
		res, err = pipeline.Replay(r.Context(), s.st, s.queue, req.IDs)
	} else {
		res, err = pipeline.ReplayEndpoint(r.Context(), s.st, s.queue, f)
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if res == nil {
		res = []pipeline.ReplayResult{}
	}
	writeJSON(w, http.StatusOK, struct {
		Results []pipeline.ReplayResult `json:"results"`
	}{res})
}

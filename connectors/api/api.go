// Package api serves Supplyhub's JSON API under /api/v1: retailers post
// and read orders, suppliers pull theirs. Every handler is scoped to the
// caller's own tenant; errors are {"error":{"code","message","fields"}}.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Server holds the API's dependencies.
type Server struct {
	st      *store.Store
	ingest  *pipeline.Ingestor
	log     *slog.Logger
	maxBody int64
	// limits is nil when rate limiting is off.
	limits *keyLimiter
	// csv renders supplier orders in the file drops' default CSV layout.
	csv formats.Encoder
	// queue is where the admin API queues replays.
	queue jobs.Queue
	// publicURL is the base of status_url links ("" = the request's host).
	publicURL string
	// catalog applies suppliers' catalog updates (nil: 503).
	catalog *pipeline.Catalog
	// cancelPolicy says how long each supplier has to answer a
	// cancellation request.
	cancelPolicy pipeline.CancelPolicy
}

// New builds the API; maxBody caps request bodies (413 beyond). It does not
// rate-limit: callers that want limits use NewWithOptions.
func New(st *store.Store, ingest *pipeline.Ingestor, log *slog.Logger, maxBody int64) *Server {
	return NewWithOptions(st, ingest, log, Options{MaxBody: maxBody, RateLimit: rate.Inf})
}

// NewWithOptions builds the API with opts; zero fields take their defaults.
func NewWithOptions(st *store.Store, ingest *pipeline.Ingestor, log *slog.Logger, opts Options) *Server {
	opts = opts.withDefaults()
	// The default CSV spec is static and always valid; a failure here is a
	// bug in formats, which its tests catch.
	enc, err := formats.New(formats.Spec{Format: formats.FormatCSV})
	if err != nil {
		panic(fmt.Sprintf("api: default CSV encoder: %v", err))
	}
	return &Server{st: st, ingest: ingest, log: log, maxBody: opts.MaxBody, limits: newKeyLimiter(opts), csv: enc, queue: opts.Queue, publicURL: opts.PublicURL,
		catalog: opts.Catalog, cancelPolicy: opts.CancelPolicy}
}

// Register adds the API's routes (Routes) to mux.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range Routes() {
		mux.Handle(rt.Method+" "+rt.Path, s.handler(rt))
	}
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path, nil)
	})
}

// as authenticates the bearer key and requires role.
func (s *Server) as(role string, h func(w http.ResponseWriter, r *http.Request, p *store.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.AuthenticateFor(r.Context(), s.st, r, role)
		switch {
		case errors.Is(err, auth.ErrNoKey), errors.Is(err, auth.ErrBadKey):
			w.Header().Set("WWW-Authenticate", `Bearer realm="supplyhub"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", err.Error(), nil)
			return
		case err != nil:
			s.internal(w, r, err)
			return
		case p.Role != role:
			writeError(w, http.StatusForbidden, "forbidden", "this route needs a "+role+" key, not a "+p.Role+" key", nil)
			return
		}
		if err := auth.MarkUsed(r.Context(), s.st, p, time.Now()); err != nil {
			// Only the listing's "last used" suffers: serve the request.
			s.log.Warn("api key use not recorded", "key_id", p.KeyID, "error", err)
		}
		h(w, r, p)
	})
}

// apiError is the body of every error response.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Fields  []pipeline.FieldError `json:"fields,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, fields []pipeline.FieldError) {
	writeJSON(w, status, apiError{Error: errorBody{Code: code, Message: msg, Fields: fields}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	var ingest *pipeline.IngestError
	if !errors.As(err, &ingest) {
		// An ingest failure has its line from the ingestor already.
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	switch {
	case store.IsFull(err):
		// Nothing was stored: the client may retry once space is freed.
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusInsufficientStorage, "storage_full", "the database's disk is full; nothing was stored, retry later", nil)
	case store.IsUnavailable(err):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the database is unavailable; retry later", nil)
	default:
		writeError(w, http.StatusInternalServerError, "internal", "internal error; it has been logged", nil)
	}
}

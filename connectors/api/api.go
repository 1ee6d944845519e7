// Package api serves Supplyhub's JSON API under /api/v1: retailers post
// and read orders, suppliers pull theirs. Every handler is scoped to the
// caller's own tenant; errors are {"error":{"code","message","fields"}}.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Server holds the API's dependencies.
type Server struct {
	st      *store.Store
	ingest  *pipeline.Ingestor
	log     *slog.Logger
	maxBody int64
}

// New builds the API; maxBody caps request bodies (413 beyond).
func New(st *store.Store, ingest *pipeline.Ingestor, log *slog.Logger, maxBody int64) *Server {
	return &Server{st: st, ingest: ingest, log: log, maxBody: maxBody}
}

// Register adds the API's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	mux.Handle("POST /api/v1/orders", s.as(store.RoleRetailer, s.createOrder))
	mux.Handle("GET /api/v1/orders", s.as(store.RoleRetailer, s.listOrders))
	mux.Handle("GET /api/v1/orders/{number}", s.as(store.RoleRetailer, s.getOrder))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path, nil)
	})
}

// as authenticates the bearer key and requires role.
func (s *Server) as(role string, h func(w http.ResponseWriter, r *http.Request, p *store.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.Authenticate(r.Context(), s.st, r)
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
		h(w, r.WithContext(auth.WithPrincipal(r.Context(), p)), p)
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
	s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error; it has been logged", nil)
}

package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// catalogPage is one page of a catalog, in SKU order.
type catalogPage struct {
	Supplier   string               `json:"supplier"`
	Items      []domain.CatalogItem `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// supplierCatalog: GET /api/v1/supplier/catalog, the caller's own catalog.
func (s *Server) supplierCatalog(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	sup, err := s.st.SupplierByID(r.Context(), p.SupplierID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.writeCatalogPage(w, r, sup)
}

// retailerCatalog: GET /api/v1/catalogs/{supplier}, a supplier's catalog
// as the retailers who sell its items see it. An unknown code is a 404.
func (s *Server) retailerCatalog(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	sup, err := s.st.SupplierByCode(r.Context(), r.PathValue("supplier"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no supplier "+r.PathValue("supplier"), nil)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.writeCatalogPage(w, r, sup)
}

// writeCatalogPage answers one page: ?limit (1-1000, default 100) and
// ?cursor (the next_cursor of the page before).
func (s *Server) writeCatalogPage(w http.ResponseWriter, r *http.Request, sup *domain.Supplier) {
	q := r.URL.Query()
	var fe []pipeline.FieldError
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			fe = append(fe, pipeline.FieldError{Field: "limit", Message: "must be an integer from 1 to 1000"})
		}
		limit = n
	}
	var after string
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || !utf8.Valid(b) {
			fe = append(fe, pipeline.FieldError{Field: "cursor", Message: "malformed cursor"})
		}
		after = string(b)
	}
	if len(fe) > 0 {
		writeError(w, http.StatusBadRequest, "bad_query", "invalid query parameters: "+fieldSummary(fe), fe)
		return
	}
	items, err := s.st.CatalogPage(r.Context(), sup.ID, after, limit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := catalogPage{Supplier: sup.Code, Items: items}
	if out.Items == nil {
		out.Items = []domain.CatalogItem{}
	}
	if len(items) > limit {
		out.Items = items[:limit]
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(out.Items[limit-1].SKU))
		nq := url.Values{"cursor": {out.NextCursor}}
		if q.Has("limit") {
			nq.Set("limit", q.Get("limit"))
		}
		w.Header().Set("Link", "<"+r.URL.Path+"?"+nq.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, out)
}

// upsertCatalog: POST /api/v1/supplier/catalog, a bulk create-or-replace
// by SKU. Setting the same items again changes nothing; an
// Idempotency-Key also makes a retry answer the first result without
// applying it again (stock sold in between is not restored).
func (s *Server) upsertCatalog(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req pipeline.CatalogUpsertRequest
	if !s.decodeBodyAs(w, r, &req, "the catalog has invalid fields") {
		return
	}
	if err := pipeline.ValidateCatalogUpsert(&req); err != nil {
		s.catalogError(w, r, err)
		return
	}
	upd := pipeline.CatalogUpdate{Source: "api"}
	for _, it := range req.Items {
		upd.Upsert = append(upd.Upsert, it.Item())
	}
	s.applyCatalog(w, r, p, upd, req)
}

// deleteCatalog: POST /api/v1/supplier/catalog/delete, a bulk delete by
// SKU; SKUs that do not exist are not an error (deleting twice is fine).
func (s *Server) deleteCatalog(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	var req pipeline.CatalogDeleteRequest
	if !s.decodeBodyAs(w, r, &req, "the request has invalid fields") {
		return
	}
	if err := pipeline.ValidateCatalogDelete(&req); err != nil {
		s.catalogError(w, r, err)
		return
	}
	s.applyCatalog(w, r, p, pipeline.CatalogUpdate{Delete: req.SKUs, Source: "api"}, req)
}

func (s *Server) applyCatalog(w http.ResponseWriter, r *http.Request, p *store.Principal, upd pipeline.CatalogUpdate, req any) {
	if s.catalog == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "catalog updates are not available", nil)
		return
	}
	upd.IdempotencyKey = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(upd.IdempotencyKey) > 200 {
		writeError(w, http.StatusBadRequest, "bad_request", "Idempotency-Key is longer than 200 characters", nil)
		return
	}
	if upd.IdempotencyKey != "" {
		upd.RequestHash = r.URL.Path + ":" + pipeline.RequestHash(req)
	}
	res, err := s.catalog.Update(r.Context(), p.SupplierID, upd)
	if err != nil {
		s.catalogError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) catalogError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *pipeline.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "invalid", "the catalog has invalid fields", ve.Fields)
	case errors.Is(err, pipeline.ErrIdempotencyConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
	default:
		s.internal(w, r, err)
	}
}

package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// KeyView is an API key as the admin API and `supplyhub key list --json`
// show it: never the key itself.
type KeyView struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Owner      string     `json:"owner,omitempty"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// NewKeyView is the JSON form of a stored key.
func NewKeyView(k store.APIKey) KeyView {
	return KeyView{ID: k.ID, Kind: k.Role, Owner: k.Owner, Name: k.Name, Hint: k.Hint,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// listKeys lists API keys, revoked ones included: ?retailer=&supplier=.
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	q := r.URL.Query()
	var f store.APIKeyFilter
	var fe []pipeline.FieldError
	if code := q.Get("retailer"); code != "" {
		ret, err := s.st.RetailerByCode(r.Context(), code)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fe = append(fe, pipeline.FieldError{Field: "retailer", Message: "unknown retailer " + strconv.Quote(code)})
		case err != nil:
			s.internal(w, r, err)
			return
		default:
			f.RetailerID = ret.ID
		}
	}
	if code := q.Get("supplier"); code != "" {
		sup, err := s.st.SupplierByCode(r.Context(), code)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fe = append(fe, pipeline.FieldError{Field: "supplier", Message: "unknown supplier " + strconv.Quote(code)})
		case err != nil:
			s.internal(w, r, err)
			return
		default:
			f.SupplierID = sup.ID
		}
	}
	if len(fe) > 0 {
		writeError(w, http.StatusBadRequest, "bad_query", "invalid query parameters", fe)
		return
	}
	keys, err := s.st.ListAPIKeys(r.Context(), f)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := struct {
		Keys []KeyView `json:"keys"`
	}{Keys: []KeyView{}}
	for _, k := range keys {
		out.Keys = append(out.Keys, NewKeyView(k))
	}
	writeJSON(w, http.StatusOK, out)
}

// revokeKey revokes a key by id, effective on the next request on every
// replica. Revoking a revoked key again is a 409, so that a script learns
// the id was not the one it meant.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no API key "+r.PathValue("id"), nil)
		return
	}
	err = s.st.RevokeAPIKey(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no API key "+r.PathValue("id"), nil)
		return
	case errors.Is(err, store.ErrKeyRevoked):
		writeError(w, http.StatusConflict, "already_revoked", "API key "+r.PathValue("id")+" was already revoked", nil)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	s.log.Info("api key revoked", "key_id", id, "by_key_id", p.KeyID)
	keys, err := s.st.ListAPIKeys(r.Context(), store.APIKeyFilter{ID: id})
	if err != nil || len(keys) != 1 {
		s.internal(w, r, fmt.Errorf("read revoked api key %d: %w (%d found)", id, err, len(keys)))
		return
	}
	writeJSON(w, http.StatusOK, NewKeyView(keys[0]))
}

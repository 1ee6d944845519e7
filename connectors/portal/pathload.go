package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/supplyhub/supplyhub/internal/store"
)

// byPathID parses the path value key as an id and loads what it names with
// load. A malformed id or store.ErrNotFound answers 404 (so nothing is said
// about what exists), any other error 500; ok is false once answered.
func byPathID[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, load func(context.Context, int64) (T, error)) (v T, ok bool) {
	id, err := strconv.ParseInt(r.PathValue(key), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return v, false
	}
	v, err = load(r.Context(), id)
	if !s.loaded(w, r, err) {
		var zero T
		return zero, false
	}
	return v, true
}

// loaded answers 404 for store.ErrNotFound and 500 for any other error of
// a load; it is true when err is nil and nothing was answered.
func (s *Server) loaded(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return false
	}
	if err != nil {
		s.internal(w, r, err)
		return false
	}
	return true
}

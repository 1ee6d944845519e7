package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// csrfField is the hidden form field that carries the session's token.
const csrfField = "csrf_token"

// csrf refuses a POST whose form does not carry the session's
// synchronizer token (on top of http.CrossOriginProtection, which already
// refused cross-site POSTs from browsers that say where they come from).
func (s *Server) csrf(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			want := s.sm.GetString(r.Context(), "csrf")
			got := r.PostFormValue(csrfField)
			if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
				s.forbidden(w, r, "This form was sent without its security token, or the token has expired. Go back, reload the page and send the form again.")
				return
			}
		}
		h(w, r)
	}
}

// csrfToken returns the session's token, creating it on first use.
func (s *Server) csrfToken(r *http.Request) string {
	t := s.sm.GetString(r.Context(), "csrf")
	if t == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		t = base64.RawURLEncoding.EncodeToString(b)
		s.sm.Put(r.Context(), "csrf", t)
	}
	return t
}

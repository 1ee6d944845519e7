package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// csrfField is the hidden form field that carries the session's token.
const csrfField = "csrf_token"

// csrf refuses a POST whose form does not carry the session's
// synchronizer token (on top of http.CrossOriginProtection, which already
// refused cross-site POSTs from browsers that say where they come from).
func (s *Server) csrf(h http.HandlerFunc) http.HandlerFunc { return s.csrfLimit(h, 1<<20) }

// csrfLimit is csrf for forms of up to limit bytes. A multipart form (a
// file upload) is parsed here, files over 1 MiB spooled to disk; a body
// over the limit gets a 413 page that says so.
func (s *Server) csrfLimit(h http.HandlerFunc, limit int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			var err error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				err = r.ParseMultipartForm(1 << 20)
			} else {
				err = r.ParseForm()
			}
			if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
				s.tooLarge(w, r, limit)
				return
			}
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

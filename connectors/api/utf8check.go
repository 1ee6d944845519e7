package api

import (
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/pipeline"
)

// badText lists the query parameters and headers of r whose text is not
// valid UTF-8 after decoding ("cursor=%ff"). Such text would be stored or
// compared byte for byte and could never be shown back: every route
// refuses it with a 400 naming the parameter, as bodies are refused with
// a 422 naming the field.
func badText(r *http.Request) []pipeline.FieldError {
	var fe []pipeline.FieldError
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return []pipeline.FieldError{{Field: "query", Message: "the query string is malformed: " + err.Error()}}
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !utf8.ValidString(name) {
			fe = append(fe, pipeline.FieldError{Field: "query", Message: "a parameter name is not valid UTF-8"})
			continue
		}
		for _, v := range q[name] {
			if !utf8.ValidString(v) {
				fe = append(fe, pipeline.FieldError{Field: name, Message: "must be valid UTF-8"})
				break
			}
		}
	}
	if k := r.Header.Get("Idempotency-Key"); !utf8.ValidString(k) {
		fe = append(fe, pipeline.FieldError{Field: "Idempotency-Key", Message: "must be valid UTF-8"})
	}
	return fe
}

// textChecked refuses a request whose query or Idempotency-Key is not
// valid UTF-8 before h sees it.
func textChecked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fe := badText(r); len(fe) > 0 {
			writeError(w, http.StatusBadRequest, "bad_query", "the request's query or headers are not valid text", fe)
			return
		}
		h.ServeHTTP(w, r)
	})
}

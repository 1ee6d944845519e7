package portal

import "net/http"

// commitGuard sits outside scs's LoadAndSave. scs commits the session when
// the page first writes its header; if that commit fails it calls
// ErrorFunc (our error page) and then still lets the page write its own
// header and body after it. Once the error page is out, the guard drops
// the rest, so the person sees one clear error page and not a form whose
// session was never saved.
type commitGuard struct {
	http.ResponseWriter
	closed bool
}

func (g *commitGuard) WriteHeader(code int) {
	if !g.closed {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *commitGuard) Write(b []byte) (int, error) {
	if g.closed {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (g *commitGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// guardCommits wraps h so that a failed session commit ends the response.
func guardCommits(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&commitGuard{ResponseWriter: w}, r)
	})
}

// closeAfter writes the error page through fn and, when w is the guard,
// drops whatever the page tries to write after it.
func closeAfter(w http.ResponseWriter, fn func(http.ResponseWriter)) {
	fn(w)
	if g, ok := w.(*commitGuard); ok {
		g.closed = true
	}
}

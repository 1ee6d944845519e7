package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// views holds one template set per page: the layout plus the page's file.
type views struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	"money": func(m domain.Money, currency string) string { return m.Decimal() + " " + currency },
	"date": func(v any) string {
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case *time.Time:
			if x != nil {
				t = *x
			}
		}
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"day":       func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"label":     statusLabel,
	"add":       func(a, b int) int { return a + b },
	"shiplines": shipLines,
	"pathseg":   url.PathEscape,
	"ms":        latency,
	"stamp":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"bytes":     byteSize,
}

// loadViews parses templates/layout.html with each other template file.
func loadViews() (*views, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("portal templates: %w", err)
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("portal template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// view is what every page template gets: .Page is the page's own data.
type view struct {
	Title   string
	User    *store.User
	CSRF    string
	Flash   string
	Nav     string
	NoIndex bool
	Page    any
	// ViewAs is the operator viewing the portal as User (read-only).
	ViewAs *store.User
}

// render writes page name with data, buffered so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.views.pages[name]
	if !ok {
		s.internal(w, r, fmt.Errorf("no template %q", name))
		return
	}
	// Only signed-in pages and the sign-in form carry forms: other pages
	// for anonymous visitors must not create a session row each.
	if strings.HasPrefix(r.URL.Path, "/portal/") && (v.User != nil || name == "login") {
		v.CSRF = s.csrfToken(r)
		if v.Flash == "" {
			v.Flash = s.sm.PopString(r.Context(), "flash")
		}
	}
	v.ViewAs = viewingAs(r.Context())
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.internal(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// flash keeps a message for the next page the user sees.
func (s *Server) flash(r *http.Request, msg string) { s.sm.Put(r.Context(), "flash", msg) }

// notFound is the one 404 page, for missing and foreign objects alike.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	u, _ := s.currentUser(r)
	s.render(w, r, http.StatusNotFound, "error", view{Title: "Not found", User: u,
		Page: errorPage{Heading: "Not found", Message: "There is nothing here, or it is not yours to see."}})
}

// forbidden answers 403 with msg (CSRF and cross-origin refusals).
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusForbidden, "error", view{Title: "Refused", Page: errorPage{Heading: "Request refused", Message: msg}})
}

// internal logs err once and shows a plain error page: 507 when the
// database's disk is full and 503 when the database cannot be reached
// (like the API, so a person knows that retrying later will work), 500
// otherwise. The page is static HTML: rendering the layout could need the
// very session store that just failed.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("portal request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	code, msg := http.StatusInternalServerError, "Something went wrong on our side; it has been logged. Please try again."
	switch {
	case store.IsFull(err):
		code, msg = http.StatusInsufficientStorage, "The server's storage is full, so nothing was saved. Please try again in a few minutes."
		w.Header().Set("Retry-After", "30")
	case store.IsUnavailable(err):
		code, msg = http.StatusServiceUnavailable, "The database is unavailable right now, so nothing was saved. Please try again in a few minutes."
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte("<!doctype html><title>Error</title><p>" + msg + "</p>"))
}

type errorPage struct{ Heading, Message string }

// shipLines describes a package's lines ("2 × HAM-16, 1 × SAW-2"), or
// "whole order" when the supplier named none.
func shipLines(raw []byte) string {
	var ls []struct {
		Position int    `json:"position"`
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	if err := json.Unmarshal(raw, &ls); err != nil || len(ls) == 0 {
		return "whole order"
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%d × %s", l.Quantity, l.SKU)
	}
	return strings.Join(parts, ", ")
}

// statusLabel is a status as people read it: "Partially shipped".
func statusLabel(s string) string {
	if s == "" {
		return ""
	}
	// "partially_shipped" reads "Partially shipped", as a person writes it.
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func staticHandler() http.Handler {
	sub, _ := fs.Sub(assets, "static")
	fsrv := http.StripPrefix("static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

func hasHTTPS(u string) bool { return strings.HasPrefix(strings.ToLower(u), "https://") }

// latency shows an attempt's duration in milliseconds, with a decimal
// below 10 ms so that a fast local answer does not read "0 ms".
func latency(d time.Duration) string {
	ms := float64(d.Microseconds()) / 1000
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

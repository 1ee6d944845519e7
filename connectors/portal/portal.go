// Package portal serves Supplyhub's web portal under /portal: server-
// rendered HTML (html/template, embedded), one stylesheet, no script that
// a flow depends on. Every business action goes through pipeline, like
// the API: the same state machine, notifications, ledger and refusals.
//
// A page is a handler registered with (*Server).page, which names the
// roles that may see it; the chain in front of it loads the session,
// checks the user, and refuses a POST without its form's CSRF token.
// See docs/portal.md, "Adding a page".
package portal

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

//go:embed templates static
var assets embed.FS

// Options configure the portal; zero fields take the defaults.
type Options struct {
	// IdleTimeout ends a session unused this long (default 2h); Lifetime
	// ends any session this long after sign-in (default 24h).
	IdleTimeout, Lifetime time.Duration
	// SecureCookies marks the session cookie Secure (HTTPS only). It is
	// also set whenever PublicURL is https.
	SecureCookies bool
	// PublicURL is the portal's external base URL ("https://hub.example"),
	// used in links given out (status pages); empty: the request's host.
	PublicURL string
	// Queue is where status changes queue their notifications.
	Queue jobs.Queue
	// Throttle limits failed sign-ins; zero fields take the defaults.
	Throttle Throttle
	// Ingest takes confirmed manual orders, as it takes API orders.
	Ingest *pipeline.Ingestor
	// MaxAttachmentBytes bounds one manual order file (default 10 MiB).
	MaxAttachmentBytes int64
	// Mail sends the optional notice about a manual order; nil: none.
	Mail Mailer
}

// Mailer sends one plain-text email through the configured transport.
type Mailer interface {
	SendText(ctx context.Context, to, subject, text string) error
}

// Throttle bounds failed sign-ins within Window, per account and per
// client address; beyond either the sign-in is refused until the oldest
// failure leaves the window.
type Throttle struct {
	PerAccount int
	PerAddress int
	Window     time.Duration
}

func (o Options) withDefaults() Options {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Hour
	}
	if o.Lifetime <= 0 {
		o.Lifetime = 24 * time.Hour
	}
	if o.Throttle.PerAccount <= 0 {
		o.Throttle.PerAccount = 5
	}
	if o.Throttle.PerAddress <= 0 {
		o.Throttle.PerAddress = 20
	}
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = 10 << 20
	}
	if o.Throttle.Window <= 0 {
		o.Throttle.Window = 15 * time.Minute
	}
	return o
}

// Server is the portal.
type Server struct {
	st    *store.Store
	log   *slog.Logger
	opts  Options
	sm    *scs.SessionManager
	views *views
	mux   *http.ServeMux
}

// New builds the portal.
func New(st *store.Store, log *slog.Logger, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = sessionStore{st: st}
	sm.HashTokenInStore = true
	sm.IdleTimeout = opts.IdleTimeout
	sm.Lifetime = opts.Lifetime
	sm.Cookie.Name = "supplyhub_portal"
	sm.Cookie.Path = "/"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.SecureCookies || hasHTTPS(opts.PublicURL)
	s := &Server{st: st, log: log, opts: opts, sm: sm, views: v, mux: http.NewServeMux()}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		closeAfter(w, func(w http.ResponseWriter) { s.internal(w, r, err) })
	}
	s.routes()
	return s, nil
}

// Register mounts the portal on mux: /portal/… behind sessions and
// cross-origin protection, and the public status pages /o/{token}.
func (s *Server) Register(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.forbidden(w, r, "This request came from another site and was refused.")
	}))
	mux.Handle("/portal/", guardCommits(s.sm.LoadAndSave(cop.Handler(s.mux))))
	mux.Handle("GET /portal", http.RedirectHandler("/portal/", http.StatusSeeOther))
	mux.HandleFunc("GET /o/{token}", s.statusPage)
}

// routes is the portal's page list. Add pages here (docs/portal.md).
func (s *Server) routes() {
	s.mux.Handle("GET /portal/static/", http.StripPrefix("/portal/", staticHandler()))
	s.mux.HandleFunc("GET /portal/login", s.loginForm)
	s.mux.HandleFunc("POST /portal/login", s.csrf(s.login))
	s.mux.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r) })

	s.page("GET /portal/{$}", anyRole, s.home)
	s.page("POST /portal/logout", anyRole, s.logout)
	s.page("POST /portal/logout-everywhere", anyRole, s.logoutEverywhere)

	// Supplier pages.
	s.page("GET /portal/orders", anyRole, s.orders)
	s.page("GET /portal/orders.csv", supplierOnly, s.exportCSV)
	s.page("GET /portal/orders/{number}", anyRole, s.order)
	s.page("GET /portal/orders/{number}/file", supplierOnly, s.downloadOrder)
	s.page("POST /portal/orders/{number}/acknowledge", supplierOnly, s.acknowledge)
	s.page("POST /portal/orders/{number}/ship", supplierOnly, s.ship)
	s.page("POST /portal/orders/{number}/cancel", supplierOnly, s.cancel)
	s.page("POST /portal/orders/{number}/lines", supplierOnly, s.answerLines)
	s.page("POST /portal/orders/{number}/cancellation-request", supplierOnly, s.answerCancelRequest)

	s.operatorRoutes()
	s.manualRoutes()
	s.retailerRoutes()
	s.catalogRoutes()
}

// Role sets for page.
var (
	anyRole      = []string{store.PortalOperator, store.PortalSupplier, store.PortalRetailer}
	supplierOnly = []string{store.PortalSupplier}
	retailerOnly = []string{store.PortalRetailer}
	operatorOnly = []string{store.PortalOperator}
)

// handlerFunc is a page handler; u is the signed-in user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, u *store.User)

// page registers h for pattern, for signed-in users whose role is in
// roles. Anyone else signed in gets the 404 page, exactly as for a missing
// object; a visitor who is not signed in is sent to the sign-in form.
// POSTs must carry the session's CSRF token.
func (s *Server) page(pattern string, roles []string, h handlerFunc) {
	s.pageLimit(pattern, roles, 1<<20, h)
}

// pageLimit is page for forms of up to limit bytes (file uploads).
func (s *Server) pageLimit(pattern string, roles []string, limit int64, h handlerFunc) {
	s.mux.HandleFunc(pattern, s.csrfLimit(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.currentUser(r)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if u == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/portal/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.forbidden(w, r, "You are not signed in (or your session ended). Sign in and try again.")
			return
		}
		// An operator viewing as someone gets that user's pages, read-only.
		u, r, ok := s.viewAs(w, r, u, pattern)
		if !ok {
			return
		}
		if !slices.Contains(roles, u.Role) {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, u)
	}, limit))
}

// currentUser is the session's user, or nil when nobody is signed in, the
// user is disabled, or their sessions were ended since this one began.
func (s *Server) currentUser(r *http.Request) (*store.User, error) {
	ctx := r.Context()
	id := s.sm.GetInt64(ctx, "uid")
	if id == 0 {
		return nil, nil
	}
	u, err := s.st.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.DisabledAt != nil || u.SessionGen != s.sm.GetInt64(ctx, "gen") {
		// Forget the user here too, so the next page asks to sign in.
		s.sm.Remove(ctx, "uid")
		return nil, nil
	}
	return u, nil
}

// Clean deletes expired sessions and old sign-in failures every interval
// until ctx ends; one replica doing it is enough, several do no harm.
func (s *Server) Clean(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.st.CleanPortal(ctx, time.Now(), s.opts.Throttle.Window); err != nil && ctx.Err() == nil {
			s.log.Warn("portal cleanup failed", "error", err)
		} else if n > 0 {
			s.log.Debug("portal cleanup", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

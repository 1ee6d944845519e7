package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// operatorRoutes registers the back office (docs/portal.md, "Operator").
// Every page and action is operatorOnly: supplier and retailer users get
// the 404 page, exactly as for a missing object.
func (s *Server) operatorRoutes() {
	s.page("GET /portal/admin", operatorOnly, s.dashboard)
	s.page("GET /portal/admin/orders", operatorOnly, s.allOrders)
	s.page("POST /portal/admin/orders", operatorOnly, s.ordersAction)
	s.page("GET /portal/admin/orders/{number}", operatorOnly, s.adminOrder)
	s.page("GET /portal/admin/deliveries", operatorOnly, s.deliveries)
	s.page("POST /portal/admin/deliveries/{id}/replay", operatorOnly, s.replayDelivery)
	s.page("GET /portal/admin/parties", operatorOnly, s.parties)
	s.page("POST /portal/admin/endpoints/{supplier}/{channel}/enable", operatorOnly, s.enableEndpoint)
	s.page("POST /portal/admin/endpoints/{supplier}/{channel}/replay", operatorOnly, s.replayEndpoint)
	s.page("GET /portal/admin/review", operatorOnly, s.reviewQueue)
	s.page("POST /portal/admin/review/{id}/apply", operatorOnly, s.applyReview)
	s.page("POST /portal/admin/review/{id}/dismiss", operatorOnly, s.dismissReview)
	s.page("GET /portal/admin/audit", operatorOnly, s.auditLog)
	s.page("GET /portal/admin/overdue", operatorOnly, s.overdue)
	s.page("POST /portal/admin/view-as", operatorOnly, s.startViewAs)
	// Reached while viewing as someone else: page lets only this POST
	// (and sign-out) through.
	s.page("POST /portal/view-as/stop", anyRole, s.stopViewAs)
}

// viewAsAllowed are the POSTs that work while an operator views as
// someone: leaving that view, and signing out.
var viewAsAllowed = map[string]bool{
	"POST /portal/view-as/stop":      true,
	"POST /portal/logout":            true,
	"POST /portal/logout-everywhere": true,
}

// ctxKey keys request context values of this package.
type ctxKey int

const operatorKey ctxKey = 1

// viewingAs returns the operator behind a view-as request, or nil.
func viewingAs(ctx context.Context) *store.User {
	u, _ := ctx.Value(operatorKey).(*store.User)
	return u
}

// viewAs swaps an operator who is viewing as someone for that user. It
// returns the user the page is for and the request to serve, or ok false
// when it has answered (a refused POST).
func (s *Server) viewAs(w http.ResponseWriter, r *http.Request, u *store.User, pattern string) (*store.User, *http.Request, bool) {
	if u.Role != store.PortalOperator {
		return u, r, true
	}
	id := s.sm.GetInt64(r.Context(), "view_as")
	if id == 0 {
		return u, r, true
	}
	target, err := s.st.UserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (target.Role == store.PortalOperator || target.DisabledAt != nil)) {
		s.sm.Remove(r.Context(), "view_as")
		return u, r, true
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, nil, false
	}
	r = r.WithContext(context.WithValue(r.Context(), operatorKey, u))
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !viewAsAllowed[pattern] {
		s.audit(r, u, "view-as refused", target.Email, r.Method+" "+r.URL.Path)
		s.render(w, r, http.StatusForbidden, "error", view{Title: "Read-only", User: target, Page: errorPage{Heading: "Read-only",
			Message: "You are viewing the portal as " + target.Email + ": it is read-only, nothing was changed. Stop viewing as to act as yourself."}})
		return nil, nil, false
	}
	return target, r, true
}

// audit records an operator's action; a failure is logged, not shown:
// the action itself has happened.
func (s *Server) audit(r *http.Request, op *store.User, action, target, detail string) {
	if err := s.st.AddAudit(r.Context(), store.AuditEntry{OperatorID: op.ID, Operator: op.Email, Action: action, Target: target, Detail: detail}); err != nil {
		s.log.Error("operator audit failed", "operator", op.Email, "action", action, "error", err)
	}
}

// startViewAs shows the portal as a supplier or retailer user sees it,
// read-only, until stopViewAs.
func (s *Server) startViewAs(w http.ResponseWriter, r *http.Request, u *store.User) {
	id, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	target, err := s.st.UserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (target.Role == store.PortalOperator || target.DisabledAt != nil)) {
		s.flash(r, "Choose an active supplier or retailer user to view as.")
		http.Redirect(w, r, "/portal/admin/parties", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.sm.Put(r.Context(), "view_as", target.ID)
	s.audit(r, u, "view-as start", target.Email, target.Role+" "+target.Party)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// stopViewAs ends a view-as; for anyone else it does nothing.
func (s *Server) stopViewAs(w http.ResponseWriter, r *http.Request, u *store.User) {
	op := viewingAs(r.Context())
	if op == nil {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return
	}
	s.sm.Remove(r.Context(), "view_as")
	s.audit(r, op, "view-as stop", u.Email, "")
	s.flash(r, "You are yourself again.")
	http.Redirect(w, r, "/portal/admin/parties", http.StatusSeeOther)
}

// dashboardPage is the operator's first page: what needs attention.
type dashboardPage struct {
	*store.BackOffice
	Today string
	// Unhealthy are the endpoints failing or disabled; Dead the oldest
	// dead deliveries (up to 10).
	Unhealthy []*store.Endpoint
	Dead      []*domain.Delivery
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, u *store.User) {
	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	b, err := s.st.BackOfficeCounts(r.Context(), today)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := dashboardPage{BackOffice: b, Today: today.Format("2006-01-02")}
	eps, err := s.st.ListEndpoints(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, e := range eps {
		if health(e) != "healthy" {
			p.Unhealthy = append(p.Unhealthy, e)
		}
	}
	if p.Dead, err = s.st.FindDeliveries(r.Context(), store.DeliveryFilter{Status: domain.DeliveryDead, Limit: 10}); err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "operator_dashboard", view{Title: "Back office", User: u, Nav: "admin", Page: p})
}

type auditPage struct {
	Rows          []store.AuditEntry
	Newest, Older string
}

// auditPerPage is the number of audit entries on one page.
const auditPerPage = 100

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, u *store.User) {
	before, ok := s.parseBefore(w, r)
	if !ok {
		return
	}
	rows, err := s.st.ListAudit(r.Context(), before, auditPerPage+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var p auditPage
	p.Rows, p.Newest, p.Older = keysetPage(r, rows, auditPerPage, func(e store.AuditEntry) int64 { return e.ID })
	s.render(w, r, http.StatusOK, "operator_audit", view{Title: "Audit log", User: u, Nav: "audit", Page: p})
}

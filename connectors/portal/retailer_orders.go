package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// retailerRoutes registers the retailer's pages beyond the order list.
func (s *Server) retailerRoutes() {
	s.page("POST /portal/orders/{number}/cancel-order", retailerOnly, s.retailerCancel)
	s.page("GET /portal/summaries", retailerOnly, s.summaries)
	s.page("GET /portal/summaries.csv", retailerOnly, s.summaryCSV)
	s.page("GET /portal/notifications", retailerOnly, s.notificationSettings)
	s.page("GET /portal/webhooks", retailerOnly, s.webhooks)
	s.page("POST /portal/webhooks/{id}/replay", retailerOnly, s.replayNotification)
}

// retailerSO is one supplier order on the retailer's order page.
type retailerSO struct {
	domain.SupplierOrder
	Shipments []store.Shipment
	// Notes are the notes of cancellations and rejections, newest last.
	Notes     []store.StatusEvent
	CanCancel bool
}

// retailerOrderPage is a retailer's order with its customer status link.
type retailerOrderPage struct {
	*domain.Order
	StatusURL string
	SOs       []retailerSO
	CanCancel bool
	Form      map[string]string
	Errors    map[string]string
}

// retailerOrder shows the retailer's order: each supplier order with its
// status, packages, tracking and cancellation notes, and the forms to
// cancel it all or one supplier order.
func (s *Server) retailerOrder(w http.ResponseWriter, r *http.Request, u *store.User, status int, p retailerOrderPage) {
	ctx := r.Context()
	o, ok := s.retailerOrderOfPath(w, r, u)
	if !ok {
		return
	}
	p.Order, p.StatusURL = o, s.StatusURL(r, o.StatusToken)
	for _, so := range o.Suppliers {
		v := retailerSO{SupplierOrder: so}
		var err error
		if v.Shipments, err = s.st.Shipments(ctx, so.ID); err != nil {
			s.internal(w, r, err)
			return
		}
		evs, err := s.st.History(ctx, so.ID)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, ev := range evs {
			if ev.Note != "" && (ev.To == domain.StatusCancelled || ev.To == domain.StatusRejected) {
				v.Notes = append(v.Notes, ev)
			}
		}
		// The form follows the state machine; pipeline decides when sent.
		_, out, err := pipeline.Transition(so.Status, pipeline.ActCancel)
		v.CanCancel = err == nil && out == ""
		p.CanCancel = p.CanCancel || v.CanCancel
		p.SOs = append(p.SOs, v)
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	s.render(w, r, status, "retailer_order", view{Title: "Order " + o.Header.Number, User: u, Nav: "orders", Page: p})
}

// retailerCancel cancels the whole order, or one supplier order, with a
// note, through pipeline.ApplyStatus exactly as POST
// /api/v1/orders/{number}/cancel does: each supplier is told on its
// channels.
func (s *Server) retailerCancel(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	form := map[string]string{"note": strings.TrimSpace(r.PostFormValue("note")), "supplier_order": r.PostFormValue("supplier_order")}
	errs := map[string]string{}
	switch {
	case form["note"] == "":
		errs["note"] = "A note is required: it is sent to the supplier."
	case len(form["note"]) > 1000:
		errs["note"] = "The note can be at most 1000 characters."
	}
	o, ok := s.retailerOrderOfPath(w, r, u)
	if !ok {
		return
	}
	if len(errs) > 0 {
		s.retailerOrder(w, r, u, http.StatusUnprocessableEntity, retailerOrderPage{Form: form, Errors: errs})
		return
	}
	var done, refused []string
	found := false
	for _, so := range o.Suppliers {
		if form["supplier_order"] != "" && so.Number != form["supplier_order"] {
			continue
		}
		found = true
		if err := pipeline.RetailerMayCancel(so.Status); err != nil {
			refused = append(refused, so.Number+": "+err.Error())
			continue
		}
		upd := pipeline.StatusUpdate{Action: pipeline.ActCancel, Note: form["note"], ByRetailer: true, Channel: "portal",
			Actor: fmt.Sprintf("retailer %s portal user %s", o.Header.Retailer, u.Email)}
		res, err := pipeline.ApplyStatus(ctx, s.st, s.opts.Queue, so.SupplierID, so.Number, upd)
		switch {
		case errors.Is(err, pipeline.ErrIllegalTransition):
			refused = append(refused, so.Number+": "+err.Error())
		case err != nil:
			s.internal(w, r, err)
			return
		case res.Applied:
			done = append(done, so.Number)
		default:
			refused = append(refused, so.Number+": "+res.Reason)
		}
	}
	if !found {
		s.notFound(w, r)
		return
	}
	msg := ""
	if len(done) > 0 {
		msg = "Cancelled " + strings.Join(done, ", ") + "; the supplier is told. "
	}
	if len(refused) > 0 {
		msg += "Not cancelled: " + strings.Join(refused, "; ") + "."
	}
	s.flash(r, strings.TrimSpace(msg))
	http.Redirect(w, r, "/portal/orders/"+o.Header.Number, http.StatusSeeOther)
}

// retailerOrderOfPath loads the retailer's own order named in the path, or
// answers 404 (another retailer's order is not found either).
func (s *Server) retailerOrderOfPath(w http.ResponseWriter, r *http.Request, u *store.User) (*domain.Order, bool) {
	return byPathID(s, w, r, "number", func(ctx context.Context, id int64) (*domain.Order, error) {
		return s.st.OrderByID(ctx, nil, u.RetailerID, id)
	})
}

package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

type deliveryView struct {
	*domain.Delivery
	Attempts []domain.Attempt
}

// orderPage is the supplier's order page; Form and Errors hold a form
// sent back with problems, Errors keyed by field name.
type orderPage struct {
	SO         *domain.SupplierOrder
	Total      domain.Money
	Events     []store.StatusEvent
	Shipments  []store.Shipment
	Deliveries []deliveryView
	// Files are the attachments of the manual order it came from.
	Files     []store.Attachment
	CanAck    bool
	CanShip   bool
	CanCancel bool
	// CanAnswer offers the per-line answer form.
	CanAnswer bool
	// CancelRequest is the retailer's open cancellation request, if any.
	CancelRequest *pipeline.CancelRequestView
	Form          map[string]string
	Errors        map[string]string
	Problem       string
}

// order shows one order: a supplier's supplier order, or a retailer's order.
func (s *Server) order(w http.ResponseWriter, r *http.Request, u *store.User) {
	switch u.Role {
	case store.PortalSupplier:
		so, ok := s.supplierOrder(w, r, u)
		if !ok {
			return
		}
		s.renderOrder(w, r, u, so, http.StatusOK, orderPage{})
	case store.PortalRetailer:
		s.retailerOrder(w, r, u, http.StatusOK, retailerOrderPage{})
	default:
		s.notFound(w, r)
	}
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, u *store.User, so *domain.SupplierOrder, status int, p orderPage) {
	ctx := r.Context()
	var err error
	p.SO, p.Total = so, so.ItemTotal+so.Shipping
	if p.Events, err = s.st.History(ctx, so.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	if p.Shipments, err = s.st.Shipments(ctx, so.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	if p.Files, err = s.st.SupplierAttachments(ctx, so.SupplierID, so.Number); err != nil {
		s.internal(w, r, err)
		return
	}
	switch c, err := s.st.OpenCancelRequestOf(ctx, nil, so.SupplierID, so.Number); {
	case err == nil:
		v := pipeline.CancelRequestViewOf(c)
		p.CancelRequest = &v
	case !errors.Is(err, store.ErrNotFound):
		s.internal(w, r, err)
		return
	}
	ds, attempts, err := s.deliveriesOf(ctx, so.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, deliveryView{d, attempts[d.ID]})
	}
	// What the forms offer follows the state machine; pipeline still
	// decides when a form is sent.
	_, out, err := pipeline.Transition(so.Status, pipeline.ActAcknowledge)
	p.CanAck = err == nil && out == ""
	_, _, err = pipeline.Transition(so.Status, pipeline.ActShip)
	// Shipped in full: another package could only over-ship, which
	// pipeline refuses, so the form is not offered.
	p.CanShip = err == nil && slices.ContainsFunc(so.Lines, func(l domain.Line) bool { return l.ShippedQty < l.Active() })
	_, out, err = pipeline.Transition(so.Status, pipeline.ActCancel)
	p.CanCancel = err == nil && out == ""
	p.CanAnswer = canAnswerLines(so.Status)
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	s.render(w, r, status, "order", view{Title: "Order " + so.Number, User: u, Nav: "orders", Page: p})
}

// apply runs upd through pipeline.ApplyStatus, exactly as the API does,
// and answers: back to the order with a message, or the order page with
// the problem next to its field.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, u *store.User, upd pipeline.StatusUpdate, form map[string]string, done string) {
	number := r.PathValue("number")
	upd.Actor = "portal user " + u.Email
	upd.Channel = "portal"
	res, err := pipeline.ApplyStatus(r.Context(), s.st, s.opts.Queue, u.SupplierID, number, upd)
	p := orderPage{Form: form, Errors: map[string]string{}}
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r)
		return
	case errors.Is(err, pipeline.ErrNoteRequired):
		p.Errors["note"] = "A note is required: it is sent to the retailer."
	case errors.Is(err, pipeline.ErrIllegalTransition), errors.Is(err, pipeline.ErrLineAnswer):
		p.Problem = err.Error()
	case err != nil && strings.HasPrefix(err.Error(), "tracking url"):
		p.Errors["tracking_url"] = err.Error()
	case err != nil:
		s.internal(w, r, err)
		return
	case !res.Applied:
		p.Problem = "Nothing changed: " + res.Reason + "."
	default:
		s.flash(r, done)
		http.Redirect(w, r, "/portal/orders/"+number, http.StatusSeeOther)
		return
	}
	so, ok := s.supplierOrder(w, r, u)
	if !ok {
		return
	}
	s.renderOrder(w, r, u, so, http.StatusUnprocessableEntity, p)
}

func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.apply(w, r, u, pipeline.StatusUpdate{Action: pipeline.ActAcknowledge}, nil, "Order acknowledged.")
}

// ship adds one package: carrier, tracking number, optional URL, and
// which lines (quantities by SKU) are in it; sending the form again adds
// another package.
func (s *Server) ship(w http.ResponseWriter, r *http.Request, u *store.User) {
	form := map[string]string{"carrier": strings.TrimSpace(r.PostFormValue("carrier")),
		"tracking_number": strings.TrimSpace(r.PostFormValue("tracking_number")),
		"tracking_url":    strings.TrimSpace(r.PostFormValue("tracking_url"))}
	type shipped struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	var lines []shipped
	errs := map[string]string{}
	for k, vs := range r.PostForm {
		sku, ok := strings.CutPrefix(k, "qty:")
		if !ok || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		form[k] = vs[0]
		n, err := strconv.Atoi(strings.TrimSpace(vs[0]))
		if err != nil || n < 0 {
			errs[k] = "Enter a whole number, 0 or more."
			continue
		}
		if n > 0 {
			lines = append(lines, shipped{SKU: sku, Quantity: n})
		}
	}
	if form["carrier"] == "" {
		errs["carrier"] = "Enter the carrier."
	}
	if form["tracking_number"] == "" {
		errs["tracking_number"] = "Enter the tracking number."
	}
	if len(errs) > 0 {
		so, ok := s.supplierOrder(w, r, u)
		if !ok {
			return
		}
		s.renderOrder(w, r, u, so, http.StatusUnprocessableEntity, orderPage{Form: form, Errors: errs})
		return
	}
	sh := &store.Shipment{Carrier: form["carrier"], TrackingNumber: form["tracking_number"], TrackingURL: form["tracking_url"]}
	if len(lines) > 0 {
		sh.Lines, _ = json.Marshal(lines)
	}
	s.apply(w, r, u, pipeline.StatusUpdate{Action: pipeline.ActShip, Shipment: sh}, form,
		fmt.Sprintf("Package %s %s recorded; the retailer is told.", sh.Carrier, sh.TrackingNumber))
}

// cancel cancels or rejects with a note; the retailer is always emailed.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request, u *store.User) {
	form := map[string]string{"action": r.PostFormValue("action"), "note": strings.TrimSpace(r.PostFormValue("note"))}
	action := pipeline.ActCancel
	if form["action"] == pipeline.ActReject {
		action = pipeline.ActReject
	}
	done := "Order cancelled; the retailer is emailed."
	if action == pipeline.ActReject {
		done = "Order rejected; the retailer is emailed."
	}
	s.apply(w, r, u, pipeline.StatusUpdate{Action: action, Note: form["note"]}, form, done)
}

// deliveriesOf loads a supplier order's deliveries with their attempts, in
// two statements whatever their number.
func (s *Server) deliveriesOf(ctx context.Context, soID int64) ([]*domain.Delivery, map[int64][]domain.Attempt, error) {
	ds, err := s.st.DeliveriesOf(ctx, soID)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	attempts, err := s.st.AttemptsOf(ctx, ids)
	return ds, attempts, err
}

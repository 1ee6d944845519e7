package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// allOrdersQuery is the operator's order list query, parsed.
type allOrdersQuery struct {
	From, To, Status, Retailer, Supplier string
	Page                                 int
	Errors                               map[string]string
	filter                               store.AllOrdersFilter
}

func (s *Server) parseAllOrders(r *http.Request) allOrdersQuery {
	q := r.URL.Query()
	a := allOrdersQuery{From: q.Get("from"), To: q.Get("to"), Status: q.Get("status"),
		Retailer: strings.TrimSpace(q.Get("retailer")), Supplier: strings.TrimSpace(q.Get("supplier")), Errors: map[string]string{}}
	f := store.AllOrdersFilter{Limit: pageSize, Status: a.Status}
	b := s.parseListBounds(r, a.From, a.To, a.Status, a.Retailer, a.Errors)
	f.From, f.To, f.RetailerID = b.From, b.To, b.RetailerID
	if a.Supplier != "" {
		if sp, err := s.st.SupplierByCode(r.Context(), a.Supplier); err != nil {
			a.Errors["supplier"] = "No supplier with this code."
		} else {
			f.SupplierID = sp.ID
		}
	}
	a.Page, f.Offset = listPage(q)
	a.filter = f
	return a
}

func (a allOrdersQuery) link(page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"from": a.From, "to": a.To, "status": a.Status, "retailer": a.Retailer, "supplier": a.Supplier} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "?" + v.Encode()
}

// dropTarget is a supplier file channel an operator can send orders to.
type dropTarget struct{ Value, Label string }

type allOrdersPage struct {
	Q          allOrdersQuery
	Statuses   []string
	Rows       []store.AllOrdersRow
	Total      int
	From, To   int
	Prev, Next string
	Drops      []dropTarget
	Problem    string
	// Action is where the bulk form posts: this list's own query, so a
	// refusal shows the same list again.
	Action string
}

// allOrders lists supplier orders across every retailer and supplier.
func (s *Server) allOrders(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.renderAllOrders(w, r, u, http.StatusOK, "")
}

func (s *Server) renderAllOrders(w http.ResponseWriter, r *http.Request, u *store.User, status int, problem string) {
	q := s.parseAllOrders(r)
	p := allOrdersPage{Q: q, Statuses: historyStatuses, Problem: problem, Action: "/portal/admin/orders" + q.link(q.Page)}
	if len(q.Errors) == 0 {
		var err error
		if p.Rows, p.Total, err = s.st.AllOrders(r.Context(), q.filter); err != nil {
			s.internal(w, r, err)
			return
		}
	} else if status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	if len(p.Rows) > 0 {
		p.From, p.To = q.filter.Offset+1, q.filter.Offset+len(p.Rows)
	}
	if q.Page > 1 {
		p.Prev = q.link(q.Page - 1)
	}
	if p.To < p.Total {
		p.Next = q.link(q.Page + 1)
	}
	sups, err := s.st.ListSuppliers(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, sp := range sups {
		for _, ch := range sp.Channels {
			if isDrop(ch.Type) {
				p.Drops = append(p.Drops, dropTarget{Value: sp.Code + "/" + ch.Name, Label: fmt.Sprintf("%s %s — %s (%s)", sp.Code, sp.Name, ch.Name, ch.Type)})
			}
		}
	}
	s.render(w, r, status, "operator_orders", view{Title: "All orders", User: u, Nav: "all-orders", Page: p})
}

// isDrop reports whether a channel type is a file drop "send now" can use.
func isDrop(typ string) bool {
	return typ == domain.ChannelSFTP || typ == domain.ChannelFTP || typ == domain.ChannelFile
}

// ordersAction acts on the orders ticked in the list: "csv" downloads
// them, "send" creates a new delivery of each to a supplier's file drop.
func (s *Server) ordersAction(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	var sos []*domain.SupplierOrder
	for _, n := range r.PostForm["so"] {
		sid, err := s.st.SupplierIDOfNumber(ctx, n)
		if err == nil {
			var so *domain.SupplierOrder
			if so, err = s.st.SupplierOrderByNumber(ctx, sid, n); err == nil {
				sos = append(sos, so)
				continue
			}
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
	}
	if len(sos) == 0 {
		s.renderAllOrders(w, r, u, http.StatusUnprocessableEntity, "Tick at least one order first.")
		return
	}
	switch r.PostFormValue("do") {
	case "csv":
		s.writeOrdersCSV(w, r, sos)
	case "send":
		s.sendNow(w, r, u, sos)
	default:
		s.renderAllOrders(w, r, u, http.StatusUnprocessableEntity, "Choose Export CSV or Send now.")
	}
}

func (s *Server) writeOrdersCSV(w http.ResponseWriter, r *http.Request, sos []*domain.SupplierOrder) {
	c, err := newOrdersCSV()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, so := range sos {
		if err := c.add(so); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="orders-`+time.Now().UTC().Format("20060102-150405")+`.csv"`)
	_, _ = w.Write(c.out.Bytes())
}

// sendNow delivers the ticked orders of the chosen supplier to its drop
// through pipeline.SendNow: a new delivery each, recorded, retried and
// shown like any other. Orders of other suppliers are left out and named.
func (s *Server) sendNow(w http.ResponseWriter, r *http.Request, u *store.User, sos []*domain.SupplierOrder) {
	code, name, _ := strings.Cut(r.PostFormValue("drop"), "/")
	sup, err := s.st.SupplierByCode(r.Context(), code)
	var ch domain.Channel
	ok := false
	if err == nil {
		for _, c := range sup.Channels {
			if c.Name == name && isDrop(c.Type) {
				ch, ok = c, true
			}
		}
	}
	if !ok {
		s.renderAllOrders(w, r, u, http.StatusUnprocessableEntity, "Choose a supplier's file drop to send to.")
		return
	}
	if s.opts.Queue == nil {
		s.renderAllOrders(w, r, u, http.StatusServiceUnavailable, "Sending needs the job queue, which this replica does not run.")
		return
	}
	var sent, skipped []string
	for _, so := range sos {
		if so.SupplierID != sup.ID {
			skipped = append(skipped, so.Number)
			continue
		}
		d, err := pipeline.SendNow(r.Context(), s.st, s.opts.Queue, so, ch)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		sent = append(sent, so.Number)
		s.audit(r, u, "send now", so.Number, fmt.Sprintf("delivery %d to %s/%s", d.ID, sup.Code, ch.Name))
	}
	msg := fmt.Sprintf("%d order(s) queued for %s/%s: %s.", len(sent), sup.Code, ch.Name, strings.Join(sent, ", "))
	if len(sent) == 0 {
		msg = "Nothing sent."
	}
	if len(skipped) > 0 {
		msg += " Not sent (they belong to another supplier): " + strings.Join(skipped, ", ") + "."
	}
	s.flash(r, msg)
	http.Redirect(w, r, "/portal/admin/orders", http.StatusSeeOther)
}

// adminDelivery is a delivery with its attempts and what can be done.
type adminDelivery struct {
	*domain.Delivery
	Attempts  []domain.Attempt
	CanReplay bool
	IsEmail   bool
}

type adminOrderPage struct {
	SO         *domain.SupplierOrder
	Total      domain.Money
	Events     []store.StatusEvent
	Deliveries []adminDelivery
	DeadOn     []string // endpoints with a dead delivery of this order
}

// adminOrder is one supplier order with its full delivery log.
func (s *Server) adminOrder(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	number := r.PathValue("number")
	sid, err := s.st.SupplierIDOfNumber(ctx, number)
	var so *domain.SupplierOrder
	if err == nil {
		so, err = s.st.SupplierOrderByNumber(ctx, sid, number)
	}
	if !s.loaded(w, r, err) {
		return
	}
	p := adminOrderPage{SO: so, Total: so.ItemTotal + so.Shipping}
	if p.Events, err = s.st.History(ctx, so.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	ds, attempts, err := s.deliveriesOf(ctx, so.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	dead := map[string]bool{}
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, adminDelivery{Delivery: d, Attempts: attempts[d.ID],
			CanReplay: d.Status == domain.DeliveryDead || d.Status == domain.DeliveryDelivered, IsEmail: d.Kind == domain.ChannelEmail})
		if d.Status == domain.DeliveryDead && !dead[d.Channel] {
			dead[d.Channel] = true
			p.DeadOn = append(p.DeadOn, d.Channel)
		}
	}
	s.render(w, r, http.StatusOK, "operator_order", view{Title: "Order " + so.Number, User: u, Nav: "all-orders", Page: p})
}

// replayDelivery sends one delivery again under its identity (same
// webhook-id, file name, Message-ID) through pipeline.Replay.
func (s *Server) replayDelivery(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, ok := byPathID(s, w, r, "id", s.st.DeliveryByID)
	if !ok {
		return
	}
	id := d.ID
	if s.opts.Queue == nil {
		s.flash(r, "Replay needs the job queue, which this replica does not run.")
	} else {
		res, err := pipeline.Replay(r.Context(), s.st, s.opts.Queue, []int64{id})
		if err != nil {
			s.internal(w, r, err)
			return
		}
		verb := "Replayed"
		if d.Kind == domain.ChannelEmail {
			verb = "Resent"
		}
		if res[0].Replayed {
			s.flash(r, fmt.Sprintf("%s delivery %d (%s, %s) under its original identity.", verb, id, d.Channel, d.Event))
			s.audit(r, u, "replay delivery", d.SupplierOrderNumber, fmt.Sprintf("delivery %d %s %s", id, d.Channel, d.Event))
		} else {
			s.flash(r, fmt.Sprintf("Delivery %d was not replayed: %s.", id, res[0].Reason))
		}
	}
	http.Redirect(w, r, "/portal/admin/orders/"+url.PathEscape(d.SupplierOrderNumber)+"#delivery-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

type deliveriesPage struct {
	Status, Supplier, Channel string
	Rows                      []*domain.Delivery
	Next                      string
	Errors                    map[string]string
}

// deliveries lists deliveries by status (failing, dead), supplier and
// channel, oldest first, paged by id.
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request, u *store.User) {
	q := r.URL.Query()
	p := deliveriesPage{Status: q.Get("status"), Supplier: strings.TrimSpace(q.Get("supplier")), Channel: strings.TrimSpace(q.Get("channel")),
		Errors: map[string]string{}}
	f := store.DeliveryFilter{Status: p.Status, Channel: p.Channel, Limit: 100}
	f.AfterID, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	switch p.Status {
	case "", domain.DeliveryPending, domain.DeliveryDelivered, domain.DeliveryFailed, domain.DeliveryDead:
	default:
		p.Errors["status"] = "Unknown status."
	}
	if p.Supplier != "" {
		sp, err := s.st.SupplierByCode(r.Context(), p.Supplier)
		if err != nil {
			p.Errors["supplier"] = "No supplier with this code."
		} else {
			f.SupplierID = sp.ID
		}
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		var err error
		if p.Rows, err = s.st.FindDeliveries(r.Context(), f); err != nil {
			s.internal(w, r, err)
			return
		}
		if len(p.Rows) == f.Limit {
			v := url.Values{"status": {p.Status}, "supplier": {p.Supplier}, "channel": {p.Channel},
				"after": {strconv.FormatInt(p.Rows[len(p.Rows)-1].ID, 10)}}
			p.Next = "?" + v.Encode()
		}
	}
	s.render(w, r, status, "operator_deliveries", view{Title: "Deliveries", User: u, Nav: "deliveries", Page: p})
}

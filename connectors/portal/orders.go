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
)

// pageSize is the number of rows on one ORDER HISTORY page.
const pageSize = 50

// historyStatuses are the status filters, in the order they are shown.
var historyStatuses = []string{domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusBackordered,
	domain.StatusPartiallyCancelled, domain.StatusPartiallyShipped, domain.StatusShipped, domain.StatusDelivered, domain.StatusCancelled,
	domain.StatusRejected}

// historyQuery is ORDER HISTORY's query string, parsed, with the problems
// found in it by field.
type historyQuery struct {
	From, To, Status, Retailer, Search, Sort string
	Page                                     int
	Errors                                   map[string]string
	filter                                   store.HistoryFilter
}

func (s *Server) parseHistory(r *http.Request, u *store.User) historyQuery {
	q := r.URL.Query()
	h := historyQuery{From: q.Get("from"), To: q.Get("to"), Status: q.Get("status"), Retailer: strings.TrimSpace(q.Get("retailer")),
		Search: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Errors: map[string]string{}}
	f := store.HistoryFilter{SupplierID: u.SupplierID, Search: h.Search, Status: h.Status, Limit: pageSize}
	b := s.parseListBounds(r, h.From, h.To, h.Status, h.Retailer, h.Errors)
	f.From, f.To, f.RetailerID = b.From, b.To, b.RetailerID
	switch h.Sort {
	case "", store.HistoryWaiting, store.HistoryNewest, store.HistoryOldest, store.HistoryUpdated:
		f.Sort = h.Sort
	default:
		h.Errors["sort"] = "Unknown order."
	}
	h.Page, f.Offset = listPage(q)
	h.filter = f
	return h
}

// link is the query string of this view with changes (empty removes).
func (h historyQuery) link(changes ...string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("from", h.From)
	set("to", h.To)
	set("status", h.Status)
	set("retailer", h.Retailer)
	set("q", h.Search)
	set("sort", h.Sort)
	if h.Page > 1 {
		v.Set("page", strconv.Itoa(h.Page))
	}
	for i := 0; i+1 < len(changes); i += 2 {
		v.Del(changes[i])
		set(changes[i], changes[i+1])
	}
	if len(v) == 0 {
		return "?"
	}
	return "?" + v.Encode()
}

type statusCount struct {
	Status string
	Count  int
	Link   string
	Active bool
}

type sortLink struct {
	Label, Link string
	Active      bool
}

type historyPage struct {
	Q          historyQuery
	Rows       []store.HistoryRow
	Counts     []statusCount
	AllCount   int
	AllLink    string
	Sorts      []sortLink
	Total      int
	From, To   int
	Prev, Next string
	CSV        string
}

// orders is ORDER HISTORY for suppliers; other roles get their own list.
func (s *Server) orders(w http.ResponseWriter, r *http.Request, u *store.User) {
	if u.Role != store.PortalSupplier {
		s.retailerOrders(w, r, u)
		return
	}
	q := s.parseHistory(r, u)
	p := historyPage{Q: q, CSV: "/portal/orders.csv" + q.link("page", "")}
	if len(q.Errors) == 0 {
		h, err := s.st.OrderHistory(r.Context(), q.filter)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		p.Rows, p.Total = h.Rows, h.Total
		for _, st := range historyStatuses {
			p.AllCount += h.Counts[st]
			p.Counts = append(p.Counts, statusCount{Status: st, Count: h.Counts[st], Link: q.link("status", st, "page", ""), Active: q.Status == st})
		}
	}
	p.AllLink = q.link("status", "", "page", "")
	for _, so := range []struct{ key, label string }{{"", "Waiting first"}, {store.HistoryNewest, "Newest"},
		{store.HistoryOldest, "Oldest"}, {store.HistoryUpdated, "Recently updated"}} {
		p.Sorts = append(p.Sorts, sortLink{Label: so.label, Link: q.link("sort", so.key, "page", ""), Active: q.Sort == so.key || (so.key == "" && q.Sort == store.HistoryWaiting)})
	}
	if len(p.Rows) > 0 {
		p.From = q.filter.Offset + 1
		p.To = q.filter.Offset + len(p.Rows)
	}
	if q.Page > 1 {
		p.Prev = q.link("page", strconv.Itoa(q.Page-1))
	}
	if p.To < p.Total {
		p.Next = q.link("page", strconv.Itoa(q.Page+1))
	}
	status := http.StatusOK
	if len(q.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "orders", view{Title: "Order history", User: u, Nav: "orders", Page: p})
}

type retailerOrdersPage struct{ Orders []*domain.Order }

// retailerOrders is a retailer's last 90 days of orders (operators see
// the same page empty until the back office arrives).
func (s *Server) retailerOrders(w http.ResponseWriter, r *http.Request, u *store.User) {
	var p retailerOrdersPage
	if u.Role == store.PortalRetailer {
		now := time.Now().UTC()
		os, err := s.st.ListOrders(r.Context(), store.OrderPage{RetailerID: u.RetailerID, From: now.AddDate(0, 0, -90), To: now.Add(time.Minute), Limit: 200})
		if err != nil {
			s.internal(w, r, err)
			return
		}
		p.Orders = os
	}
	s.render(w, r, http.StatusOK, "retailer_orders", view{Title: "Orders", User: u, Nav: "orders", Page: p})
}

// lookupOrder loads the path's order for u's party; false means it has
// answered (404 for a missing or foreign order, alike).
func (s *Server) supplierOrder(w http.ResponseWriter, r *http.Request, u *store.User) (*domain.SupplierOrder, bool) {
	so, err := s.st.SupplierOrderByNumber(r.Context(), u.SupplierID, r.PathValue("number"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return nil, false
	}
	if err != nil {
		s.internal(w, r, fmt.Errorf("supplier order: %w", err))
		return nil, false
	}
	return so, true
}

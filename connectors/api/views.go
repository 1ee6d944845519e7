package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// orderView is an order as its retailer sees it.
type orderView struct {
	Number          string              `json:"number"`
	ExternalID      string              `json:"external_id"`
	PlacedAt        time.Time           `json:"placed_at"`
	Currency        string              `json:"currency"`
	Status          string              `json:"status"`
	Customer        domain.Customer     `json:"customer"`
	ShippingAddress domain.Address      `json:"shipping_address"`
	Notes           string              `json:"notes,omitempty"`
	ItemTotal       domain.Money        `json:"item_total"`
	ShippingTotal   domain.Money        `json:"shipping_total"`
	Total           domain.Money        `json:"total"`
	SupplierOrders  []supplierOrderView `json:"supplier_orders"`
	// StatusURL is the end customer's status page (no sign-in needed).
	StatusURL string    `json:"status_url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// supplierOrderView is one supplier's part of an order.
type supplierOrderView struct {
	Number           string        `json:"number"`
	Supplier         string        `json:"supplier"`
	Status           string        `json:"status"`
	Lines            []domain.Line `json:"lines"`
	ItemTotal        domain.Money  `json:"item_total"`
	Shipping         domain.Money  `json:"shipping"`
	CommissionRateBP int           `json:"commission_rate_bp"`
	Commission       domain.Money  `json:"commission"`
	Payout           domain.Money  `json:"payout"`
	Version          int           `json:"version"`
	UpdatedAt        time.Time     `json:"updated_at"`
	RetrievedAt      *time.Time    `json:"retrieved_at,omitempty"`
}

func newOrderView(o *domain.Order) orderView {
	v := orderView{
		Number: o.Header.Number, ExternalID: o.Header.ExternalID, PlacedAt: o.Header.PlacedAt, Currency: o.Header.Currency,
		Status: o.Status, Customer: o.Header.Customer, ShippingAddress: o.Header.ShippingAddress, Notes: o.Header.Notes,
		ItemTotal: o.ItemTotal, ShippingTotal: o.Shipping, Total: o.ItemTotal + o.Shipping,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, SupplierOrders: []supplierOrderView{},
	}
	for _, so := range o.Suppliers {
		v.SupplierOrders = append(v.SupplierOrders, newSupplierOrderView(&so))
	}
	return v
}

func newSupplierOrderView(so *domain.SupplierOrder) supplierOrderView {
	return supplierOrderView{
		Number: so.Number, Supplier: so.Supplier, Status: so.Status, Lines: so.Lines, ItemTotal: so.ItemTotal,
		Shipping: so.Shipping, CommissionRateBP: so.CommissionBP, Commission: so.Commission, Payout: so.Payout,
		Version: so.Version, UpdatedAt: so.UpdatedAt, RetrievedAt: so.RetrievedAt,
	}
}

// orderView is newOrderView with the order's status page URL, under
// Options.PublicURL or else the request's own scheme and host.
func (s *Server) orderView(r *http.Request, o *domain.Order) orderView {
	v := newOrderView(o)
	if o.StatusToken != "" {
		base := s.publicURL
		if base == "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			base = scheme + "://" + r.Host
		}
		v.StatusURL = strings.TrimRight(base, "/") + "/o/" + o.StatusToken
	}
	return v
}

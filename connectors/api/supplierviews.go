package api

import (
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// pulledOrderView is a supplier order as its supplier pulls it: its own
// part of the order and the order header, nothing of other suppliers'.
// Suppliers dedupe by number + version.
type pulledOrderView struct {
	Number           string          `json:"number"`
	OrderNumber      string          `json:"order_number"`
	ExternalID       string          `json:"external_id"`
	Retailer         string          `json:"retailer"`
	PlacedAt         time.Time       `json:"placed_at"`
	Currency         string          `json:"currency"`
	Status           string          `json:"status"`
	Version          int             `json:"version"`
	Lines            []domain.Line   `json:"lines"`
	ItemTotal        domain.Money    `json:"item_total"`
	Shipping         domain.Money    `json:"shipping"`
	CommissionRateBP int             `json:"commission_rate_bp"`
	Commission       domain.Money    `json:"commission"`
	Payout           domain.Money    `json:"payout"`
	Customer         domain.Customer `json:"customer"`
	ShippingAddress  domain.Address  `json:"shipping_address"`
	Notes            string          `json:"notes"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

func newPulledOrderView(so *domain.SupplierOrder) pulledOrderView {
	lines := so.Lines
	if lines == nil {
		lines = []domain.Line{}
	}
	h := so.Order
	return pulledOrderView{
		Number: so.Number, OrderNumber: h.Number, ExternalID: h.ExternalID, Retailer: h.Retailer,
		PlacedAt: h.PlacedAt.UTC(), Currency: h.Currency, Status: so.Status, Version: so.Version, Lines: lines,
		ItemTotal: so.ItemTotal, Shipping: so.Shipping, CommissionRateBP: so.CommissionBP, Commission: so.Commission,
		Payout: so.Payout, Customer: h.Customer, ShippingAddress: h.ShippingAddress, Notes: h.Notes,
		CreatedAt: so.CreatedAt, UpdatedAt: so.UpdatedAt,
	}
}

// pulledOrderList is one page of a supplier's orders.
type pulledOrderList struct {
	Orders     []pulledOrderView `json:"orders"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

package pipeline

import (
	"sort"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Split turns a validated request into an order with one supplier order
// per supplier, in supplier-code order. Commission is charged on each
// supplier order's item total (after line discounts) at the supplier's
// rate, rounded half away from zero once per supplier order; shipping is
// passed through without commission, so the supplier is paid
// item total − commission + shipping.
func Split(req *OrderRequest, placedAt time.Time, retailer *domain.Retailer, suppliers map[string]*domain.Supplier) *domain.Order {
	o := &domain.Order{
		RetailerID:  retailer.ID,
		RequestHash: req.Hash(),
		Status:      domain.StatusNew,
		Header: domain.OrderHeader{
			ExternalID:      req.ExternalID,
			Retailer:        retailer.Code,
			PlacedAt:        placedAt,
			Currency:        req.Currency,
			Customer:        req.Customer,
			ShippingAddress: req.ShippingAddress,
			Notes:           req.Notes,
		},
	}
	if o.Header.Customer.Type == "" {
		o.Header.Customer.Type = domain.CustomerB2C
	}
	by := map[string]*domain.SupplierOrder{}
	var codes []string
	for i, l := range req.Lines {
		so, ok := by[l.Supplier]
		if !ok {
			sup := suppliers[l.Supplier]
			so = &domain.SupplierOrder{SupplierID: sup.ID, Supplier: sup.Code, Status: domain.StatusNew, CommissionBP: sup.CommissionBP}
			by[l.Supplier] = so
			codes = append(codes, l.Supplier)
		}
		line := domain.Line{
			Position: i + 1, SKU: l.SKU, Supplier: l.Supplier, Name: l.Name, Options: l.Options,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount,
			Total: domain.Money(l.Quantity)*l.UnitPrice - l.Discount,
		}
		so.Lines = append(so.Lines, line)
		so.ItemTotal += line.Total
	}
	sort.Strings(codes)
	for _, code := range codes {
		so := by[code]
		so.Shipping = req.Shipping[code]
		so.Commission = domain.Commission(so.ItemTotal, so.CommissionBP)
		so.Payout = so.ItemTotal - so.Commission + so.Shipping
		o.ItemTotal += so.ItemTotal
		o.Shipping += so.Shipping
		o.Suppliers = append(o.Suppliers, *so)
	}
	o.Total = o.ItemTotal + o.Shipping
	return o
}

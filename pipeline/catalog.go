package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Retailer events about stock.
const (
	// EventSupplierOrderAwaitingStock: a supplier order waits for stock
	// and is not sent to its supplier yet.
	EventSupplierOrderAwaitingStock = "supplier_order.awaiting_stock"
	// EventSupplierOrderStockReleased: stock arrived, the supplier order
	// was taken from the waiting list and sent to its supplier.
	EventSupplierOrderStockReleased = "supplier_order.stock_released"
)

// catalogActor names the catalog in a supplier order's history.
const catalogActor = "catalog"

// CheckCatalog checks each line of a valid request against its
// supplier's catalog, for suppliers whose catalog mode is not off. In
// enforce mode an unknown or not-for-sale SKU is a field error on
// lines[i].sku, and a price other than the catalog's (in the order's
// currency) is one on lines[i].unit_price unless the supplier accepts
// mismatches. In warn mode, and for accepted price mismatches, the line is
// accepted and flags holds why (by line index).
func CheckCatalog(ctx context.Context, st *store.Store, req *OrderRequest, suppliers map[string]*domain.Supplier) (flags map[int]string, err error) {
	skus := map[string][]string{}
	for _, l := range req.Lines {
		if sup := suppliers[l.Supplier]; sup != nil && sup.Catalog.Mode != "" && sup.Catalog.Mode != domain.CatalogOff {
			skus[l.Supplier] = append(skus[l.Supplier], l.SKU)
		}
	}
	if len(skus) == 0 {
		return nil, nil
	}
	items := map[string]map[string]domain.CatalogItem{}
	for code, list := range skus {
		m, err := st.CatalogItems(ctx, suppliers[code].ID, list)
		if err != nil {
			return nil, fmt.Errorf("check catalog: %w", err)
		}
		items[code] = m
	}
	var fe []FieldError
	for i, l := range req.Lines {
		m, ok := items[l.Supplier]
		if !ok {
			continue
		}
		sup := suppliers[l.Supplier]
		enforce := sup.Catalog.Mode == domain.CatalogEnforce
		p := fmt.Sprintf("lines[%d]", i)
		it, known := m[l.SKU]
		var flag, field, msg string
		switch {
		case !known:
			flag, field, msg = domain.FlagUnknownSKU, p+".sku", fmt.Sprintf("SKU %q is not in supplier %s's catalog", l.SKU, l.Supplier)
		case !it.ForSale:
			flag, field, msg = domain.FlagNotForSale, p+".sku", fmt.Sprintf("SKU %q is not for sale at supplier %s", l.SKU, l.Supplier)
		case it.Currency != req.Currency || it.Price != l.UnitPrice:
			flag, field, msg = domain.FlagPriceMismatch, p+".unit_price",
				fmt.Sprintf("must be %d %s, the catalog price of SKU %q at supplier %s", it.Price, it.Currency, l.SKU, l.Supplier)
			if enforce && sup.Catalog.PriceMismatch == domain.PriceAccept {
				enforce = false
			}
		default:
			continue
		}
		if enforce {
			fe = append(fe, FieldError{Field: field, Message: msg})
			continue
		}
		if flags == nil {
			flags = map[int]string{}
		}
		flags[i] = flag
	}
	if len(fe) > 0 {
		return nil, &ValidationError{Fields: fe}
	}
	return flags, nil
}

// applyFlags marks the split order's lines with the catalog flags found
// for request lines (a line's Position is its request index + 1).
func applyFlags(o *domain.Order, flags map[int]string) {
	for i := range o.Suppliers {
		for j := range o.Suppliers[i].Lines {
			l := &o.Suppliers[i].Lines[j]
			l.CatalogFlag = flags[l.Position-1]
		}
	}
}

// logFlags writes one line per flagged line, for the operator.
func logFlags(log *slog.Logger, o *domain.Order) {
	for _, so := range o.Suppliers {
		for _, l := range so.Lines {
			if l.CatalogFlag != "" {
				log.Warn("order line accepted against the catalog", "retailer", o.Header.Retailer, "external_id", o.Header.ExternalID,
					"supplier_order", so.Number, "line", l.Position, "sku", l.SKU, "flag", l.CatalogFlag)
			}
		}
	}
}

// stockNeed sums a supplier order's quantities by SKU.
func stockNeed(so *domain.SupplierOrder) map[string]int {
	need := map[string]int{}
	for _, l := range so.Lines {
		need[l.SKU] += l.Quantity
	}
	return need
}

// shortageNote says what a waiting supplier order lacks.
func shortageNote(short []store.Shortage) string {
	parts := make([]string, len(short))
	for i, s := range short {
		parts[i] = fmt.Sprintf("SKU %s: %d wanted, %d in stock", s.SKU, s.Wanted, s.Available)
	}
	return "waiting for stock (" + strings.Join(parts, "; ") + ")"
}

// reserveOrAwait takes a freshly inserted supplier order's units from
// stock in tx. When stock cannot fill it, the supplier order becomes
// awaiting_stock (and its order's status is re-derived), the change is
// recorded in its history and the retailer is told, all in tx; waiting is
// then true and the caller must not dispatch it.
func reserveOrAwait(ctx context.Context, st *store.Store, tx store.Tx, o *domain.Order, so *domain.SupplierOrder, retailer *domain.Retailer) (waiting bool, params []river.InsertManyParams, err error) {
	short, err := st.ReserveStock(ctx, tx, so.SupplierID, so.ID, stockNeed(so))
	if err != nil || len(short) == 0 {
		return false, nil, err
	}
	locked := &store.LockedSupplierOrder{ID: so.ID, OrderID: o.ID, SupplierID: so.SupplierID, Number: so.Number, Status: so.Status}
	params, t, err := moveByCatalog(ctx, st, tx, locked, ActAwaitStock, shortageNote(short), retailer)
	if err != nil {
		return false, nil, err
	}
	so.Status, o.Status = domain.StatusAwaitingStock, t.To
	return true, params, nil
}

// moveByCatalog applies a catalog action (await or release) to a locked
// supplier order in tx: its status, its order's derived status, a history
// event and the retailer's notifications (webhooks and an email, always:
// a retailer must know its order is held back or going out after all).
func moveByCatalog(ctx context.Context, st *store.Store, tx store.Tx, so *store.LockedSupplierOrder, action, note string, retailer *domain.Retailer) ([]river.InsertManyParams, store.OrderTransition, error) {
	to, _, err := Transition(so.Status, action)
	if err != nil {
		return nil, store.OrderTransition{}, err
	}
	t, err := st.SetSupplierOrderStatus(ctx, tx, so, to, DeriveOrderStatus)
	if err != nil {
		return nil, t, err
	}
	ev := &store.StatusEvent{SupplierOrderID: so.ID, Kind: store.EventStatus, From: so.Status, To: to, Actor: catalogActor,
		Channel: catalogActor, Note: note}
	if t.Changed() {
		ev.Data = withOrderTransition(nil, t)
	}
	if err := st.AppendEvent(ctx, tx, ev); err != nil {
		return nil, t, err
	}
	snap, err := snapshotIn(ctx, st, tx, so.ID)
	if err != nil {
		return nil, t, err
	}
	params, err := notifyRetailer(ctx, st, tx, retailer, so, snap, action, ev, t.Changed())
	return params, t, err
}

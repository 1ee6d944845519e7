package portal

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// fillFromCatalog fills each line's empty item name and unit price from
// its supplier's catalog, as an operator typing a purchase order from
// paper expects: the SKU and supplier are on the paper, the rest is in
// the catalog. What the operator typed is never overwritten, and a line
// with both typed is left alone. Lines it cannot fill get a field error
// saying why (unknown supplier or SKU, not for sale, a price in another
// currency); it returns how many lines it changed.
func (s *Server) fillFromCatalog(ctx context.Context, d *draft) (int, map[string]string, error) {
	errs := map[string]string{}
	bySupplier := map[string][]int{}
	var codes []string
	for i, l := range d.Lines {
		switch {
		case l.Name != "" && l.UnitPrice != "":
			// Nothing to fill: a typed line is not looked up, so a SKU
			// outside the catalog is not flagged where nothing is asked
			// of it (the supplier's catalog.mode decides at confirmation).
		case l.SKU == "" && l.Supplier == "":
		case l.Supplier == "":
			errs[fmt.Sprintf("lines[%d].supplier", i)] = "Give the supplier to look the SKU up in its catalog."
		case l.SKU == "":
			errs[fmt.Sprintf("lines[%d].sku", i)] = "Give the SKU to look up."
		default:
			if bySupplier[l.Supplier] == nil {
				codes = append(codes, l.Supplier)
			}
			bySupplier[l.Supplier] = append(bySupplier[l.Supplier], i)
		}
	}
	filled := 0
	for _, code := range codes {
		lines := bySupplier[code]
		sup, err := s.st.SupplierByCode(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			for _, i := range lines {
				errs[fmt.Sprintf("lines[%d].supplier", i)] = "No supplier with this code."
			}
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		skus := make([]string, len(lines))
		for k, i := range lines {
			skus[k] = d.Lines[i].SKU
		}
		items, err := s.st.CatalogItems(ctx, sup.ID, skus)
		if err != nil {
			return 0, nil, err
		}
		for _, i := range lines {
			l := &d.Lines[i]
			it, ok := items[l.SKU]
			switch {
			case !ok:
				errs[fmt.Sprintf("lines[%d].sku", i)] = "Not in supplier " + code + "'s catalog: check the SKU, or type the item and price."
				continue
			case !it.ForSale:
				errs[fmt.Sprintf("lines[%d].sku", i)] = "Supplier " + code + " does not sell this now: check the SKU, or type the item and price."
				continue
			}
			changed := false
			if l.Name == "" {
				l.Name, changed = it.Name, true
			}
			if l.UnitPrice == "" {
				if d.Currency != "" && d.Currency != it.Currency {
					errs[fmt.Sprintf("lines[%d].unit_price", i)] = "The catalog price is in " + it.Currency + ", the order in " + d.Currency + ": type the price."
				} else {
					if d.Currency == "" {
						d.Currency = it.Currency
					}
					l.UnitPrice, changed = catalogPrice(it), true
				}
			}
			if changed {
				filled++
			}
		}
	}
	return filled, errs, nil
}

// catalogPrice writes a catalog item's price as the form shows prices.
func catalogPrice(it domain.CatalogItem) string {
	places := 2
	if c, ok := currencyPlaces[it.Currency]; ok {
		places = c
	}
	if it.Price < 0 {
		return "-" + formatMinor(-it.Price, places)
	}
	return formatMinor(it.Price, places)
}

// filledMessage is the flash after a fill.
func filledMessage(n int) string {
	switch n {
	case 0:
		return "Nothing to fill: every line with a SKU and supplier has its item and price already."
	case 1:
		return "1 line filled from the catalog."
	}
	return strconv.Itoa(n) + " lines filled from the catalog."
}

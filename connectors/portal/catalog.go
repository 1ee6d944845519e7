package portal

import (
	"errors"
	"net/http"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// catalogPageSize is how many items one catalog page shows.
const catalogPageSize = 100

// catalogPage is a read-only page of one supplier's catalog: a supplier's
// own, or for a retailer the catalog of the supplier it picked.
type catalogPage struct {
	// Suppliers is what a retailer may pick from (nil for a supplier).
	Suppliers []*domain.Supplier
	Supplier  *domain.Supplier
	Items     []domain.CatalogItem
	// Next is the last SKU shown when there is a next page ("" on the last).
	Next string
	// Pick is true when the supplier is chosen in the query (retailers).
	Pick bool
}

func (s *Server) catalogRoutes() {
	s.page("GET /portal/catalog", []string{store.PortalSupplier, store.PortalRetailer}, s.catalog)
}

// catalog shows a catalog in SKU order, catalogPageSize at a time
// (?after=<last SKU shown>). A retailer picks the supplier with
// ?supplier=<code>; an unknown code is the 404 page.
func (s *Server) catalog(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	q := r.URL.Query()
	var p catalogPage
	var err error
	if u.Role == store.PortalSupplier {
		p.Supplier, err = s.st.SupplierByID(ctx, u.SupplierID)
	} else {
		if p.Suppliers, err = s.st.ListSuppliers(ctx); err != nil {
			s.internal(w, r, err)
			return
		}
		code := q.Get("supplier")
		if code == "" && len(p.Suppliers) > 0 {
			code = p.Suppliers[0].Code
		}
		if code != "" {
			p.Supplier, err = s.st.SupplierByCode(ctx, code)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	title := "Catalog"
	if p.Supplier != nil {
		items, err := s.st.CatalogPage(ctx, p.Supplier.ID, q.Get("after"), catalogPageSize+1)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if len(items) > catalogPageSize {
			items = items[:catalogPageSize]
			p.Next, p.Pick = items[len(items)-1].SKU, u.Role == store.PortalRetailer
		}
		p.Items = items
		title = "Catalog of " + p.Supplier.Name
	}
	s.render(w, r, http.StatusOK, "catalog", view{Title: title, User: u, Nav: "catalog", Page: p})
}

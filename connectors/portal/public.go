package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// statusPage is the end customer's view of an order at /o/{token}: no
// sign-in, and only the order number, items, total, each supplier order's
// reference, status and tracking. Never the address or contact details.
type statusPage struct {
	Number, Status, Currency string
	Total                    domain.Money
	Parts                    []statusPart
}

type statusPart struct {
	Number, Status string
	Lines          []domain.Line
	Shipments      []store.Shipment
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Cache-Control", "no-store")
	o, err := s.st.OrderByStatusToken(r.Context(), strings.ToLower(r.PathValue("token")))
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "error", view{Title: "Not found", NoIndex: true,
			Page: errorPage{Heading: "Not found", Message: "This link does not lead to an order. Check it against the one you were sent."}})
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := statusPage{Number: o.Header.Number, Status: o.Status, Currency: o.Header.Currency, Total: o.ItemTotal + o.Shipping}
	for _, so := range o.Suppliers {
		ships, err := s.st.Shipments(r.Context(), so.ID)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		p.Parts = append(p.Parts, statusPart{Number: so.Number, Status: so.Status, Lines: so.Lines, Shipments: ships})
	}
	s.render(w, r, http.StatusOK, "status", view{Title: "Order " + p.Number, NoIndex: true, Page: p})
}

// StatusURL is the absolute URL of an order's status page: under
// PublicURL when configured, else under the request's own host.
func (s *Server) StatusURL(r *http.Request, token string) string {
	return StatusURL(s.opts.PublicURL, r, token)
}

// StatusURL builds an order's status page URL from base (the configured
// portal.public_url) or, when base is empty, from the request.
func StatusURL(base string, r *http.Request, token string) string {
	if token == "" {
		return ""
	}
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/") + "/o/" + token
}

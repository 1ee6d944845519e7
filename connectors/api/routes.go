package api

import (
	"net/http"

	"github.com/supplyhub/supplyhub/internal/store"
)

// handlerFunc is a route's handler; p is nil on public routes.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, p *store.Principal)

// Route is one operation of the API. Routes is the single list that
// Register mounts and that the OpenAPI test checks openapi.json against,
// so a route cannot be added without being documented.
type Route struct {
	Method string
	// Path is the ServeMux pattern path, written as in OpenAPI ("{number}").
	Path string
	// Role is the key role the route requires; "" for a public route.
	Role   string
	handle handlerFunc
}

// Routes lists every route Register mounts, in a fixed order.
func Routes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/openapi.json", "", func(_ *Server, w http.ResponseWriter, r *http.Request, _ *store.Principal) {
			serveOpenAPI(w, r)
		}},
		{http.MethodPost, "/api/v1/orders", store.RoleRetailer, (*Server).createOrder},
		{http.MethodGet, "/api/v1/orders", store.RoleRetailer, (*Server).listOrders},
		{http.MethodGet, "/api/v1/orders/{number}", store.RoleRetailer, (*Server).getOrder},
		{http.MethodPost, "/api/v1/orders/{number}/cancel", store.RoleRetailer, (*Server).cancelRetailerOrder},
		{http.MethodPost, "/api/v1/orders/{number}/cancellation-requests", store.RoleRetailer, (*Server).createCancelRequest},
		{http.MethodGet, "/api/v1/cancellation-requests", store.RoleRetailer, (*Server).listCancelRequests},
		{http.MethodGet, "/api/v1/cancellation-requests/{id}", store.RoleRetailer, (*Server).getCancelRequest},
		{http.MethodGet, "/api/v1/supplier/cancellation-requests", store.RoleSupplier, (*Server).listCancelRequests},
		{http.MethodGet, "/api/v1/supplier/cancellation-requests/{id}", store.RoleSupplier, (*Server).getCancelRequest},
		{http.MethodPost, "/api/v1/supplier/cancellation-requests/{id}/answer", store.RoleSupplier, (*Server).answerCancelRequest},
		{http.MethodGet, "/api/v1/supplier/orders", store.RoleSupplier, (*Server).listSupplierOrders},
		{http.MethodGet, "/api/v1/supplier/orders/{number}", store.RoleSupplier, (*Server).getSupplierOrder},
		{http.MethodPost, "/api/v1/supplier/orders/{number}/acknowledge", store.RoleSupplier, (*Server).acknowledgeSupplierOrder},
		{http.MethodPost, "/api/v1/supplier/orders/{number}/status", store.RoleSupplier, (*Server).updateStatus},
		{http.MethodPost, "/api/v1/supplier/orders/{number}/cancel", store.RoleSupplier, (*Server).cancelOrder},
		{http.MethodPost, "/api/v1/supplier/orders/{number}/lines", store.RoleSupplier, (*Server).answerLines},
		{http.MethodGet, "/api/v1/supplier/orders/{number}/history", store.RoleSupplier, (*Server).supplierHistory},
		{http.MethodGet, "/api/v1/catalogs/{supplier}", store.RoleRetailer, (*Server).retailerCatalog},
		{http.MethodGet, "/api/v1/supplier/catalog", store.RoleSupplier, (*Server).supplierCatalog},
		{http.MethodPost, "/api/v1/supplier/catalog", store.RoleSupplier, (*Server).upsertCatalog},
		{http.MethodPost, "/api/v1/supplier/catalog/delete", store.RoleSupplier, (*Server).deleteCatalog},
		{http.MethodGet, "/api/v1/admin/deliveries", store.RoleAdmin, (*Server).listDeliveries},
		{http.MethodGet, "/api/v1/admin/deliveries/{id}", store.RoleAdmin, (*Server).getDelivery},
		{http.MethodPost, "/api/v1/admin/deliveries/replay", store.RoleAdmin, (*Server).replayDeliveries},
		{http.MethodGet, "/api/v1/admin/reports/commissions", store.RoleAdmin, (*Server).commissionReport},
		{http.MethodGet, "/api/v1/admin/keys", store.RoleAdmin, (*Server).listKeys},
		{http.MethodPost, "/api/v1/admin/keys/{id}/revoke", store.RoleAdmin, (*Server).revokeKey},
	}
}

// handler binds rt to s: public routes as they are, the others behind
// authentication, the role check and the per-key rate limit.
func (s *Server) handler(rt Route) http.Handler {
	if rt.Role == "" {
		return textChecked(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r, nil) }))
	}
	return s.as(rt.Role, s.limited(func(w http.ResponseWriter, r *http.Request, p *store.Principal) {
		textChecked(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r, p) })).ServeHTTP(w, r)
	}))
}

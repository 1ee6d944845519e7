package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/api"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// authzWorld is the data the matrix runs against: retailer acme (own) and
// other (foreign); supplier 31 (own) and 40 (foreign).
type authzWorld struct {
	d *apptest.Daemon
	// own and foreign objects per role, by route parameter.
	ownOrder, cancelOrder, foreignOrder string   // retailer orders
	ownSO, cancelSO                     string   // supplier 31's
	foreignSOs                          []string // not supplier 31's
	otherRetailer                       []string // every number of retailer other's orders
	delivery                            string
	spareKey                            string            // an admin key id the revoke route may revoke
	keys                                map[string]string // by role
	logs                                *apptest.Logs
	// Cancellation requests: requestOrder is acme's order the create
	// route asks about; ownRequest is acme's to supplier 31, request40
	// acme's to supplier 40, otherRequest retailer other's to 31.
	requestOrder                        string
	ownRequest, request40, otherRequest string
	request40SO, otherRequestSO         string
}

// routeSpec says how to call a route and what its own object is.
type routeSpec struct {
	// own is the path parameter of an object of the caller's tenant
	// (a retailer's order, supplier 31's supplier order, a delivery).
	own func(w *authzWorld) string
	// foreign are objects of other tenants; empty for routes without a
	// tenant (admin) or without a parameter.
	foreign func(w *authzWorld) []string
	// missing is a parameter no object has.
	missing string
	body    any
	// bodyFor, when set, replaces body (a body naming a world's object).
	bodyFor func(w *authzWorld) any
	// ok are the statuses a call on the own object may answer.
	ok []int
	// hidden are numbers that must never appear in the answer (lists).
	hidden func(w *authzWorld) []string
}

// specs covers every route of api.Routes; TestAuthorizationMatrix fails
// on a route without one, so a new route cannot skip the matrix.
var specs = map[string]routeSpec{
	"GET /api/v1/openapi.json": {ok: []int{200}},
	"POST /api/v1/orders": {
		// The other retailer's external id: a new order for acme, never
		// other's order replayed or a conflict with it.
		body: order("AUTHZ-OTHER"), ok: []int{201},
		hidden: func(w *authzWorld) []string { return w.otherRetailer },
	},
	"GET /api/v1/orders": {
		ok:     []int{200},
		hidden: func(w *authzWorld) []string { return w.otherRetailer },
	},
	"GET /api/v1/orders/{number}": {
		own:     func(w *authzWorld) string { return w.ownOrder },
		foreign: func(w *authzWorld) []string { return []string{w.foreignOrder} },
		missing: "99999999", ok: []int{200},
	},
	"POST /api/v1/orders/{number}/cancel": {
		own:     func(w *authzWorld) string { return w.cancelOrder },
		foreign: func(w *authzWorld) []string { return []string{w.foreignOrder} },
		missing: "99999999", body: map[string]any{"note": "customer changed their mind"}, ok: []int{200},
	},
	"POST /api/v1/orders/{number}/cancellation-requests": {
		own:     func(w *authzWorld) string { return w.requestOrder },
		foreign: func(w *authzWorld) []string { return []string{w.foreignOrder} },
		missing: "99999999", ok: []int{201},
		bodyFor: func(w *authzWorld) any {
			return map[string]any{"supplier_order": w.requestOrder + "-31", "reason": "customer moved"}
		},
	},
	"GET /api/v1/cancellation-requests": {
		ok:     []int{200},
		hidden: func(w *authzWorld) []string { return append([]string{w.otherRequestSO}, w.otherRetailer...) },
	},
	"GET /api/v1/cancellation-requests/{id}": {
		own:     func(w *authzWorld) string { return w.ownRequest },
		foreign: func(w *authzWorld) []string { return []string{w.otherRequest} },
		missing: "99999999", ok: []int{200},
	},
	"GET /api/v1/supplier/cancellation-requests": {
		ok:     []int{200},
		hidden: func(w *authzWorld) []string { return append([]string{w.request40SO}, w.foreignSOs...) },
	},
	"GET /api/v1/supplier/cancellation-requests/{id}": {
		own:     func(w *authzWorld) string { return w.ownRequest },
		foreign: func(w *authzWorld) []string { return []string{w.request40} },
		missing: "99999999", ok: []int{200},
	},
	"POST /api/v1/supplier/cancellation-requests/{id}/answer": {
		own:     func(w *authzWorld) string { return w.ownRequest },
		foreign: func(w *authzWorld) []string { return []string{w.request40} },
		missing: "99999999", body: map[string]any{"answer": "refuse", "note": "already packed"}, ok: []int{200},
	},
	"GET /api/v1/supplier/orders": {
		ok:     []int{200},
		hidden: func(w *authzWorld) []string { return w.foreignSOs },
	},
	"GET /api/v1/supplier/orders/{number}": {
		own:     func(w *authzWorld) string { return w.ownSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", ok: []int{200},
	},
	"POST /api/v1/supplier/orders/{number}/acknowledge": {
		own:     func(w *authzWorld) string { return w.ownSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", ok: []int{200},
	},
	"POST /api/v1/supplier/orders/{number}/status": {
		own:     func(w *authzWorld) string { return w.ownSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", body: map[string]any{"status": "backordered", "note": "restock next week"}, ok: []int{200},
	},
	"POST /api/v1/supplier/orders/{number}/lines": {
		own:     func(w *authzWorld) string { return w.ownSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", body: map[string]any{"lines": []any{map[string]any{"position": 1, "action": "accept"}}}, ok: []int{200},
	},
	"POST /api/v1/supplier/orders/{number}/cancel": {
		own:     func(w *authzWorld) string { return w.cancelSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", body: map[string]any{"note": "out of stock"}, ok: []int{200},
	},
	"GET /api/v1/supplier/orders/{number}/history": {
		own:     func(w *authzWorld) string { return w.ownSO },
		foreign: func(w *authzWorld) []string { return w.foreignSOs },
		missing: "99999999-31", ok: []int{200},
	},
	// Every retailer may sell from every supplier: no catalog is foreign.
	"GET /api/v1/catalogs/{supplier}": {own: func(*authzWorld) string { return "31" }, missing: "no-such-supplier", ok: []int{200}},
	"GET /api/v1/supplier/catalog":    {ok: []int{200}},
	"POST /api/v1/supplier/catalog": {
		body: map[string]any{"items": []map[string]any{{"sku": "AUTHZ-1", "name": "Item", "price": 100, "currency": "EUR"}}}, ok: []int{200},
	},
	"POST /api/v1/supplier/catalog/delete":                                              {body: map[string]any{"skus": []string{"AUTHZ-1"}}, ok: []int{200}},
	"GET /api/v1/admin/deliveries":                                                      {ok: []int{200}},
	"GET /api/v1/admin/deliveries/{id}":                                                 {own: func(w *authzWorld) string { return w.delivery }, missing: "99999999", ok: []int{200}},
	"POST /api/v1/admin/deliveries/replay":                                              {body: map[string]any{"ids": []int64{99999999}}, ok: []int{200}},
	"GET /api/v1/admin/keys":                                                            {ok: []int{200}},
	"POST /api/v1/admin/keys/{id}/revoke":                                               {own: func(w *authzWorld) string { return w.spareKey }, missing: "99999999", ok: []int{200}},
	"GET /api/v1/admin/reports/commissions?month=" + time.Now().UTC().Format("2006-01"): {ok: []int{200}},
}

// unknownKey has the shape of a retailer key but was never issued.
var unknownKey = "sh_r_" + strings.Repeat("a", 52)

// specFor finds a route's spec; the commissions report's key carries the
// query it needs.
func specFor(rt api.Route) (routeSpec, string, bool) {
	key := rt.Method + " " + rt.Path
	if s, ok := specs[key]; ok {
		return s, "", true
	}
	for k, s := range specs {
		if base, q, ok := strings.Cut(k, "?"); ok && base == key {
			return s, "?" + q, true
		}
	}
	return routeSpec{}, "", false
}

// TestAuthorizationMatrix calls every route as nobody, with an unknown
// key, with each role's key and on own, foreign and missing objects:
// no key is 401, the wrong role 403 the same for every object, and a
// foreign object 404 with the very answer a missing one gets.
func TestAuthorizationMatrix(t *testing.T) {
	routes := api.Routes()
	for _, rt := range routes {
		if _, _, ok := specFor(rt); !ok {
			t.Errorf("route %s %s has no entry in the authorization matrix (specs in authz_test.go)", rt.Method, rt.Path)
		}
	}
	for k := range specs {
		base, _, _ := strings.Cut(k, "?")
		if !slices.ContainsFunc(routes, func(rt api.Route) bool { return rt.Method+" "+rt.Path == base }) {
			t.Errorf("matrix entry %q names no route", k)
		}
	}
	if t.Failed() {
		return
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		w := newAuthzWorld(t, kind)
		for _, rt := range routes {
			spec, query, _ := specFor(rt)
			t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
				checkRoute(t, w, rt, spec, query)
			})
		}
		// A retailer cancelling part of its own order may name only its
		// own supplier orders: another's is as unknown as a made-up one.
		t.Run("cancel names a foreign supplier order", func(t *testing.T) {
			key := w.keys[store.RoleRetailer]
			path := "/api/v1/orders/" + w.ownOrder + "/cancel"
			const missing = "99999999-40"
			miss := w.call(t, "POST", path, key, map[string]any{"note": "n", "supplier_order": missing})
			for _, f := range w.foreignSOs[1:] { // [0] is the own order's own part for 40
				a := w.call(t, "POST", path, key, map[string]any{"note": "n", "supplier_order": f})
				if a.code != http.StatusNotFound || strings.ReplaceAll(a.body, f, "ID") != strings.ReplaceAll(miss.body, missing, "ID") {
					t.Errorf("supplier_order %s: %d %s\nwant what a missing one gets: %d %s", f, a.code, a.body, miss.code, miss.body)
				}
			}
		})
		// Nothing the matrix did may fail inside, or log a key.
		logs := w.logs.String()
		if strings.Contains(logs, `"level":"ERROR"`) {
			t.Errorf("errors logged during the matrix:\n%s", logs)
		}
		for _, k := range append(slices.Collect(maps.Values(w.d.Keys)), unknownKey) {
			if strings.Contains(logs, k) {
				t.Errorf("an API key is in the logs")
			}
		}
	})
}

func newAuthzWorld(t *testing.T, kind string) *authzWorld {
	t.Helper()
	d, logs := apptest.StartLogged(t, apptest.Config(t, storetest.URL(t, kind)))
	w := &authzWorld{d: d, logs: logs, keys: map[string]string{
		store.RoleRetailer: d.Keys["retailer:acme"],
		store.RoleSupplier: d.Keys["supplier:31"],
		store.RoleAdmin:    d.Keys["admin"],
	}}
	post := func(key string, o map[string]any) string {
		t.Helper()
		code, _, body := d.Do(t, "POST", "/api/v1/orders", key, o)
		var ob orderBody
		if err := json.Unmarshal(body, &ob); code != http.StatusCreated || err != nil {
			t.Fatalf("post order: %d %s", code, body)
		}
		return ob.Number
	}
	only := func(ext, supplier string) map[string]any {
		o := order(ext)
		var lines []any
		for _, l := range o["lines"].([]any) {
			if l.(map[string]any)["supplier"] == supplier {
				lines = append(lines, l)
			}
		}
		o["lines"] = lines
		delete(o, "shipping")
		return o
	}
	_, hash, hint := auth.NewKey(store.RoleAdmin)
	spare, err := d.App.Store.CreateAPIKey(context.Background(), store.NewAPIKey{Hash: hash, Hint: hint, Role: store.RoleAdmin, Name: "spare"})
	if err != nil {
		t.Fatal(err)
	}
	w.spareKey = strconv.FormatInt(spare, 10)
	acme, other := d.Keys["retailer:acme"], d.Keys["retailer:other"]
	a := post(acme, order("AUTHZ-1")) // a-31 own, a-40 foreign to 31
	w.ownOrder, w.ownSO = a, a+"-31"
	w.cancelOrder = post(acme, order("AUTHZ-2"))
	w.cancelSO = post(acme, only("AUTHZ-3", "31")) + "-31"
	b := post(other, order("AUTHZ-OTHER"))
	w.foreignOrder = b
	// b-31 is supplier 31's own (another retailer's order, same
	// supplier), so it is not among the foreign ones.
	c := post(other, only("AUTHZ-OTHER-40", "40"))
	w.foreignSOs = []string{a + "-40", b + "-40", c + "-40"}
	w.otherRetailer = []string{b, b + "-31", b + "-40", c, c + "-40"}
	// Cancellation requests on acknowledged supplier orders.
	request := func(key, supplierKey, number, so string) string {
		t.Helper()
		if code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/acknowledge", supplierKey, nil); code != http.StatusOK {
			t.Fatalf("acknowledge %s: %d %s", so, code, body)
		}
		code, _, body := d.Do(t, "POST", "/api/v1/orders/"+number+"/cancellation-requests", key, map[string]any{"supplier_order": so, "reason": "r"})
		var cr struct{ ID int64 }
		if err := json.Unmarshal(body, &cr); code != http.StatusCreated || err != nil {
			t.Fatalf("cancellation request on %s: %d %s", so, code, body)
		}
		return strconv.FormatInt(cr.ID, 10)
	}
	w.requestOrder = post(acme, only("AUTHZ-4", "31"))
	if code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+w.requestOrder+"-31/acknowledge", d.Keys["supplier:31"], nil); code != http.StatusOK {
		t.Fatalf("acknowledge: %d %s", code, body)
	}
	n := post(acme, only("AUTHZ-5", "31"))
	w.ownRequest = request(acme, d.Keys["supplier:31"], n, n+"-31")
	n = post(acme, only("AUTHZ-6", "40"))
	w.request40, w.request40SO = request(acme, d.Keys["supplier:40"], n, n+"-40"), n+"-40"
	n = post(other, only("AUTHZ-OTHER-7", "31"))
	w.otherRequest, w.otherRequestSO = request(other, d.Keys["supplier:31"], n, n+"-31"), n+"-31"
	w.otherRetailer = append(w.otherRetailer, n, n+"-31")
	apptest.Eventually(t, 10*time.Second, "a delivery", func() bool {
		code, _, body := d.Do(t, "GET", "/api/v1/admin/deliveries", w.keys[store.RoleAdmin], nil)
		var list struct{ Deliveries []deliveryBody }
		_ = json.Unmarshal(body, &list)
		if code == 200 && len(list.Deliveries) > 0 {
			w.delivery = strconv.FormatInt(list.Deliveries[0].ID, 10)
			return true
		}
		return false
	})
	return w
}

// answer is one response, with the ids normalized away.
type answer struct {
	code int
	body string
}

func (w *authzWorld) call(t *testing.T, method, path, key string, body any) answer {
	t.Helper()
	code, _, b := w.d.Do(t, method, path, key, body)
	return answer{code, string(b)}
}

func checkRoute(t *testing.T, w *authzWorld, rt api.Route, spec routeSpec, query string) {
	paths := map[string]string{} // variant → path
	pathFor := func(param string) string {
		p := rt.Path
		for _, name := range []string{"{number}", "{id}", "{supplier}"} {
			p = strings.Replace(p, name, param, 1)
		}
		return p + query
	}
	if spec.bodyFor != nil {
		spec.body = spec.bodyFor(w)
	}
	hasParam := strings.Contains(rt.Path, "{")
	if hasParam {
		paths["own"] = pathFor(spec.own(w))
		paths["missing"] = pathFor(spec.missing)
		if spec.foreign != nil {
			for i, f := range spec.foreign(w) {
				paths[fmt.Sprintf("foreign %d (%s)", i, f)] = pathFor(f)
			}
		}
	} else {
		paths["-"] = pathFor("")
	}
	variants := slices.Sorted(func(yield func(string) bool) {
		for k := range paths {
			if !yield(k) {
				return
			}
		}
	})

	if rt.Role == "" {
		for _, v := range variants {
			if a := w.call(t, rt.Method, paths[v], "", spec.body); !slices.Contains(spec.ok, a.code) {
				t.Errorf("public route %s: %d %s", v, a.code, a.body)
			}
		}
		return
	}

	// Without a valid key: 401, the same answer whatever the object.
	for _, key := range []string{"", unknownKey, "not-a-key"} {
		var first *answer
		for _, v := range variants {
			a := w.call(t, rt.Method, paths[v], key, spec.body)
			if a.code != http.StatusUnauthorized {
				t.Errorf("key %q on %s: %d %s, want 401", key, v, a.code, a.body)
			}
			if first == nil {
				first = &a
			} else if a != *first {
				t.Errorf("key %q: %s answers %q, others %q", key, v, a.body, first.body)
			}
		}
	}
	// A valid key of another role: 403, the same answer whatever the
	// object, so it tells nothing about it.
	for role, key := range w.keys {
		if role == rt.Role {
			continue
		}
		var first *answer
		for _, v := range variants {
			a := w.call(t, rt.Method, paths[v], key, spec.body)
			if a.code != http.StatusForbidden {
				t.Errorf("%s key on %s: %d %s, want 403", role, v, a.code, a.body)
			}
			if first == nil {
				first = &a
			} else if a != *first {
				t.Errorf("%s key: %s answers %q, others %q", role, v, a.body, first.body)
			}
		}
	}
	// The right role: a foreign object is exactly a missing one.
	key := w.keys[rt.Role]
	if hasParam {
		miss := w.call(t, rt.Method, paths["missing"], key, spec.body)
		if miss.code != http.StatusNotFound {
			t.Errorf("missing object: %d %s, want 404", miss.code, miss.body)
		}
		missNorm := strings.ReplaceAll(miss.body, spec.missing, "ID")
		if spec.foreign != nil {
			for _, f := range spec.foreign(w) {
				a := w.call(t, rt.Method, pathFor(f), key, spec.body)
				if a.code != http.StatusNotFound || strings.ReplaceAll(a.body, f, "ID") != missNorm {
					t.Errorf("foreign object %s: %d %s\nwant what a missing one gets: %d %s", f, a.code, a.body, miss.code, miss.body)
				}
			}
		}
	}
	// And its own object works: otherwise the 404s above prove nothing.
	v := "-"
	if hasParam {
		v = "own"
	}
	a := w.call(t, rt.Method, paths[v], key, spec.body)
	if !slices.Contains(spec.ok, a.code) {
		t.Errorf("own object %s: %d %s, want one of %v", paths[v], a.code, a.body, spec.ok)
	}
	if spec.hidden != nil {
		for _, n := range spec.hidden(w) {
			if slices.Contains(numbersIn(t, a.body), n) {
				t.Errorf("answer shows foreign %s: %s", n, a.body)
			}
		}
	}
}

// numbersIn collects every order and supplier order number in a JSON
// answer, wherever it is nested.
func numbersIn(t *testing.T, body string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "number" || k == "order_number" || k == "supplier_order") {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

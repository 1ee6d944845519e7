package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/api"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
)

// serverRoutes are mounted by internal/server, not by api.Register.
var serverRoutes = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// plannedKey marks documented operations whose routes are not mounted yet.
const plannedKey = "x-supplyhub-planned"

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

type operation struct {
	Security  []map[string][]string      `json:"security"`
	Responses map[string]json.RawMessage `json:"responses"`
	Planned   bool                       `json:"x-supplyhub-planned"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc, raw
}

// TestOpenAPICoversRoutes checks openapi.json against api.Routes, the list
// Register mounts: every route is documented with its responses, and
// every documented operation is mounted (by Register or internal/server)
// or marked planned.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	documented := map[string]operation{}
	for path, item := range doc.Paths {
		for method, rawOp := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op operation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no responses", method, path)
			}
			documented[strings.ToUpper(method)+" "+path] = op
		}
	}
	mounted := slices.Clone(serverRoutes)
	for _, rt := range api.Routes() {
		key := rt.Method + " " + rt.Path
		mounted = append(mounted, key)
		op, ok := documented[key]
		if !ok {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		if rt.Role == "" {
			continue
		}
		if len(op.Security) == 0 || op.Security[0]["bearer"] == nil {
			t.Errorf("%s needs a %s key but documents no bearer security", key, rt.Role)
		}
		for _, code := range []string{"200", "401", "403", "429"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s does not document %s", key, code)
			}
		}
	}
	for key, op := range documented {
		if !slices.Contains(mounted, key) && !op.Planned {
			t.Errorf("openapi.json documents %s, which is not mounted; mount it (api.Routes) or mark it %s", key, plannedKey)
		}
	}
	for _, key := range []string{"GET /api/v1/admin/deliveries", "POST /api/v1/admin/deliveries/replay"} {
		if _, ok := documented[key]; !ok {
			t.Errorf("%s is not documented", key)
		}
	}
	for _, name := range []string{"Order", "SupplierOrder", "Line", "Address", "Customer", "Error", "FieldError"} {
		if _, ok := doc.Components["schemas"][name]; !ok {
			t.Errorf("schema %s missing", name)
		}
	}
	for _, code := range []string{"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "TooLarge", "Invalid", "RateLimited"} {
		if _, ok := doc.Components["responses"][code]; !ok {
			t.Errorf("response %s missing", code)
		}
	}
	if _, ok := doc.Components["securitySchemes"]["bearer"]; !ok {
		t.Error("security scheme bearer missing")
	}
	// Every local $ref resolves.
	var tree any
	_ = json.Unmarshal(raw, &tree)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !resolves(tree, ref) {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(tree)
}

func resolves(tree any, ref string) bool {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	cur := tree
	for _, part := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]; !ok {
			return false
		}
	}
	return true
}

// TestRoutesMountedOnDaemon walks api.Routes on a real daemon: each answers
// from its own handler (a public 200, or 401 without a key), never from the
// catch-all 404, and the served document is the file.
func TestRoutesMountedOnDaemon(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	for _, rt := range api.Routes() {
		path := strings.ReplaceAll(rt.Path, "{number}", "1")
		code, _, body := d.Do(t, rt.Method, path, "", nil)
		want := http.StatusUnauthorized
		if rt.Role == "" {
			want = http.StatusOK
		}
		if code != want {
			t.Errorf("%s %s: %d, want %d: %s", rt.Method, path, code, want, body)
		}
	}
	for _, r := range serverRoutes {
		method, path, _ := strings.Cut(r, " ")
		if code, _, body := d.Do(t, method, path, "", nil); code != 200 {
			t.Errorf("%s: %d %s", r, code, body)
		}
	}
	_, raw := loadOpenAPI(t)
	if _, _, served := d.Do(t, "GET", "/api/v1/openapi.json", "", nil); string(served) != string(raw) {
		t.Error("/api/v1/openapi.json is not openapi.json")
	}
}

// TestOpenAPIDocumentsRetailerEvents: every event type sent to a
// retailer's webhook is under "webhooks" with the notification schema.
func TestOpenAPIDocumentsRetailerEvents(t *testing.T) {
	_, raw := loadOpenAPI(t)
	var doc struct {
		Webhooks map[string]map[string]json.RawMessage `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{webhook.EventSupplierOrderStatusChanged, webhook.EventSupplierOrderShipped,
		webhook.EventSupplierOrderCancelled, webhook.EventOrderStatusChanged, webhook.EventSupplierOrderOverdue} {
		post, ok := doc.Webhooks[ev]["post"]
		if !ok {
			t.Errorf("webhooks has no %s", ev)
			continue
		}
		if !strings.Contains(string(post), "#/components/schemas/RetailerNotification") {
			t.Errorf("webhook %s does not use the RetailerNotification schema", ev)
		}
	}
}

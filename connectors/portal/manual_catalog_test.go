package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// TestManualFillFromCatalog: "fill from the catalog" fills each line's
// empty item and price from its supplier's catalog and keeps what the
// operator typed; a SKU not in the catalog, one not for sale, an unknown
// supplier and a price in another currency are errors next to their line,
// and the lines that could be filled are filled (and saved) all the same;
// a line typed in full is left alone, in the catalog or not.
func TestManualFillFromCatalog(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	ctx := context.Background()
	st := d.App.Store
	sup, err := st.SupplierByCode(ctx, "31")
	if err != nil {
		t.Fatal(err)
	}
	items := []domain.CatalogItem{
		{SKU: "HAM-16", Name: "Claw hammer 16 oz", Price: 1890, Currency: "EUR", ForSale: true},
		{SKU: "OLD-1", Name: "Old model", Price: 500, Currency: "EUR", ForSale: false},
		{SKU: "USD-1", Name: "Imported level", Price: 2500, Currency: "USD", ForSale: true},
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return st.UpsertCatalogItems(ctx, tx, sup.ID, items) }); err != nil {
		t.Fatal(err)
	}
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	ops := newBrowser(t, d)
	ops.mustLogin("ops@example.com")

	v := manualForm("PO-CAT")
	v.Set("lines[0].name", "")
	v.Set("lines[0].unit_price", "")
	lines := [][2]string{{"OLD-1", "31"}, {"NOPE", "31"}, {"HAM-16", "99"}, {"USD-1", "31"}}
	for i, l := range lines {
		p := "lines[" + string(rune('1'+i)) + "]."
		v.Set(p+"sku", l[0])
		v.Set(p+"supplier", l[1])
		v.Set(p+"name", "")
		v.Set(p+"quantity", "1")
		v.Set(p+"unit_price", "")
	}
	draft := createDraft(t, ops, v)
	v.Set("action", "fill_catalog")
	code, _, body := ops.postMultipart(draft, v)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("fill with bad lines: %d, want 422", code)
	}
	for _, want := range []string{
		`name="lines[0].name" type="text" value="Claw hammer 16 oz"`,
		`name="lines[0].unit_price" type="text" value="18.90"`,
		`id="line-1-sku-err">Supplier 31 does not sell this now: check the SKU, or type the item and price.`,
		`id="line-2-sku-err">Not in supplier 31&#39;s catalog: check the SKU, or type the item and price.`,
		`id="line-3-supplier-err">No supplier with this code.`,
		`id="line-4-unit_price-err">The catalog price is in USD, the order in EUR: type the price.`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("after fill, want %s", want)
		}
	}
	// The filled line was saved with the draft.
	m := manualIDRE.FindStringSubmatch(draft)
	var saved struct {
		Lines []struct {
			Name      string `json:"name"`
			UnitPrice string `json:"unit_price"`
		} `json:"lines"`
	}
	var raw string
	if err := st.DB().QueryRow(ctx, `SELECT request FROM manual_orders WHERE id = $1`, m[1]).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &saved); err != nil || len(saved.Lines) != 5 ||
		saved.Lines[0].Name != "Claw hammer 16 oz" || saved.Lines[0].UnitPrice != "18.90" {
		t.Fatalf("saved draft: %s", raw)
	}

	// What the operator typed stays; only the empty price is filled. A
	// line typed in full is not looked up: no error for its SKU.
	v = manualForm("PO-CAT")
	v.Set("lines[0].name", "Hammer as on the PO")
	v.Set("lines[0].unit_price", "")
	v.Set("lines[1].sku", "TYPED-1")
	v.Set("lines[1].supplier", "31")
	v.Set("lines[1].name", "Special order")
	v.Set("lines[1].quantity", "1")
	v.Set("lines[1].unit_price", "99.00")
	v.Set("action", "fill_catalog")
	code, h, _ := ops.postMultipart(draft, v)
	if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#lines") {
		t.Fatalf("fill: %d %v", code, h)
	}
	_, _, body = ops.get(draft)
	if !strings.Contains(body, "1 line filled from the catalog.") ||
		!strings.Contains(body, `value="Hammer as on the PO"`) || !strings.Contains(body, `name="lines[0].unit_price" type="text" value="18.90"`) {
		t.Fatalf("after fill:\n%s", body)
	}
}

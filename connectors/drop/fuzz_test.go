package drop

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// FuzzRenderName renders file names from arbitrary templates and order
// data (external id, numbers, supplier code, event): Render must never
// panic, and a name it gives must be one plain path element, so no order
// can make a drop write outside its folder.
func FuzzRenderName(f *testing.F) {
	for _, s := range [][5]string{
		{"", "A-1", "22-31", "31", domain.EventOrderCreated},
		{"{supplier}/{supplier_order_number}.{ext}", "../../etc/passwd", "22-31", "31", domain.EventOrderCancelled},
		{"../{supplier_order_number}/..{ext}", "..", "..", "..", "order..cancelled"},
		{"{external_id}{supplier_order_number}.{ext}", "a\x00b\\c/d", "../../x", "../31", ""},
		{"{supplier_order_number}.{ext}", "=HYPERLINK(\"x\")", "22-31\r\n", "31", "order.created"},
		{"{event}{event}{ext}", "Zoë", ".", "", "..."},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, tmpl, externalID, number, supplier, event string) {
		settings, err := json.Marshal(map[string]string{"file_name": tmpl, "format": "json"})
		if err != nil {
			return
		}
		so := &domain.SupplierOrder{Number: number, Supplier: supplier,
			Order: domain.OrderHeader{Number: "22", ExternalID: externalID},
			Lines: []domain.Line{{SKU: "X", Name: "x", Quantity: 1}}}
		req := &pipeline.DeliveryRequest{Delivery: &domain.Delivery{Event: event}, SupplierOrder: so,
			Channel: domain.Channel{Settings: settings}}
		name, _, err := Render(req)
		if err != nil {
			return
		}
		if name == "" || name == "." || strings.Contains(name, "..") || strings.ContainsAny(name, "/\\\x00") ||
			filepath.Base(name) != name {
			t.Fatalf("template %q with external_id %q, number %q, supplier %q gave unsafe name %q", tmpl, externalID, number, supplier, name)
		}
		if err := CheckName(name); err != nil && len(name) <= maxNameLen {
			t.Fatalf("name %q fails the uploader's own check: %v", name, err)
		}
	})
}

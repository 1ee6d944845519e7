package drop

import (
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

func TestRenderNames(t *testing.T) {
	so := &domain.SupplierOrder{Number: "22-31", Supplier: "31", Order: domain.OrderHeader{Number: "22", ExternalID: "../A 1"},
		Lines: []domain.Line{{SKU: "X", Name: "x", Quantity: 1}}}
	for _, tc := range []struct {
		settings, event, want string
	}{
		{`{}`, domain.EventOrderCreated, "22-31.csv"},
		{`{}`, domain.EventOrderCancelled, "22-31.order-cancelled.csv"},
		{`{"format":"json"}`, domain.EventOrderCreated, "22-31.json"},
		{`{"file_name":"{supplier}_{supplier_order_number}_{external_id}.{ext}"}`, domain.EventOrderCreated, "31_22-31____A_1.csv"},
		{`{"file_name":"{event}-{supplier_order_number}.txt"}`, domain.EventOrderCancelled, "order-cancelled-22-31.txt"},
	} {
		req := &pipeline.DeliveryRequest{Delivery: &domain.Delivery{Event: tc.event}, SupplierOrder: so,
			Channel: domain.Channel{Settings: []byte(tc.settings)}}
		name, data, err := Render(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.settings, err)
		}
		if name != tc.want || strings.Contains(name, "/") || strings.Contains(name, "..") {
			t.Errorf("%s %s: name %q, want %q", tc.settings, tc.event, name, tc.want)
		}
		if len(data) == 0 {
			t.Errorf("%s: empty file", tc.settings)
		}
	}
}

func TestValidateFormat(t *testing.T) {
	if ps := ValidateFormat([]byte(`{"file_name":"orders.csv"}`)); len(ps) != 1 || ps[0].Key != "file_name" {
		t.Errorf("a constant file name must be refused: %v", ps)
	}
	if ps := ValidateFormat([]byte(`{"format":"pdf"}`)); len(ps) != 1 || ps[0].Key != "format" {
		t.Errorf("unknown format: %v", ps)
	}
	if ps := ValidateFormat([]byte(`{"format":"csv","csv":{"delimiter":";"}}`)); len(ps) != 0 {
		t.Errorf("valid settings refused: %v", ps)
	}
}

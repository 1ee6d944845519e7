package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// TestRenderOverrideGolden renders with testdata/override, which replaces
// the subject and text templates and adds a partial; the HTML falls back to
// the embedded template.
func TestRenderOverrideGolden(t *testing.T) {
	r, err := NewRenderer(filepath.Join("testdata", "override"))
	if err != nil {
		t.Fatal(err)
	}
	so := testSupplierOrder()
	msg := testMessage(t, r, so)
	if want := "[Acme Shop] Purchase order 22-31"; msg.Subject != want {
		t.Errorf("subject = %q, want %q", msg.Subject, want)
	}
	def, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	_, _, html, err := def.RenderSupplierOrder(so)
	if err != nil {
		t.Fatal(err)
	}
	if msg.HTML != html {
		t.Error("the HTML part did not fall back to the embedded template")
	}
	raw, err := Build(msg)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "supplier_order_override.eml", raw)
}

func TestRenderSupplierOrderContent(t *testing.T) {
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	so := testSupplierOrder()
	so.Order.Customer.Company = "Ñúñez & Hijos S.L."
	subject, text, html, err := r.RenderSupplierOrder(so)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Order 22-31 from Acme Shop" {
		t.Errorf("subject = %q", subject)
	}
	for _, want := range []string{
		"1001", "22-31", "shop-1001", "2024-05-01 10:30 UTC",
		"Oak chair", "CH-OAK-1", "Colour: natural, Size: L", "120.00 EUR", "240.00 EUR",
		"Cushion «Søft»", "5.00 EUR",
		"250.00 EUR", "9.90 EUR", "259.90 EUR",
		"Zoë Ñúñez", "zoe@example.com", "600 000 000",
		"Calle Mayor 1", "3º izq.", "28013 Madrid", "ES",
		"Please call before delivery.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for part, want := range map[string]string{
		text: "Ñúñez & Hijos S.L.",
		html: "Ñúñez &amp; Hijos S.L.",
	} {
		if !strings.Contains(part, want) {
			t.Errorf("company %q missing", want)
		}
	}
	if strings.Contains(html, "<b>is</b>") {
		t.Error("notes were not HTML-escaped")
	}
}

func TestNewRendererErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // the error must mention this, besides the file
		file  string
	}{
		{
			name:  "text syntax",
			files: map[string]string{"supplier_order.txt": "Order {{.SupplierOrder.Number}\n"},
			file:  "supplier_order.txt",
			want:  "supplier_order.txt:1",
		},
		{
			name:  "unknown function",
			files: map[string]string{"supplier_order.subject.txt": "{{shout .Order.Retailer}}"},
			file:  "supplier_order.subject.txt",
			want:  "shout",
		},
		{
			name:  "html syntax",
			files: map[string]string{"supplier_order.html": "<p>{{if .Order}}</p>"},
			file:  "supplier_order.html",
			want:  "unexpected EOF",
		},
		{
			name:  "html context",
			files: map[string]string{"supplier_order.html": `<a href="{{.Order.Number}}`},
			file:  "supplier_order.html",
			want:  "non-text context",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := NewRenderer(dir)
			if err == nil {
				t.Fatal("NewRenderer succeeded")
			}
			for _, want := range []string{filepath.Join(dir, tt.file), tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}

	if _, err := NewRenderer(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing override directory was accepted")
	}
}

func TestRenderErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"cancel.subject.txt": "Cancelled {{.SupplierOrder.Number}}",
		"cancel.txt":         "Reason: {{.Values.reason}}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := NewRenderer(dir)
	if err != nil {
		t.Fatal(err)
	}
	so := testSupplierOrder()

	// A kind added by files alone renders, without HTML.
	subject, text, html, err := r.Render("cancel", Data{SupplierOrder: so, Values: map[string]any{"reason": "out of stock"}})
	if err != nil || subject != "Cancelled 22-31" || text != "Reason: out of stock\n" || html != "" {
		t.Errorf("Render(cancel) = %q %q %q %v", subject, text, html, err)
	}
	if _, _, _, err := r.Render("cancel", Data{SupplierOrder: so, Values: map[string]any{}}); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("missing value: err = %v", err)
	}
	if _, _, _, err := r.Render("nope", Data{}); err == nil || !strings.Contains(err.Error(), "nope.subject.txt") {
		t.Errorf("unknown kind: err = %v", err)
	}
	if _, _, _, err := r.RenderSupplierOrder(nil); err == nil {
		t.Error("nil supplier order rendered")
	}
	if _, _, _, err := r.RenderSupplierOrder(&domain.SupplierOrder{}); err != nil {
		t.Errorf("empty supplier order: %v", err)
	}
}

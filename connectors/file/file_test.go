package file

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"22-31":          "22-31",
		"../../etc/pass": "______etc_pass",
		"..":             "__",
		"a...b":          "a__.b",
		".":              "_.",
		"":               "_",
		"a/b\\c":         "a_b_c",
		"x\x00y":         "x_y",
		"Zoë":            "Zo_",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
		if filepath.Base(SafeName(in)) != SafeName(in) {
			t.Errorf("SafeName(%q) is not one path element", in)
		}
	}
}

func TestDeliverIsDeterministic(t *testing.T) {
	root := t.TempDir()
	c := New(root)
	req := &pipeline.DeliveryRequest{
		Delivery:      &domain.Delivery{Event: domain.EventOrderCreated},
		SupplierOrder: &domain.SupplierOrder{Number: "22-31", Supplier: "31", Lines: []domain.Line{{SKU: "A", Quantity: 1}}},
		Supplier:      &domain.Supplier{Code: "31"},
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Deliver(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "31"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "22-31.json" {
		t.Fatalf("files %v, want exactly 22-31.json", entries)
	}
}

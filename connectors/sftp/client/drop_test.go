package client

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/file"
	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// TestDropChannelToOpenSSH delivers supplier orders as CSV files to a real
// OpenSSH server through the drop channel: one file per order, named by
// its number, with the formats package's exact bytes, over one session.
func TestDropChannelToOpenSSH(t *testing.T) {
	d := startSSHD(t)
	st := d.settings()
	st.Dir = "outbound"
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	ch := drop.NewChannel("sftp", Dialer(), time.Minute)
	defer ch.Close()
	if ps := ch.Validate(raw); len(ps) != 0 {
		t.Fatalf("valid settings refused: %v", ps)
	}
	enc, err := formats.New(formats.Spec{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, number := range []string{"22-31", "23-31", "../../etc/x"} {
		so := &domain.SupplierOrder{Number: number, Supplier: "31", Lines: []domain.Line{{SKU: "=HYPERLINK()", Name: "Hammer", Quantity: 2, UnitPrice: 1250, Total: 2500}},
			Order: domain.OrderHeader{Number: "22", ExternalID: "A-1", PlacedAt: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), Currency: "EUR"}}
		req := &pipeline.DeliveryRequest{Delivery: &domain.Delivery{Event: domain.EventOrderCreated}, SupplierOrder: so,
			Supplier: &domain.Supplier{Code: "31"}, Channel: domain.Channel{Name: "sftp", Type: "sftp", Settings: raw}}
		if _, err := ch.Deliver(context.Background(), req); err != nil {
			t.Fatalf("deliver %s: %v", number, err)
		}
		var want bytes.Buffer
		if err := enc.Encode(&want, so); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(d.chroot, "outbound", "")
		got, err := os.ReadFile(filepath.Join(name, sanitized(number)+".csv"))
		if err != nil {
			t.Fatalf("file for %s: %v", number, err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: uploaded bytes differ from the CSV encoder's", number)
		}
		if bytes.Contains(got, []byte(",=HYPERLINK")) {
			t.Errorf("%s: formula not neutralised:\n%s", number, got)
		}
	}
	if n := len(ch.OpenSessions()); n != 1 {
		t.Errorf("%d sessions open, want the one reused", n)
	}
}

func sanitized(s string) string { return file.SafeName(s) }

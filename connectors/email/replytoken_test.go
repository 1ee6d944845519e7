package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

var testKeys = ReplyKeys{Current: []byte("0123456789abcdef0123456789abcdef")}

func TestReplyToken(t *testing.T) {
	tok := testKeys.Token("22-31", "moebel")
	if len(tok) != 16 || strings.ToLower(tok) != tok {
		t.Fatalf("token %q: want 16 lower-case base32 characters", tok)
	}
	if again := testKeys.Token("22-31", "moebel"); again != tok {
		t.Errorf("token not deterministic: %q then %q", tok, again)
	}
	old := ReplyKeys{Current: []byte("old key")}
	rotated := ReplyKeys{Current: []byte("new key"), Previous: [][]byte{[]byte("old key")}}
	tests := []struct {
		name                  string
		keys                  ReplyKeys
		number, supplier, tok string
		want                  bool
	}{
		{"genuine", testKeys, "22-31", "moebel", tok, true},
		{"upper-cased by a mail server", testKeys, "22-31", "moebel", strings.ToUpper(tok), true},
		{"other order", testKeys, "22-32", "moebel", tok, false},
		{"other supplier", testKeys, "22-31", "tools", tok, false},
		{"number and supplier shifted", testKeys, "22-31m", "oebel", tok, false},
		{"other key", ReplyKeys{Current: []byte("other")}, "22-31", "moebel", tok, false},
		{"previous key still accepted", rotated, "22-31", "moebel", old.Token("22-31", "moebel"), true},
		{"no keys", ReplyKeys{}, "22-31", "moebel", tok, false},
		{"empty token", testKeys, "22-31", "moebel", "", false},
		{"truncated", testKeys, "22-31", "moebel", tok[:15], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.keys.Valid(tt.number, tt.supplier, tt.tok); got != tt.want {
				t.Errorf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
	if (ReplyKeys{}).Token("22-31", "moebel") != "" {
		t.Error("no current key must give no token")
	}
}

func TestReplyAddressRoundTrip(t *testing.T) {
	from := Address{Name: "Supplyhub", Address: "orders@hub.example"}
	for _, number := range []string{"22-31", "7-AB_c", "x.y+z", ""} {
		a := ReplyAddress(from, number, "k5vq3xw2m4a7cd2e")
		if a.Name != "Supplyhub" || !strings.HasPrefix(a.Address, "orders+") || !strings.HasSuffix(a.Address, ".k5vq3xw2m4a7cd2e@hub.example") {
			t.Errorf("ReplyAddress(%q) = %v", number, a)
		}
		n, tok, ok := ParseReplyAddress(a.Address)
		if !ok || n != number || tok != "k5vq3xw2m4a7cd2e" {
			t.Errorf("ParseReplyAddress(%q) = %q, %q, %v", a.Address, n, tok, ok)
		}
	}
	for _, a := range []string{"orders@hub.example", "orders+@hub.example", "orders+22-31@hub.example", "orders+22-31.@hub.example", "nobody", "o+a=zz.t@x"} {
		if n, tok, ok := ParseReplyAddress(a); ok {
			t.Errorf("ParseReplyAddress(%q) = %q, %q, want not ok", a, n, tok)
		}
	}
	if a := ReplyAddress(Address{Address: "orders+x@hub.example"}, "1-2", "t"); a.Address != "orders+1-2.t@hub.example" {
		t.Errorf("existing subaddress not replaced: %s", a.Address)
	}
}

func TestSignedMessageID(t *testing.T) {
	id := SignedMessageID("order.created", "22-31", "k5vq3xw2m4a7cd2e", "hub.example")
	if id != "<order.created.22-31+k5vq3xw2m4a7cd2e@hub.example>" {
		t.Fatalf("SignedMessageID = %s", id)
	}
	kind, num, tok, dom, err := ParseSignedMessageID(id)
	if err != nil || kind != "order.created" || num != "22-31" || tok != "k5vq3xw2m4a7cd2e" || dom != "hub.example" {
		t.Errorf("ParseSignedMessageID = %q %q %q %q %v", kind, num, tok, dom, err)
	}
	if k, n, ok := FindMessageID("<a@b> "+id, "hub.example"); !ok || k != "order.created" || n != "22-31" {
		t.Errorf("FindMessageID on a signed id = %q %q %v", k, n, ok)
	}
	if SignedMessageID("order.created", "22-31", "", "hub.example") != MessageID("order.created", "22-31", "hub.example") {
		t.Error("no token must give the plain Message-ID")
	}
	// An id containing "+" is escaped, so it can never be read as a token.
	if _, n, tok, _, err := ParseSignedMessageID(MessageID("order.created", "1+x", "hub.example")); err != nil || n != "1+x" || tok != "" {
		t.Errorf("escaped plus read as token: %q %q %v", n, tok, err)
	}
}

// TestChannelSignsSupplierOrderEmail delivers a supplier order through the
// channel to a real SMTP server and compares the bytes with the golden
// file: the Reply-To plus-address and the Message-ID carry the token.
func TestChannelSignsSupplierOrderEmail(t *testing.T) {
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	be := &backend{}
	tr := startServer(t, be, plainServer)
	tr.TLS = TLSNone
	ch := NewChannel(r, tr, Address{Name: "Supplyhub", Address: "orders@supplyhub.example"}, "supplyhub.example").WithReplyKeys(testKeys)
	so := testSupplierOrder()
	req := &pipeline.DeliveryRequest{
		Delivery:      &domain.Delivery{Event: domain.EventOrderCreated, CreatedAt: time.Date(2024, 5, 1, 10, 31, 0, 0, time.UTC)},
		SupplierOrder: so,
		Supplier:      &domain.Supplier{Code: "moebel", Email: "orders@moebel.example"},
		Channel:       domain.Channel{Type: domain.ChannelEmail, Settings: []byte(`{}`)},
	}
	if _, err := ch.Deliver(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got := be.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	tok := testKeys.Token("22-31", "moebel")
	raw := string(got[0].Data)
	for _, want := range []string{
		"Reply-To: \"Supplyhub\" <orders+22-31." + tok + "@supplyhub.example>\r\n",
		"Message-ID: <order.created.22-31+" + tok + "@supplyhub.example>\r\n",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	golden(t, "channel_supplier_order.eml", got[0].Data)
}

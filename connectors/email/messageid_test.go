package email

import (
	"strings"
	"testing"
)

func TestMessageIDRoundTrip(t *testing.T) {
	tests := []struct {
		kind, id, domain string
		want             string
	}{
		{"order.created", "22-31", "supplyhub.example", "<order.created.22-31@supplyhub.example>"},
		{"order.cancelled", "22-31", "supplyhub.example", "<order.cancelled.22-31@supplyhub.example>"},
		{"summary", "2024.05", "mail.supplyhub.example", "<summary.2024=2E05@mail.supplyhub.example>"},
		{"order_created", "a b@c<d>", "x", "<order=5Fcreated.a=20b=40c=3Cd=3E@x>"},
		{"order.created", "Zoë=1", "supplyhub.example", "<order.created.Zo=C3=AB=3D1@supplyhub.example>"},
		{"", "", "", "<_._@_>"},
		{"a..b", "1", "x", "<a._.b.1@x>"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := MessageID(tt.kind, tt.id, tt.domain)
			if got != tt.want {
				t.Fatalf("MessageID = %s, want %s", got, tt.want)
			}
			if _, err := normalizeMsgID(got); err != nil {
				t.Errorf("not a valid msg-id: %v", err)
			}
			kind, id, domain, err := ParseMessageID(got)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tt.kind || id != tt.id || domain != tt.domain {
				t.Errorf("ParseMessageID = %q %q %q, want %q %q %q", kind, id, domain, tt.kind, tt.id, tt.domain)
			}
			// Brackets are optional and surrounding space is ignored.
			if k, i, _, err := ParseMessageID(" " + strings.Trim(got, "<>") + " "); err != nil || k != tt.kind || i != tt.id {
				t.Errorf("without brackets: %q %q %v", k, i, err)
			}
		})
	}
}

func TestParseMessageIDRejects(t *testing.T) {
	for _, v := range []string{
		"",
		"<>",
		"<no-at-sign>",
		"<nodot@supplyhub.example>",
		"<CAF+x.y@mail.gmail.com>",   // '+' is never written unescaped
		"<a.b=ZZ@supplyhub.example>", // not a hex escape
		"<a.b=4@supplyhub.example>",  // truncated escape
		"<a..b@supplyhub.example>",   // empty segment is written "_"
		"<a.b@supply@hub.example>",   // two @
		"<a.b@supplyhub.example.>",   // empty domain segment
		"<order.created.22 31@x.y>",  // space
	} {
		if k, i, d, err := ParseMessageID(v); err == nil {
			t.Errorf("ParseMessageID(%q) = %q %q %q, want an error", v, k, i, d)
		}
	}
}

func TestFindMessageID(t *testing.T) {
	const domain = "supplyhub.example"
	tests := []struct {
		name, value      string
		wantKind, wantID string
		wantOK           bool
	}{
		{"in-reply-to", "<order.created.22-31@supplyhub.example>", "order.created", "22-31", true},
		{
			"references, ours last wins",
			"<order.created.22-31@supplyhub.example>\r\n <CAF+abc@mail.gmail.com> <order.cancelled.22-31@SupplyHub.Example>",
			"order.cancelled", "22-31", true,
		},
		{"references with comments", "(first) <x.y@other.example> <order.created.7-1@supplyhub.example> (junk", "order.created", "7-1", true},
		{"foreign only", "<abc.def@mail.gmail.com> <1234@outlook.example>", "", "", false},
		{"empty", "", "", "", false},
		{"unterminated", "<order.created.22-31@supplyhub.example", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, id, ok := FindMessageID(tt.value, domain)
			if kind != tt.wantKind || id != tt.wantID || ok != tt.wantOK {
				t.Errorf("FindMessageID = %q %q %v, want %q %q %v", kind, id, ok, tt.wantKind, tt.wantID, tt.wantOK)
			}
		})
	}
}

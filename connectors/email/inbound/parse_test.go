package inbound

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const testDomain = "supplyhub.example"

func readEML(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseAndInterpretTestdata(t *testing.T) {
	tests := []struct {
		file       string
		from       string
		subject    string
		messageID  string
		inReplyTo  string
		references []string
		date       time.Time
		bodyHas    []string // substrings of Body
		bodyHasNot []string
		want       Interpretation
		reasonHas  string // for Review: a substring of Reason
	}{
		{
			file: "reply_in_reply_to_shipped.eml", from: "Bob@Moebel.example",
			subject: "Re: Order 22-31 from Acme Shop", messageID: "<CAFoo123@mail.moebel.example>",
			inReplyTo:  "<order.created.22-31@supplyhub.example>",
			references: []string{"<order.created.22-31@supplyhub.example>"},
			date:       time.Date(2024, 5, 2, 6, 15, 0, 0, time.UTC),
			bodyHas:    []string{"SHIPPED DHL", "> CANCEL: this line is ours"},
			want: Interpretation{MatchedBy: MatchInReplyTo, Command: Command{
				Action: ActionShip, SupplierOrderNumber: "22-31", Carrier: "DHL", Tracking: "00340434161234567890",
				TrackingURL: "https://www.dhl.de/track?piececode=00340434161234567890",
			}},
		},
		{
			file: "reply_subject_only_confirm.eml", from: "orders@moebel.example",
			subject: "AW: Order 22-31 from Acme Shop", messageID: "<20240502090000.1@moebel.example>",
			date: time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC),
			want: Interpretation{MatchedBy: MatchSubject, Command: Command{Action: ActionAcknowledge, SupplierOrderNumber: "22-31"}},
		},
		{
			file: "html_only_delivered.eml", from: "bob@moebel.example",
			subject: "Re: Order 22-31 from Acme Shop", messageID: "<html-1@moebel.example>",
			inReplyTo:  "<order.created.22-31@supplyhub.example>",
			date:       time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC),
			bodyHas:    []string{"Delivered\n", "schrieb Supplyhub <orders@supplyhub.example>:", "> CANCEL: quoted in HTML"},
			bodyHasNot: []string{"color: red", "DELIVERED? no", "<b>"},
			want:       Interpretation{MatchedBy: MatchInReplyTo, Command: Command{Action: ActionDeliver, SupplierOrderNumber: "22-31"}},
		},
		{
			file: "qp_non_ascii_cancel.eml", from: "juergen@moebel.example",
			subject: "Re: Bestellung 22-31 – Stornierung", messageID: "<qp-1@moebel.example>",
			inReplyTo: "<order.created.22-31@supplyhub.example>",
			date:      time.Date(2024, 5, 4, 5, 0, 0, 0, time.UTC),
			bodyHas:   []string{"Größe 42", "März"},
			want: Interpretation{MatchedBy: MatchInReplyTo, Command: Command{
				Action: ActionCancel, SupplierOrderNumber: "22-31",
				Note: "Größe 42 ist ausverkauft,\nErsatz erst im März.",
			}},
		},
		{
			file: "quoted_cancel_below.eml", from: "bob@moebel.example",
			subject: "Re: Order 22-31 from Acme Shop", messageID: "<quoted-1@moebel.example>",
			inReplyTo:  "<order.created.22-31@supplyhub.example>",
			references: []string{"<order.created.22-31@supplyhub.example>"},
			date:       time.Date(2024, 5, 4, 9, 0, 0, 0, time.UTC),
			want:       Interpretation{Review: true, MatchedBy: MatchInReplyTo, Command: Command{SupplierOrderNumber: "22-31"}},
			reasonHas:  `no command: the first line "Thanks for the order!"`,
		},
		{
			file: "outlook_reject_attachment.eml", from: "purchasing@moebel.example",
			subject: "RE: Order 22-31 from Acme Shop", messageID: "<outlook-1@moebel.example>",
			inReplyTo: "<somebody-else@mail.example>",
			references: []string{"<order.created.22-31@supplyhub.example>", "<alert.123@supplyhub.example>",
				"<somebody-else@mail.example>"},
			date:       time.Date(2024, 5, 5, 10, 0, 0, 0, time.UTC),
			bodyHas:    []string{"12,50 €", "NOTE: not ours"},
			bodyHasNot: []string{"\r", "from an attachment", "<p>"},
			want: Interpretation{MatchedBy: MatchReferences, Command: Command{
				Action: ActionReject, SupplierOrderNumber: "22-31", Note: "price changed\nnew unit price 12,50 €",
			}},
		},
		{
			file: "unmatched.eml", from: "someone@elsewhere.example",
			subject: "Question about your catalogue", messageID: "<unmatched-1@elsewhere.example>",
			inReplyTo: "<order.created.22-31@other-domain.example>",
			date:      time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC),
			want:      Interpretation{Review: true},
			reasonHas: "no supplier order found",
		},
		{
			file: "several_numbers.eml", from: "bob@moebel.example",
			subject: "Orders 22-31 and 22-32", messageID: "<several-1@moebel.example>",
			date:      time.Date(2024, 5, 6, 11, 0, 0, 0, time.UTC),
			want:      Interpretation{Review: true},
			reasonHas: "several supplier order numbers in the subject (22-31, 22-32)",
		},
		{
			file: "auto_reply.eml", from: "bob@moebel.example",
			subject: "Automatic reply: Order 22-31 from Acme Shop", messageID: "<ooo-1@moebel.example>",
			inReplyTo: "<order.created.22-31@supplyhub.example>",
			date:      time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC),
			want:      Interpretation{Review: true, MatchedBy: MatchInReplyTo, Command: Command{SupplierOrderNumber: "22-31"}},
			reasonHas: "automatic reply (Auto-Submitted: auto-replied)",
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			raw := readEML(t, tt.file)
			p, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.From != tt.from || p.Subject != tt.subject || p.MessageID != tt.messageID || p.InReplyTo != tt.inReplyTo {
				t.Errorf("headers = from %q subject %q message-id %q in-reply-to %q, want %q %q %q %q",
					p.From, p.Subject, p.MessageID, p.InReplyTo, tt.from, tt.subject, tt.messageID, tt.inReplyTo)
			}
			if !slices.Equal(p.References, tt.references) {
				t.Errorf("References = %q, want %q", p.References, tt.references)
			}
			if !p.Date.Equal(tt.date) {
				t.Errorf("Date = %v, want %v", p.Date, tt.date)
			}
			if string(p.Raw) != string(raw) {
				t.Error("Raw is not the input")
			}
			for _, s := range tt.bodyHas {
				if !strings.Contains(p.Body, s) {
					t.Errorf("Body lacks %q:\n%s", s, p.Body)
				}
			}
			for _, s := range tt.bodyHasNot {
				if strings.Contains(p.Body, s) {
					t.Errorf("Body has %q:\n%s", s, p.Body)
				}
			}

			got := Interpret(p, testDomain)
			reason := got.Reason
			if tt.want.Review {
				if !strings.Contains(reason, tt.reasonHas) {
					t.Errorf("Reason = %q, want it to contain %q", reason, tt.reasonHas)
				}
				got.Reason = ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Interpret = %+v, want %+v (reason %q)", got, tt.want, reason)
			}
		})
	}
}

func TestParseBrokenMIMEStillReadsHeaders(t *testing.T) {
	raw := "From: bob@moebel.example\r\nSubject: Re: Order 22-31\r\nMessage-ID: <broken@x>\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--b--\r\n"
	p, err := Parse([]byte(raw))
	if err == nil {
		t.Fatalf("Parse of broken base64 = %q, want an error", p.Body)
	}
	if p.MessageID != "<broken@x>" || p.Subject != "Re: Order 22-31" || p.From != "bob@moebel.example" {
		t.Errorf("headers not kept on error: %+v", p)
	}
}

func TestParseNoContentTypeIsPlainText(t *testing.T) {
	p, err := Parse([]byte("From: a@b.example\nSubject: x\n\nDELIVERED\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Body != "DELIVERED\n" {
		t.Errorf("Body = %q", p.Body)
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		name, in string
		delSp    bool
		want     string
	}{
		{"soft break joins", "NOTE: a \nb\nc", false, "NOTE: a b\nc"},
		{"delsp removes the space", "NOTE: lo \nng", true, "NOTE: long"},
		{"signature separator stays", "x\n-- \nBob", false, "x\n-- \nBob"},
		{"space stuffing removed", " From here\n >x", false, "From here\n>x"},
		{"quote depth must match", "a \n> b \n> c\nd", false, "a \n> b c\nd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflow(tt.in, tt.delSp); got != tt.want {
				t.Errorf("unflow(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

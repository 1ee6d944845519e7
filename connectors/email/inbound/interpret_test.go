package inbound

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// replyTo is a Parsed reply to supplier order 22-31's email with body.
func replyTo(body string) Parsed {
	return Parsed{
		From: "bob@moebel.example", Subject: "Re: Order 22-31 from Acme Shop",
		InReplyTo: "<order.created.22-31@supplyhub.example>", Body: body,
	}
}

func TestInterpretCommands(t *testing.T) {
	const order = "22-31"
	tests := []struct {
		name   string
		body   string
		want   Command // SupplierOrderNumber is filled in below
		reason string  // non-empty: want Review with a Reason containing it
	}{
		{name: "accept", body: "ACCEPT", want: Command{Action: ActionAcknowledge}},
		{name: "acknowledge lower case", body: "acknowledge\n", want: Command{Action: ActionAcknowledge}},
		{name: "confirm with full stop and colon", body: "Confirm:\n", want: Command{Action: ActionAcknowledge}},
		{name: "confirm after greeting and blank lines", body: "\n\nHi team,\n\nCONFIRM!\n\nThanks, Bob", want: Command{Action: ActionAcknowledge}},
		{name: "accept with trailing words", body: "ACCEPT the order but late", reason: "ACCEPT takes nothing after it"},
		{name: "delivered", body: "  Delivered.  \r\n", want: Command{Action: ActionDeliver}},
		{name: "delivered with remark", body: "DELIVERED yesterday, one box missing", reason: "DELIVERED takes nothing after it"},
		{name: "shipped without url", body: "SHIPPED UPS 1Z999AA10123456784", want: Command{Action: ActionShip, Carrier: "UPS", Tracking: "1Z999AA10123456784"}},
		{name: "shipped with colon and url", body: "shipped: DHL 00340434 http://dhl.example/t/00340434\n\nBob",
			want: Command{Action: ActionShip, Carrier: "DHL", Tracking: "00340434", TrackingURL: "http://dhl.example/t/00340434"}},
		{name: "shipped without tracking", body: "SHIPPED DHL", reason: "SHIPPED needs a carrier and a tracking number"},
		{name: "shipped bare", body: "SHIPPED", reason: "SHIPPED needs a carrier and a tracking number"},
		{name: "shipped carrier with space", body: "SHIPPED Royal Mail", reason: `tracking number "Mail" contains no digit`},
		{name: "shipped too many words", body: "SHIPPED Royal Mail AB123456789GB https://x.example", reason: "SHIPPED needs a carrier"},
		{name: "shipped ftp url", body: "SHIPPED DHL 123 ftp://dhl.example/123", reason: `tracking URL "ftp://dhl.example/123" is not an http or https URL`},
		{name: "shipped non-url third word", body: "SHIPPED Royal Mail AB123", reason: `tracking number "Mail" contains no digit`},
		{name: "shipped third word not a url", body: "SHIPPED DHL 123 tomorrow", reason: `tracking URL "tomorrow" is not an http or https URL`},
		{name: "cancel with colon", body: "CANCEL: out of stock", want: Command{Action: ActionCancel, Note: "out of stock"}},
		{name: "cancel without colon, note on following lines", body: "Cancel\nSize 42 is sold out.\nSorry.\n\n-- \nBob",
			want: Command{Action: ActionCancel, Note: "Size 42 is sold out.\nSorry."}},
		{name: "cancel note keeps command words below", body: "CANCEL: out of stock\nSHIPPED nothing",
			want: Command{Action: ActionCancel, Note: "out of stock\nSHIPPED nothing"}},
		{name: "cancel without note", body: "CANCEL:\n\n> CANCEL: quoted", reason: "CANCEL needs a note"},
		{name: "cancel with only punctuation", body: "CANCEL!", reason: "CANCEL needs a note"},
		{name: "reject", body: "REJECT: price changed", want: Command{Action: ActionReject, Note: "price changed"}},
		{name: "reject without note", body: "reject", reason: "REJECT needs a note"},
		{name: "reject alone, reason below", body: "REJECT\nprice changed", want: Command{Action: ActionReject, Note: "price changed"}},
		{name: "reject prose without colon", body: "Reject is not an option for us", reason: `REJECT must be followed by a colon`},
		{name: "note without colon", body: "Note that we ship Monday", reason: `NOTE must be followed by a colon`},
		{name: "backorder without colon", body: "BACKORDER until May", reason: `BACKORDER must be followed by a colon`},
		{name: "backorder bare", body: "BACKORDER", want: Command{Action: ActionBackorder}},
		{name: "backorder with note", body: "Backorder: back in stock in week 23", want: Command{Action: ActionBackorder, Note: "back in stock in week 23"}},
		{name: "note", body: "NOTE: driver calls ahead\nGate 4", want: Command{Action: ActionNote, Note: "driver calls ahead\nGate 4"}},
		{name: "note empty", body: "NOTE:", reason: "NOTE needs a note"},
		{name: "empty body", body: "", reason: "no command: the reply has no text of its own"},
		{name: "only a quote", body: "> ACCEPT\n> SHIPPED DHL 1", reason: "no command: the reply has no text of its own"},
		{name: "prose", body: "Thanks, we will look into it.", reason: `no command: the first line "Thanks, we will look into it." is none of`},
		{name: "command word in prose is not obeyed", body: "Hello, sadly we have to\ncancel this order.", reason: `CANCEL appears 1 line(s) below but is only read as a command on the first line`},
		{name: "unknown command", body: "SHIPPING DHL 123", reason: `unknown command "SHIPPING"`},
		{name: "malformed command word", body: "SHIPPED-DHL-123", reason: "put a space or a colon after SHIPPED"},
		{name: "word that merely starts like a command", body: "Accepted, thanks", reason: "no command"},
		{name: "two commands", body: "ACCEPT\nSHIPPED DHL 123", reason: "more than one command: ACCEPT, then SHIPPED 1 line(s) below"},
		{name: "line answers", body: "Hello,\nline 1: backorder 2026-12-20\n\nLine 3 - reject out_of_range Discontinued\nline 2: quantity 2 only two left\nLINE 4: accept\nwe ship the rest on Monday\n\nBest regards,\nBob",
			want: Command{Action: ActionLines, Note: "we ship the rest on Monday", Lines: []LineAnswer{
				{Position: 1, Action: "backorder", ExpectedDate: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)},
				{Position: 3, Action: "reject", ReasonCode: "out_of_range", Reason: "Discontinued"},
				{Position: 2, Action: "change_quantity", Quantity: 2, Reason: "only two left"},
				{Position: 4, Action: "accept"}}}},
		{name: "line answer without date", body: "line 1: backorder soon", reason: `backorder: "soon" is not a date`},
		{name: "line answer without reason", body: "line 2: reject", reason: "reject needs a reason code"},
		{name: "line answer in prose", body: "Line 2 is out of stock, sorry", reason: `unknown line answer "is"`},
		{name: "line answered twice", body: "line 2: accept\nline 2: reject oos", reason: "line 2 is answered twice"},
		{name: "line answers then a command", body: "line 2: accept\nCANCEL: all", reason: "line answers, then CANCEL 1 line(s) below"},
		{name: "signature", body: "DELIVERED\n-- \nBob\nCANCEL: sig", want: Command{Action: ActionDeliver}},
		{name: "signature without trailing space", body: "DELIVERED\n--\nNOTE: sig", want: Command{Action: ActionDeliver}},
		{name: "quote marker", body: "DELIVERED\n> NOTE: quoted", want: Command{Action: ActionDeliver}},
		{name: "indented quote marker", body: "CANCEL: no stock\n  > quoted text", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "on wrote", body: "CANCEL: no stock\nOn Wed, 1 May 2024 at 10:31, Supplyhub <o@s.example> wrote:\nNOTE: x",
			want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "wrapped on wrote", body: "CANCEL: no stock\nOn Wed, 1 May 2024 at 10:31, Supplyhub <o@s.example>\nwrote:\n\nNOTE: x",
			want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "french attribution", body: "NOTE: livraison lundi\nLe mer. 1 mai 2024 à 10:31, Supplyhub a écrit :\n> x",
			want: Command{Action: ActionNote, Note: "livraison lundi"}},
		{name: "german attribution", body: "NOTE: Lieferung Montag\nAm 01.05.2024 um 10:31 schrieb Supplyhub <o@s.example>:\n> x",
			want: Command{Action: ActionNote, Note: "Lieferung Montag"}},
		{name: "original message", body: "REJECT: wrong price\n\n-----Original Message-----\nFrom: Supplyhub\nACCEPT",
			want: Command{Action: ActionReject, Note: "wrong price"}},
		{name: "forwarded header block", body: "NOTE: see below\nFrom: Supplyhub <o@s.example>\nSent: Wednesday\nTo: bob\nCANCEL: x",
			want: Command{Action: ActionNote, Note: "see below"}},
		{name: "outlook bold header block", body: "NOTE: see below\n*From:* Supplyhub <o@s.example>\n*Sent:* Wednesday\n",
			want: Command{Action: ActionNote, Note: "see below"}},
		{name: "from line alone is prose", body: "NOTE: parcel left\nFrom: the warehouse in Kassel, gate 4",
			want: Command{Action: ActionNote, Note: "parcel left\nFrom: the warehouse in Kassel, gate 4"}},
		{name: "closing ends the note", body: "CANCEL: hammers damaged\n\nBest regards,\nJohn Smith\nTools GmbH",
			want: Command{Action: ActionCancel, Note: "hammers damaged"}},
		{name: "closing without comma", body: "REJECT: price changed\nsee new list\nKind regards\nAnna",
			want: Command{Action: ActionReject, Note: "price changed\nsee new list"}},
		{name: "german closing", body: "CANCEL: Hämmer beschädigt\n\nMit freundlichen Grüßen\nJürgen", want: Command{Action: ActionCancel, Note: "Hämmer beschädigt"}},
		{name: "french closing", body: "CANCEL: rupture de stock\n\nCordialement,\nMarie", want: Command{Action: ActionCancel, Note: "rupture de stock"}},
		{name: "thanks alone ends the note", body: "NOTE: gate 4\nThanks!\nBob", want: Command{Action: ActionNote, Note: "gate 4"}},
		{name: "thanks in a sentence is kept", body: "NOTE: thanks to the strike we ship late\nCheers mate, see you", want: Command{Action: ActionNote, Note: "thanks to the strike we ship late\nCheers mate, see you"}},
		{name: "sent from my iphone", body: "CANCEL: no stock\n\nSent from my iPhone", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "german iphone", body: "CANCEL: kein Bestand\n\nVon meinem iPhone gesendet", want: Command{Action: ActionCancel, Note: "kein Bestand"}},
		{name: "get outlook", body: "CANCEL: no stock\n\nGet Outlook for Android", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "apple mail attribution", body: "CANCEL: no stock\n\n> On 1 May 2024, at 10:31, Supplyhub <o@s.example> wrote:\n", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "apple mail attribution unquoted", body: "CANCEL: no stock\nOn 1 May 2024, at 10:31, Supplyhub <o@s.example> wrote:\n\n> x", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "wrapped attribution split inside the address", body: "CANCEL: no stock\n\nOn Wed, 1 May 2024 at 10:31, Supplyhub <\norders@s.example> wrote:\n> x", want: Command{Action: ActionCancel, Note: "no stock"}},
		{name: "inner blank lines kept", body: "CANCEL: no stock\n\nsecond paragraph\n\n\n", want: Command{Action: ActionCancel, Note: "no stock\n\nsecond paragraph"}},
		{name: "outlook underscores", body: "DELIVERED\n\n________________________________\nFrom: x\nSHIPPED DHL 1",
			want: Command{Action: ActionDeliver}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Interpret(replyTo(tt.body), testDomain)
			if tt.reason != "" {
				if !got.Review || !strings.Contains(got.Reason, tt.reason) {
					t.Fatalf("Interpret = %+v, want Review with reason containing %q", got, tt.reason)
				}
				if !reflect.DeepEqual(got.Command, Command{SupplierOrderNumber: order}) {
					t.Errorf("Command = %+v, want only the supplier order number", got.Command)
				}
				return
			}
			tt.want.SupplierOrderNumber = order
			if got.Review || !reflect.DeepEqual(got.Command, tt.want) || got.MatchedBy != MatchInReplyTo {
				t.Errorf("Interpret = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInterpretMatching(t *testing.T) {
	tests := []struct {
		name   string
		p      Parsed
		number string
		by     MatchSource
		review string
	}{
		{name: "in-reply-to wins over subject", p: Parsed{InReplyTo: "<order.created.22-31@supplyhub.example>", Subject: "Re: 22-40"},
			number: "22-31", by: MatchInReplyTo},
		{name: "domain is case-insensitive", p: Parsed{InReplyTo: "<order.cancelled.22-31@SupplyHub.Example>"}, number: "22-31", by: MatchInReplyTo},
		{name: "last of ours in references", p: Parsed{References: []string{"<order.created.22-30@supplyhub.example>", "<order.cancelled.22-31@supplyhub.example>", "<x@elsewhere>"}},
			number: "22-31", by: MatchReferences},
		{name: "non-order kind is skipped", p: Parsed{InReplyTo: "<alert.17@supplyhub.example>", References: []string{"<order.created.22-31@supplyhub.example>", "<alert.17@supplyhub.example>"}},
			number: "22-31", by: MatchReferences},
		{name: "alert reply falls back to subject", p: Parsed{InReplyTo: "<alert.17@supplyhub.example>", Subject: "Re: about 7-AB_c"},
			number: "7-AB_c", by: MatchSubject},
		{name: "foreign domain falls back to subject", p: Parsed{InReplyTo: "<order.created.22-31@evil.example>", Subject: "Re: Order 22-32"},
			number: "22-32", by: MatchSubject},
		{name: "same number twice in subject", p: Parsed{Subject: "22-31: Order 22-31"}, number: "22-31", by: MatchSubject},
		{name: "no number", p: Parsed{Subject: "Hello"}, review: `its subject "Hello" names no supplier order number`},
		{name: "several numbers", p: Parsed{Subject: "22-31 or 22-32?"}, review: "(22-31, 22-32)"},
		{name: "digits alone are not a number", p: Parsed{Subject: "Order 2231"}, review: "names no supplier order number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Body = "DELIVERED"
			got := Interpret(tt.p, testDomain)
			if tt.review != "" {
				if !got.Review || !strings.Contains(got.Reason, tt.review) || !reflect.DeepEqual(got.Command, Command{}) || got.MatchedBy != "" {
					t.Errorf("Interpret = %+v, want unmatched Review with reason containing %q", got, tt.review)
				}
				return
			}
			want := Interpretation{MatchedBy: tt.by, Command: Command{Action: ActionDeliver, SupplierOrderNumber: tt.number}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Interpret = %+v, want %+v", got, want)
			}
		})
	}
}

package inbound

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestReplyCorpus is the golden table of realistic replies in
// testdata/replies, one per mail client and habit: what command each one
// carries and exactly what its note keeps. Every file there must have a row,
// so a new sample cannot be added without saying what it means.
func TestReplyCorpus(t *testing.T) {
	const n = "22-31"
	want := map[string]Command{
		"gmail_cancel_best_regards.eml": {Action: ActionCancel, Note: "hammers damaged"},
		"gmail_wrapped_attribution.eml": {Action: ActionReject, Note: "price changed since the catalogue\nNew unit price is 14.90 EUR."},
		"outlook_desktop_reject.eml":    {Action: ActionReject, Note: "unit price is now 14,90 € – see attached list"},
		"outlook_web_html_shipped.eml": {Action: ActionShip, Carrier: "DHL", Tracking: "00340434161234567890",
			TrackingURL: "https://www.dhl.de/track?piececode=00340434161234567890"},
		"outlook_original_message_backorder.eml": {Action: ActionBackorder, Note: "back in stock in week 2"},
		"apple_mail_cancel.eml": {Action: ActionCancel,
			Note: "the customer's address is outside our delivery area (Corsica). We can only deliver to mainland France."},
		"iphone_shipped.eml":             {Action: ActionShip, Carrier: "UPS", Tracking: "1Z999AA10123456784"},
		"thunderbird_note_signature.eml": {Action: ActionNote, Note: "the driver calls 30 minutes ahead; please make sure someone is at gate 4."},
		"german_qp_cancel.eml":           {Action: ActionCancel, Note: "Hämmer beim Transport beschädigt,\nErsatz frühestens im Januar."},
		"german_gmail_schrieb.eml":       {Action: ActionBackorder, Note: "Lieferung voraussichtlich KW 3"},
		"german_outlook_von_gesendet.eml": {Action: ActionCancel,
			Note: "Artikel nicht mehr lieferbar.\nBitte beim Kunden entschuldigen."},
		"french_gmail_cancel.eml":              {Action: ActionCancel, Note: "rupture de stock sur ce modèle"},
		"french_outlook_iphone.eml":            {Action: ActionAcknowledge},
		"bottom_posting_cancel.eml":            {Action: ActionCancel, Note: "out of stock until March"},
		"bottom_posting_signature.eml":         {Action: ActionShip, Carrier: "GLS", Tracking: "12345678901"},
		"html_only_greeting_note.eml":          {Action: ActionNote, Note: "partial shipment – 1 of 2 hammers today,\nthe second one on Friday."},
		"yahoo_confirm_footer.eml":             {Action: ActionAcknowledge},
		"subject_only_delivered.eml":           {Action: ActionDeliver},
		"gmail_signed_reply_authenticated.eml": {Action: ActionShip, Carrier: "DHL", Tracking: "00340434161234567890"},
		"spoofed_from_dmarc_fail.eml":          {Action: ActionCancel, Note: "customer changed their mind"},
	}
	// What the handler's trust checks say (supplier "moebel", trustKeys,
	// mail.inbound defaults); every other sample carries no valid token.
	trust := map[string]struct{ token, auth string }{
		"gmail_signed_reply_authenticated.eml": {},
		"spoofed_from_dmarc_fail.eml":          {token: "no valid reply token: the mail carries none", auth: "authentication failed: dmarc=fail"},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "replies", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("testdata/replies/%s is missing", name)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expected command for testdata/replies/%s: add a row", name)
			}
			raw, err := os.ReadFile(filepath.Join("testdata", "replies", name))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := Interpret(p, testDomain)
			w.SupplierOrderNumber = n
			if got.Review || !reflect.DeepEqual(got.Command, w) {
				t.Errorf("got %+v (review %v: %s)\nwant %+v", got.Command, got.Review, got.Reason, w)
			}
			tr, ok := trust[name]
			if !ok {
				tr.token = "no valid reply token"
			}
			tokenReason := CheckToken(p, n, "moebel", trustKeys)
			if (tr.token == "") != (tokenReason == "") || !strings.Contains(tokenReason, tr.token) {
				t.Errorf("CheckToken = %q, want %q", tokenReason, tr.token)
			}
			if authReason := CheckAuth(p, AuthPolicy{}); authReason != tr.auth {
				t.Errorf("CheckAuth = %q, want %q", authReason, tr.auth)
			}
		})
	}
}

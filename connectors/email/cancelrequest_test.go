package email

import (
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// TestRenderCancelRequestEmails renders the request (to the supplier) and
// both answers (to the retailer), whole and by line.
func TestRenderCancelRequestEmails(t *testing.T) {
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	so := testSupplierOrder()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	lines := &pipeline.CancelRequestView{ID: 7, State: "requested", Lines: []store.CancelLine{{Position: 1, Quantity: 1}, {Position: 2}},
		Reason: "customer moved", AnswerBy: at.Add(24 * time.Hour)}
	whole := &pipeline.CancelRequestView{ID: 8, State: "refused", Whole: true, Lines: []store.CancelLine{}, Reason: "customer moved",
		SupplierNote: "already packed", AnswerBy: at}
	accepted := *lines
	accepted.State = "accepted"
	for _, tt := range []struct {
		tmpl    string
		cr      *pipeline.CancelRequestView
		subject string
		want    []string
	}{
		{TemplateCancelRequest, lines, "Cancellation requested: order 22-31 from Acme Shop",
			[]string{"some lines of order 22-31", "Line 1: 1 unit(s)", "Line 2: the whole line", "customer moved", "ACCEPT CANCELLATION", "REFUSE CANCELLATION:", "/api/v1/supplier/cancellation-requests/7/answer", "2026-12-01 09:00 UTC"}},
		{TemplateCancelAnswer, whole, "Cancellation refused: order 1001 (shop-1001), items from moebel",
			[]string{"was REFUSED", "already packed", "supplier order 22-31", "by supplier 31 (email)"}},
		{TemplateCancelAnswer, &accepted, "Cancellation accepted: order 1001 (shop-1001), items from moebel",
			[]string{"was ACCEPTED", "some lines of supplier order 22-31", "Line 2: the whole line"}},
	} {
		subject, text, _, err := r.Render(tt.tmpl, Data{Order: &so.Order, SupplierOrder: so, Values: map[string]any{
			"Request": tt.cr, "Actor": "supplier 31", "Channel": "email", "OccurredAt": at}})
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		if subject != tt.subject {
			t.Errorf("%s subject %q, want %q", tt.tmpl, subject, tt.subject)
		}
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s (%s) lacks %q:\n%s", tt.tmpl, tt.cr.State, w, text)
			}
		}
	}
}

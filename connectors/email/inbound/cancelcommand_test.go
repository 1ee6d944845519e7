package inbound

import (
	"reflect"
	"strings"
	"testing"
)

func TestInterpretCancellationAnswers(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   Command
		reason string
	}{
		{name: "accept", body: "ACCEPT CANCELLATION", want: Command{Action: ActionAcceptCancellation}},
		{name: "accept lower case after greeting", body: "Hi team,\n\naccept cancellation.\n\nBob", want: Command{Action: ActionAcceptCancellation}},
		{name: "accept with a note", body: "Accept cancellation: no problem\n> quoted", want: Command{Action: ActionAcceptCancellation, Note: "no problem"}},
		{name: "accept with words but no colon", body: "ACCEPT CANCELLATION if you pay the fee", reason: "must be followed by a colon"},
		{name: "refuse with reason", body: "refuse cancellation: already packed", want: Command{Action: ActionRefuseCancellation, Note: "already packed"}},
		{name: "refuse with reason below", body: "REFUSE CANCELLATION\nalready on the truck\n\n-- \nBob", want: Command{Action: ActionRefuseCancellation, Note: "already on the truck"}},
		{name: "refuse without reason", body: "REFUSE CANCELLATION!", reason: "REFUSE CANCELLATION needs a reason"},
		{name: "plain accept still acknowledges", body: "ACCEPT", want: Command{Action: ActionAcknowledge}},
		{name: "accept cancellations is prose", body: "ACCEPT cancellations are fine", reason: "ACCEPT takes nothing after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Interpret(replyTo(tt.body), "supplyhub.example")
			if tt.reason != "" {
				if !in.Review || !strings.Contains(in.Reason, tt.reason) {
					t.Fatalf("got %+v, want review with %q", in, tt.reason)
				}
				return
			}
			tt.want.SupplierOrderNumber = "22-31"
			if in.Review || !reflect.DeepEqual(in.Command, tt.want) {
				t.Fatalf("got %+v (%s), want %+v", in.Command, in.Reason, tt.want)
			}
		})
	}
}

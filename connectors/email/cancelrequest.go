package email

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/pipeline"
)

// Templates of cancellation request emails: the request, to the supplier
// (answered by reply), and the supplier's answer, to the retailer.
const (
	TemplateCancelRequest = "cancel_request"
	TemplateCancelAnswer  = "cancel_answer"
)

// cancelRequestOf reads the cancellation request a change is about (its
// history event's data), or nil for any other change.
func cancelRequestOf(c *pipeline.Change) *pipeline.CancelRequestView {
	if c == nil || !strings.HasPrefix(c.Type, "cancellation_request.") {
		return nil
	}
	raw, ok := c.Data.(json.RawMessage)
	if !ok {
		return nil
	}
	var d struct {
		Request *pipeline.CancelRequestView `json:"cancellation_request"`
	}
	if json.Unmarshal(raw, &d) != nil {
		return nil
	}
	return d.Request
}

// cancelRequestMessageID is the Message-ID of a request email to the
// supplier: its kind starts with "order." and its id is the supplier
// order number, so a reply is matched to the order (see inbound), and the
// event id in the kind keeps two requests on one order apart.
func cancelRequestMessageID(number, token, domain string, eventID int64) string {
	return SignedMessageID(fmt.Sprintf("order.cancellation-request.e%d", eventID), number, token, domain)
}

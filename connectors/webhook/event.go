package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Event types sent in the envelope's "type" field.
const (
	EventOrderCreated               = domain.EventOrderCreated
	EventOrderCancelled             = domain.EventOrderCancelled
	EventSupplierOrderStatusChanged = "supplier_order.status_changed"
	EventSupplierOrderShipped       = "supplier_order.shipped"
	EventSupplierOrderCancelled     = "supplier_order.cancelled"
	EventOrderStatusChanged         = "order.status_changed"
	EventSupplierOrderOverdue       = "supplier_order.overdue"
	// Line-level changes: answers that cancel nothing, and those that
	// reject or cancel lines or units (see pipeline/notify.go).
	EventSupplierOrderLinesChanged   = "supplier_order.lines_changed"
	EventSupplierOrderLinesCancelled = "supplier_order.lines_cancelled"
	// Cancellation requests: to the supplier when a retailer asks, to the
	// retailer when the supplier answers (see pipeline.EventCancelRequest*).
	EventCancelRequestCreated  = "cancellation_request.created"
	EventCancelRequestAccepted = "cancellation_request.accepted"
	EventCancelRequestRefused  = "cancellation_request.refused"
)

// Event is the Standard Webhooks envelope: {"type","timestamp","data"}.
type Event struct {
	Type      string
	Timestamp time.Time
	Data      any
}

// MarshalJSON writes the envelope with an RFC 3339 UTC timestamp.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      any    `json:"data"`
	}{e.Type, e.Timestamp.UTC().Format(time.RFC3339Nano), e.Data})
}

// NewMessage marshals ev into a Message with the given stable id.
func NewMessage(id string, ev Event) (Message, error) {
	switch {
	case id == "":
		return Message{}, errors.New("new message: empty id")
	case ev.Type == "":
		return Message{}, errors.New("new message: empty event type")
	case ev.Timestamp.IsZero():
		// Defaulting to now would hide a caller that forgot the event time.
		return Message{}, fmt.Errorf("new message %s: zero event timestamp", id)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return Message{}, fmt.Errorf("new message %s: marshal %s: %w", id, ev.Type, err)
	}
	return Message{ID: id, Type: ev.Type, Timestamp: ev.Timestamp, Body: body}, nil
}

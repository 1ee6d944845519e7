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
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	return e.envelope(data)
}

// envelope writes the envelope around data, which must be JSON as
// json.Marshal writes it: compact, with <, > and & escaped. It is copied
// in, not marshalled again: a delivery's stored snapshot (checked by the
// dispatcher, see pipeline.SnapshotChannel) goes out without another
// scan, which json.Marshal of a json.RawMessage would make (it compacts
// the bytes, twice here with the outer Marshal). The bytes are those the
// envelope's struct {type, timestamp, data} marshals to.
func (e Event) envelope(data []byte) ([]byte, error) {
	head, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}{e.Type, e.Timestamp.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return nil, err
	}
	return withLast(head, "data", data), nil
}

// withLast is obj, a JSON object of at least one member as json.Marshal
// writes it, with member key (plain ASCII, nothing to escape): raw added
// last, as marshalling a struct with that field last would write it when
// raw is what json.Marshal writes for the field's value.
func withLast(obj []byte, key string, raw []byte) []byte {
	b := make([]byte, 0, len(obj)+len(key)+len(raw)+4)
	b = append(b, obj[:len(obj)-1]...) // without its closing brace
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	b = append(b, raw...)
	return append(b, '}')
}

// NewMessage marshals ev into a Message with the given stable id.
func NewMessage(id string, ev Event) (Message, error) {
	return newMessage(id, ev, nil)
}

// newMessage is NewMessage with, when data is not nil, ev's data already
// JSON as json.Marshal writes it (ev.Data unused): a delivery's snapshot,
// which the dispatcher has checked (see pipeline.DeliveryRequest.Snapshot),
// copied as it is.
func newMessage(id string, ev Event, data json.RawMessage) (Message, error) {
	if err := ev.check(id); err != nil {
		return Message{}, err
	}
	var body []byte
	var err error
	if data == nil {
		// ev.MarshalJSON, not json.Marshal(ev), which would scan
		// (compact) the finished body once more for nothing.
		body, err = ev.MarshalJSON()
	} else {
		body, err = ev.envelope(data)
	}
	if err != nil {
		return Message{}, fmt.Errorf("new message %s: marshal %s: %w", id, ev.Type, err)
	}
	return Message{ID: id, Type: ev.Type, Timestamp: ev.Timestamp, Body: body}, nil
}

// check refuses what no message may lack.
func (e Event) check(id string) error {
	switch {
	case id == "":
		return errors.New("new message: empty id")
	case e.Type == "":
		return errors.New("new message: empty event type")
	case e.Timestamp.IsZero():
		// Defaulting to now would hide a caller that forgot the event time.
		return fmt.Errorf("new message %s: zero event timestamp", id)
	}
	return nil
}

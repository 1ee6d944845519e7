package webhook

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNewMessage(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	msg, err := NewMessage("del_42", Event{
		Type:      EventSupplierOrderShipped,
		Timestamp: ts,
		Data:      map[string]any{"number": "22-31"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if msg.ID != "del_42" || msg.Type != EventSupplierOrderShipped || !msg.Timestamp.Equal(ts) {
		t.Fatalf("message fields: %+v", msg)
	}
	var env struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(msg.Body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "supplier_order.shipped" || env.Timestamp != "2024-05-01T10:00:00Z" || string(env.Data) != `{"number":"22-31"}` {
		t.Fatalf("envelope %s", msg.Body)
	}
}

func TestNewMessageRejects(t *testing.T) {
	ok := Event{Type: EventOrderCreated, Timestamp: time.Now(), Data: 1}
	cases := map[string]struct {
		id string
		ev Event
	}{
		"empty id":       {"", ok},
		"empty type":     {"x", Event{Timestamp: time.Now()}},
		"zero timestamp": {"x", Event{Type: EventOrderCreated}},
		"unmarshalable":  {"x", Event{Type: EventOrderCreated, Timestamp: time.Now(), Data: make(chan int)}},
	}
	for name, c := range cases {
		if _, err := NewMessage(c.id, c.ev); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// hookSink is a webhook receiver keeping the bodies it gets.
type hookSink struct {
	mu     sync.Mutex
	bodies [][]byte
	ch     *webhook.Channel
	conf   domain.Channel
}

func newHookSink(t *testing.T) *hookSink {
	s := &hookSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, b)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	c := webhook.NewClient(webhook.Options{Allow: loop})
	t.Cleanup(c.Close)
	s.ch = webhook.NewChannel(c, webhook.NewGuard(loop), 5*time.Second)
	settings, _ := json.Marshal(map[string]string{"url": srv.URL, "secret": webhook.NewSecret()})
	s.conf = domain.Channel{Name: "hook", Type: domain.ChannelWebhook, Settings: settings}
	return s
}

// send renders the delivery as the dispatcher does and delivers it; it
// returns the body the receiver got (nil if none).
func (s *hookSink) send(t *testing.T, req *pipeline.DeliveryRequest, live *domain.SupplierOrder, snap []byte) ([]byte, pipeline.Result, error) {
	t.Helper()
	if err := pipeline.Render(req, s.ch, live, snap); err != nil {
		return nil, pipeline.Result{}, err
	}
	req.Channel = s.conf
	s.mu.Lock()
	n := len(s.bodies)
	s.mu.Unlock()
	res, err := s.ch.Deliver(context.Background(), req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == n {
		return nil, res, err
	}
	return s.bodies[n], res, err
}

// oldBody is the body as it was built before snapshots were sent as
// they are: the snapshot decoded into the struct, the struct marshalled
// into the envelope (by webhook.Event's MarshalJSON then), and that
// marshalled once more by NewMessage's json.Marshal(ev) (which compacts a
// Marshaler's output).
func oldBody(t *testing.T, del *domain.Delivery, change *pipeline.Change, live *domain.SupplierOrder, snap []byte) []byte {
	t.Helper()
	so := live
	if len(snap) > 0 {
		so = new(domain.SupplierOrder)
		if err := json.Unmarshal(snap, so); err != nil {
			t.Fatal(err)
		}
	} else if del.Event == domain.EventOrderCreated {
		// eventSnapshot.
		c := *live
		c.Status, c.Version, c.UpdatedAt, c.RetrievedAt = domain.StatusNew, 1, live.CreatedAt, nil
		so = &c
	}
	typ, ts, data := del.Event, del.CreatedAt, any(so)
	if change != nil {
		typ, ts, data = change.Type, change.OccurredAt, struct {
			OrderNumber   string           `json:"order_number"`
			ExternalID    string           `json:"external_id"`
			Change        *pipeline.Change `json:"change"`
			SupplierOrder any              `json:"supplier_order"`
		}{so.Order.Number, so.Order.ExternalID, change, so}
	}
	env, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      any    `json:"data"`
	}{typ, ts.UTC().Format(time.RFC3339Nano), data})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(json.RawMessage(env))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// snapshotOrders are supplier orders whose snapshots must go out as the
// old path rendered them.
func snapshotOrders() map[string]*domain.SupplierOrder {
	cest := time.FixedZone("CEST", 2*3600)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 123456789, cest)
	plain := &domain.SupplierOrder{ID: 7, OrderID: 3, SupplierID: 2, Number: "22-31", Supplier: "31", Status: domain.StatusNew,
		Lines: []domain.Line{{ID: 11, Position: 1, SKU: "A-1", Supplier: "31", Name: "Hammer", Quantity: 2, UnitPrice: 1250, Total: 2500,
			Status: domain.LineOpen}},
		ItemTotal: 2500, Shipping: 500, CommissionBP: 220, Commission: 55, Payout: 2945, Version: 1,
		Order: domain.OrderHeader{Number: "22", ExternalID: "A-22", Retailer: "shop", PlacedAt: t0, Currency: "EUR",
			Customer:        domain.Customer{Name: "Ann"},
			ShippingAddress: domain.Address{Name: "Ann", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}},
		CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}
	tricky := *plain
	tricky.Number, tricky.Status, tricky.Version = "22-<31>&", domain.StatusPartiallyCancelled, 4
	tricky.Order.Notes = "<script>alert('x')</script> & \"quotes\" \\ back\tslash\r\nnew line \u2028\u2029 \x01"
	tricky.Order.ExternalID = "ext<&>"
	tricky.Order.Customer = domain.Customer{Type: domain.CustomerB2B, Name: "Zoë Ñúñez 日本 😀", Company: "A&B <GmbH>",
		Email: "zoë@exämple.com", Phone: "+33 1 23 45 67 89"}
	tricky.Order.ShippingAddress = domain.Address{Name: "Ŀ Ω ß", Company: "Ärger & Co", Line1: "Straße 1", Line2: "c/o <x>",
		City: "Köln", Region: "NRW", PostalCode: "50667", Country: "DE"}
	tricky.RetrievedAt = &t0 // never part of a snapshot
	tricky.ItemTotal, tricky.Shipping, tricky.Commission, tricky.Payout = 99999999999, 0, -1, -9223372036854775808
	tricky.Lines = []domain.Line{
		{ID: 1, Position: 1, SKU: "S<1>", Supplier: "31", Name: "Saw & blade", Quantity: 5, UnitPrice: 1999, Discount: 995,
			Total: 9000, Options: map[string]string{"size": "XL", "colour": "red & <blue>", "ß": "ü", "": "empty key", "a\"b": "c\\d"},
			Status: domain.LineCancelled, AcceptedQty: 2, CancelledQty: 3, ReasonCode: "out_of_stock", Reason: "Sold <out> & gone",
			CatalogFlag: "price_mismatch"},
		{ID: 2, Position: 2, SKU: "B-2", Supplier: "31", Name: "Bolts", Quantity: 1000000, UnitPrice: 1, Total: 1000000,
			Options: map[string]string{}, Status: domain.LineBackordered, ExpectedDate: "2026-12-20", ShippedQty: 10},
		{Position: 3, SKU: "Z", Supplier: "31", Name: "Zero", Quantity: 1, UnitPrice: 0, Total: 0},
	}
	empty := &domain.SupplierOrder{Number: "1-1", CreatedAt: t0, UpdatedAt: t0, Order: domain.OrderHeader{PlacedAt: t0}}
	return map[string]*domain.SupplierOrder{"plain": plain, "html, unicode, money, options, cancelled": &tricky, "empty": empty}
}

// TestWebhookBodyFromSnapshot: a webhook sends the delivery's snapshot as
// it is stored, and the body is byte for byte what decoding the snapshot
// and marshalling the struct gave (signatures and receivers' dedupe rely
// on a delivery's bytes never changing), for order.created and for a
// retailer notification, which carries the snapshot as supplier_order.
// A delivery without a snapshot still renders the live row.
func TestWebhookBodyFromSnapshot(t *testing.T) {
	sink := newHookSink(t)
	created := time.Date(2026, 11, 22, 10, 0, 1, 500, time.UTC)
	change := &pipeline.Change{Type: "supplier_order.status_changed", EventID: 9, From: "new", To: "acknowledged",
		Note: "<ok> & done", Actor: "supplier:31", Channel: "api", Data: json.RawMessage(`{"tracking":{"carrier":"DHL"}}`),
		OccurredAt: created.Add(time.Minute)}
	for name, so := range snapshotOrders() {
		snap, err := pipeline.EncodeSnapshot(so)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range []*pipeline.Change{nil, change} {
			event := domain.EventOrderCreated
			if ch != nil {
				event = pipeline.NotificationEvent(ch.Type, ch.EventID)
			}
			del := &domain.Delivery{ID: 42, SupplierOrderID: so.ID, SupplierID: so.SupplierID, Event: event, CreatedAt: created}
			for _, s := range []struct {
				what string
				snap []byte
			}{{"snapshot", snap}, {"no snapshot", nil}, {"empty snapshot", []byte{}}} {
				t.Run(name+"/"+event+"/"+s.what, func(t *testing.T) {
					req := &pipeline.DeliveryRequest{Delivery: del, Change: ch}
					got, _, err := sink.send(t, req, so, s.snap)
					if err != nil {
						t.Fatal(err)
					}
					if len(s.snap) > 0 && (req.Snapshot == nil || (ch == nil && req.SupplierOrder != nil)) {
						t.Errorf("the snapshot was decoded for the webhook (Snapshot %d bytes, SupplierOrder %v)", len(req.Snapshot), req.SupplierOrder != nil)
					}
					if want := oldBody(t, del, ch, so, s.snap); !bytes.Equal(got, want) {
						t.Errorf("body differs from the decoded and marshalled one:\n got %s\nwant %s", got, want)
					}
					if ch == nil && len(s.snap) > 0 && !bytes.Contains(got, s.snap) {
						t.Errorf("body does not hold the snapshot as stored:\n%s", got)
					}
				})
			}
		}
	}
}

// TestDamagedSnapshot: a snapshot that is not JSON is refused before any
// attempt with the error it always had; one that is a JSON object but
// not a supplier order is refused once a retailer notification needs its
// fields, as a *SnapshotError and permanent, with nothing sent.
func TestDamagedSnapshot(t *testing.T) {
	sink := newHookSink(t)
	live := snapshotOrders()["plain"]
	del := &domain.Delivery{ID: 42, Event: domain.EventOrderCreated, CreatedAt: time.Now()}
	for _, snap := range []string{`{"number":"22-31"`, `not json`, `{"number":"22-31"}x`, `{"number":"22-31",}`} {
		req := &pipeline.DeliveryRequest{Delivery: del}
		got, _, err := sink.send(t, req, live, []byte(snap))
		var serr *pipeline.SnapshotError
		if !errors.As(err, &serr) || serr.DeliveryID != 42 || !strings.Contains(err.Error(), "delivery 42: decode snapshot: ") || got != nil {
			t.Errorf("snapshot %q: error %v, body %q", snap, err, got)
		}
	}
	change := &pipeline.Change{Type: "supplier_order.status_changed", EventID: 9, OccurredAt: time.Now()}
	notify := &domain.Delivery{ID: 43, Event: pipeline.NotificationEvent(change.Type, change.EventID), CreatedAt: time.Now()}
	req := &pipeline.DeliveryRequest{Delivery: notify, Change: change}
	got, res, err := sink.send(t, req, live, []byte(`{"number":22}`))
	var serr *pipeline.SnapshotError
	if !errors.As(err, &serr) || serr.DeliveryID != 43 || !res.Permanent || got != nil {
		t.Errorf("notification with an undecodable snapshot: error %v, result %+v, body %q", err, res, got)
	}
}

// TestOtherChannelsDecode: a channel that is no SnapshotChannel gets the
// decoded supplier order (with the live ids), as before, and so does a
// webhook for a snapshot that is not one bare JSON object in valid UTF-8
// (decoding replaces invalid UTF-8, so its body is as it always was).
func TestOtherChannelsDecode(t *testing.T) {
	live := snapshotOrders()["plain"]
	snap, err := pipeline.EncodeSnapshot(live)
	if err != nil {
		t.Fatal(err)
	}
	del := &domain.Delivery{ID: 42, Event: domain.EventOrderCreated, CreatedAt: time.Now()}
	for _, c := range []struct {
		name string
		conn pipeline.Channel
		snap []byte
	}{{"file", plainChannel{}, snap}, {"none", nil, snap}, {"webhook, padded", newHookSink(t).ch, append(append([]byte(" "), snap...), '\n')},
		{"webhook, invalid UTF-8", newHookSink(t).ch, bytes.Replace(snap, []byte("Hammer"), []byte("Ha\xffer"), 1)}} {
		req := &pipeline.DeliveryRequest{Delivery: del}
		if err := pipeline.Render(req, c.conn, live, c.snap); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		so := req.SupplierOrder
		if req.Snapshot != nil || so == nil || so.ID != live.ID || so.OrderID != live.OrderID || so.SupplierID != live.SupplierID || so.Number != live.Number {
			t.Errorf("%s: Snapshot %q, SupplierOrder %+v", c.name, req.Snapshot, so)
		}
		if o, err := req.Order(); o != so || err != nil {
			t.Errorf("%s: Order() = %p, %v; want SupplierOrder", c.name, o, err)
		}
	}
	// A SnapshotChannel's Order decodes once, with the live ids.
	req := &pipeline.DeliveryRequest{Delivery: del}
	if err := pipeline.Render(req, newHookSink(t).ch, live, snap); err != nil {
		t.Fatal(err)
	}
	o1, err1 := req.Order()
	o2, err2 := req.Order()
	if err1 != nil || err2 != nil || o1 != o2 || o1.ID != live.ID || o1.OrderID != live.OrderID || o1.SupplierID != live.SupplierID || o1.Lines[0].SKU != "A-1" {
		t.Errorf("Order: %+v %v, then %p %v", o1, err1, o2, err2)
	}
}

type plainChannel struct{}

func (plainChannel) Deliver(context.Context, *pipeline.DeliveryRequest) (pipeline.Result, error) {
	return pipeline.Result{}, nil
}
func (plainChannel) Validate([]byte) []pipeline.SettingsProblem { return nil }

package main

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/domain"
)

// The fault tests are only as good as their checks: these show that each
// check refuses what it must.

func TestHookReceiverRefusesBadSignatures(t *testing.T) {
	h := newHookReceiver(t)
	body := []byte(`{"type":"order.created"}`)
	now := time.Now()
	good, err := webhook.Sign([]string{h.secret}, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := webhook.Sign([]string{webhook.NewSecret()}, "msg_1", now, body)
	body2 := []byte(`{"type":"order.created","n":2}`)
	good2, _ := webhook.Sign([]string{h.secret}, "msg_1", now, body2)
	old, _ := webhook.Sign([]string{h.secret}, "msg_1", now.Add(-time.Hour), body)
	for _, tc := range []struct {
		name, id, sig string
		ts            time.Time
		body          []byte
		want          int
	}{
		{"signed", "msg_1", good, now, body, http.StatusNoContent},
		{"same again", "msg_1", good, now, body, http.StatusNoContent},
		{"same id, other body", "msg_1", good2, now, body2, http.StatusNoContent},
		{"other secret", "msg_1", other, now, body, http.StatusBadRequest},
		{"body changed", "msg_1", good, now, []byte(`{"type":"order.cancelled"}`), http.StatusBadRequest},
		{"id changed", "msg_2", good, now, body, http.StatusBadRequest},
		{"too old", "msg_1", old, now.Add(-time.Hour), body, http.StatusBadRequest},
		{"unsigned", "msg_1", "", now, body, http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL, bytes.NewReader(tc.body))
		req.Header.Set("webhook-id", tc.id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(tc.ts.Unix(), 10))
		req.Header.Set("webhook-signature", tc.sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: answered %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if tl := h.tally(); tl.ids != 1 || tl.requests != 3 || tl.dupSame != 1 || tl.conflicts != 1 || len(tl.bad) != 5 {
		t.Errorf("tally %+v", tl)
	}
}

func TestSoDiffSeesWhatSuppliersActOn(t *testing.T) {
	want := domain.SupplierOrder{Number: "7-31", Supplier: "31", Status: domain.StatusNew, Version: 1, ItemTotal: 2500,
		Shipping: 500, Payout: 2945, Commission: 55, Order: domain.OrderHeader{Number: "7", ExternalID: "F-000007", Currency: "EUR"},
		Lines: []domain.Line{{SKU: "HAM-7", Quantity: 2, UnitPrice: 1250, Total: 2500}}}
	if d := soDiff(&want, &want); d != "" {
		t.Fatalf("an order differs from itself: %s", d)
	}
	for name, change := range map[string]func(*domain.SupplierOrder){
		"number":      func(s *domain.SupplierOrder) { s.Number = "8-31" },
		"external id": func(s *domain.SupplierOrder) { s.Order.ExternalID = "F-000008" },
		"quantity": func(s *domain.SupplierOrder) {
			s.Lines = []domain.Line{{SKU: "HAM-7", Quantity: 3, UnitPrice: 1250, Total: 2500}}
		},
		"line total": func(s *domain.SupplierOrder) {
			s.Lines = []domain.Line{{SKU: "HAM-7", Quantity: 2, UnitPrice: 1250, Total: 2400}}
		},
		"extra line": func(s *domain.SupplierOrder) {
			s.Lines = append(append([]domain.Line(nil), s.Lines...), domain.Line{SKU: "X"})
		},
		"payout": func(s *domain.SupplierOrder) { s.Payout++ },
		"status": func(s *domain.SupplierOrder) { s.Status = domain.StatusDispatched },
	} {
		got := want
		change(&got)
		if soDiff(&got, &want) == "" {
			t.Errorf("a changed %s went unnoticed", name)
		}
	}
}

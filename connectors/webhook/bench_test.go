package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkSend measures one signed attempt against a loopback 204 server,
// one at a time and from GOMAXPROCS goroutines.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := NewClient(Options{Allow: loopbackAllow()})
	defer c.Close()
	ep := Endpoint{URL: srv.URL + "/hook", Secrets: []string{NewSecret(), NewSecret()}}
	msg, err := NewMessage("del_bench", Event{Type: EventOrderCreated, Timestamp: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Data: map[string]any{
		"number": "22-31", "lines": []map[string]any{{"sku": "A-1", "quantity": 2, "unit_price": 1250}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if res := c.Send(ctx, ep, msg); res.Outcome != OutcomeOK {
				b.Fatalf("send: %+v", res)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if res := c.Send(ctx, ep, msg); res.Outcome != OutcomeOK {
					b.Errorf("send: %+v", res)
					return
				}
			}
		})
	})
}

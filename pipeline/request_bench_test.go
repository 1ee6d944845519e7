package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeOrderRequest compares the strict decoder every request
// goes through with plain encoding/json on orders of 2 and 100 lines.
func BenchmarkDecodeOrderRequest(b *testing.B) {
	for _, n := range []int{2, 100} {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprintf(`{"sku":"SKU-%d","supplier":"31","name":"Hammer %d","quantity":2,"unit_price":"12.50","options":{"colour":"red"}}`, i, i)
		}
		body := []byte(`{"external_id":"A-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR","customer":{"name":"Zoë","email":"z@example.com"},` +
			`"shipping_address":{"name":"Zoë","line1":"1 rue","city":"Paris","country":"FR"},"lines":[` + strings.Join(lines, ",") + `],"shipping":{"31":500}}`)
		b.Run(fmt.Sprintf("strict/%d-lines", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := DecodeOrderRequest(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("encoding-json/%d-lines", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var req OrderRequest
				if err := json.Unmarshal(body, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

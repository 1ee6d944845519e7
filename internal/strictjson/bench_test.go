package strictjson_test

import (
	"testing"

	"github.com/supplyhub/supplyhub/internal/strictjson"
	"github.com/supplyhub/supplyhub/pipeline"
)

// BenchmarkDecodeOrder decodes a realistic order body (three lines,
// customer, shipping address, options, money as numbers and strings) with
// the original Token walk (old) and with Decode (new).
func BenchmarkDecodeOrder(b *testing.B) {
	body := []byte(orderBody)
	for _, bm := range []struct {
		name   string
		decode func([]byte, any) error
	}{{"old", strictjson.DecodeSlow}, {"new", strictjson.Decode}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var req pipeline.OrderRequest
				if err := bm.decode(body, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

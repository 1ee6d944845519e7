package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// BenchmarkIngest posts orders through the HTTP API of an in-process
// daemon (dispatch jobs running too) with 1, 8 and 64 concurrent clients
// and reports orders/s. Allocations are the whole process's, per order.
//
//	go test -run '^$' -bench BenchmarkIngest -benchtime 2000x ./connectors/api/
func BenchmarkIngest(b *testing.B) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		for _, clients := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", kind, clients), func(b *testing.B) {
				if kind == store.KindPostgres {
					storetest.SkipWithoutPostgres(b)
				}
				d := apptest.Start(b, kind)
				key := d.Keys["retailer:acme"]
				body, _ := json.Marshal(order("TEMPLATE"))
				tr := &http.Transport{MaxIdleConnsPerHost: clients}
				client := &http.Client{Transport: tr}
				defer tr.CloseIdleConnections()
				var next atomic.Int64
				var failed atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for c := 0; c < clients; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							bb := bytes.Replace(body, []byte(`"TEMPLATE"`), []byte(fmt.Sprintf(`"B-%d"`, i)), 1)
							req, _ := http.NewRequest("POST", d.URL+"/api/v1/orders", bytes.NewReader(bb))
							req.Header.Set("Authorization", "Bearer "+key)
							resp, err := client.Do(req)
							if err != nil || resp.StatusCode != http.StatusCreated {
								failed.Add(1)
							}
							if resp != nil {
								resp.Body.Close()
							}
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				if n := failed.Load(); n > 0 {
					b.Fatalf("%d of %d posts failed", n, b.N)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
			})
		}
	}
}

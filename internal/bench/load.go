package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sent is one POST's outcome.
type sent struct {
	start   time.Time
	latency time.Duration
	number  string // order number of an accepted order
	err     error
}

// orderBody is order i: one line per supplier, quantities and prices
// varying with i.
func orderBody(run string, i int, sups []supplier) []byte {
	var lines []string
	for k, s := range sups {
		lines = append(lines, fmt.Sprintf(`{"sku":"SKU-%d-%d","supplier":%q,"name":"Widget %d","quantity":%d,"unit_price":%d}`,
			k, i%97, s.Code, k, 1+i%5, 1000+(i%13)*25))
	}
	return []byte(fmt.Sprintf(`{"external_id":"%s-%d","placed_at":%q,"currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[%s]}`, run, i, time.Now().UTC().Format(time.RFC3339), strings.Join(lines, ",")))
}

// load posts orders with o.Senders senders until o.Orders are posted or
// o.Duration has passed, paced at o.Rate if set. It returns every POST's
// outcome, in order.
func load(ctx context.Context, o *Options, hc *http.Client, base, key, run string, sups []supplier, progress func(posted int)) []sent {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if o.Duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	jobs := make(chan int)
	var mu sync.Mutex
	var out []sent
	var wg sync.WaitGroup
	for w := 0; w < o.Senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s := post(context.WithoutCancel(ctx), hc, base, key, orderBody(run, i, sups))
				mu.Lock()
				out = append(out, s)
				n := len(out)
				mu.Unlock()
				progress(n)
			}
		}()
	}
	start := time.Now()
	for i := 0; o.Orders == 0 || i < o.Orders; i++ {
		if o.Rate > 0 {
			due := start.Add(time.Duration(float64(i) / o.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return out
}

// post sends one order; a POST started is always finished, so the count
// of orders the daemon holds is the count of 201 answers.
func post(ctx context.Context, hc *http.Client, base, key string, body []byte) sent {
	s := sent{start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/orders", bytes.NewReader(body))
	if err != nil {
		s.err = err
		return s
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		s.latency, s.err = time.Since(s.start), fmt.Errorf("post order: %w", err)
		return s
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	s.latency = time.Since(s.start)
	if err != nil {
		s.err = fmt.Errorf("post order: answer cut off: %w", err)
		return s
	}
	if resp.StatusCode != http.StatusCreated {
		s.err = fmt.Errorf("post order: %d %.300s", resp.StatusCode, data)
		return s
	}
	var ord struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(data, &ord); err != nil || ord.Number == "" {
		s.err = fmt.Errorf("post order: 201 without a number: %.300s", data)
		return s
	}
	s.number = ord.Number
	return s
}

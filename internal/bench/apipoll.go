package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// pulledPage is the part of GET /api/v1/supplier/orders this tool reads.
type pulledPage struct {
	Orders []struct {
		Number    string    `json:"number"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"orders"`
	NextCursor string `json:"next_cursor"`
}

// getPage fetches one page of a supplier's orders created in [from, now).
func getPage(ctx context.Context, hc *http.Client, base, key string, from time.Time, limit int, cursor string) (pulledPage, error) {
	q := url.Values{"by": {"created"}, "from": {from.UTC().Format(time.RFC3339Nano)}, "limit": {fmt.Sprint(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var p pulledPage
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/supplier/orders?"+q.Encode(), nil)
	if err != nil {
		return p, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return p, fmt.Errorf("pull orders: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return p, fmt.Errorf("pull orders: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("pull orders: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("pull orders: %w", err)
	}
	return p, nil
}

// apiPoller is a supplier that pulls its new orders every interval. Each
// window overlaps the last by two seconds (a change is committed a moment
// after its timestamp), so an order is counted at its first sighting
// only: a pull cannot show a duplicate delivery.
type apiPoller struct {
	hc       *http.Client
	base     string
	key      string
	tr       *tracker
	interval time.Duration
	from     time.Time
	seen     map[string]bool
}

func (p *apiPoller) run(ctx context.Context) error {
	p.seen = map[string]bool{}
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		if err := p.once(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *apiPoller) once(ctx context.Context) error {
	from, cursor, newest := p.from, "", p.from
	for {
		page, err := getPage(ctx, p.hc, p.base, p.key, from, 500, cursor)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, o := range page.Orders {
			if !p.seen[o.Number] {
				p.seen[o.Number] = true
				p.tr.arrived(o.Number, now)
			}
			if o.CreatedAt.After(newest) {
				newest = o.CreatedAt
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if w := newest.Add(-2 * time.Second); w.After(p.from) {
		p.from = w
	}
	return nil
}

// pageLatency walks a supplier's orders 100 at a time from the start,
// starting over at the end, for n requests, and returns each request's
// time.
func pageLatency(ctx context.Context, hc *http.Client, base, key string, from time.Time, n int) ([]time.Duration, int, error) {
	var ds []time.Duration
	cursor, rows := "", 0
	for len(ds) < n {
		start := time.Now()
		page, err := getPage(ctx, hc, base, key, from, 100, cursor)
		if err != nil {
			return ds, rows, err
		}
		ds = append(ds, time.Since(start))
		rows += len(page.Orders)
		cursor = page.NextCursor
	}
	return ds, rows, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultRetry is every test channel's retry schedule: short, so jobs a
// kill interrupted are retried within the test, and long enough (about a
// minute in all) that a delivery does not die while replicas restart.
const faultRetry = `retry: ["1s", "1s", "2s", "2s", "3s", "3s", "5s", "5s", "5s", "5s", "5s", "5s", "5s", "5s"]`

// faultConfig writes the fault tests' config: retailers acme and bolt;
// supplier 31 with a file and a webhook channel to hook (plus extra31,
// more channel lines), supplier 40 with a file channel. jobs is a YAML
// "jobs:" line, or "" for the defaults.
func faultConfig(t *testing.T, dataDir string, hook *hookReceiver, jobs, extra31 string) string {
	t.Helper()
	cfg := `data_dir: ` + dataDir + `
log: {level: warn, format: text}
` + jobs + `
webhooks: {allow_private: ["127.0.0.1/32"], timeout: 5s}
retailers:
  - {code: acme, name: Acme, email: orders@acme.example}
  - {code: bolt, name: Bolt, email: orders@bolt.example}
suppliers:
  - code: "31"
    name: Tools
    channels:
      - {type: file, ` + faultRetry + `}
      - {type: webhook, url: "` + hook.srv.URL + `", secret: "` + hook.secret + `", ` + faultRetry + `}
` + extra31 + `  - {code: "40", name: Paint, commission_rate: "5", channels: [{type: file, ` + faultRetry + `}]}
`
	path := filepath.Join(dataDir, "supplyhub.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// burst posts faultOrder(0…n-1) from m goroutines. target(i, try) names the
// daemon for one try. With retry, a post the kill cut off is sent again with
// the same external id until answered; without, it is left unanswered.
type burst struct {
	key    string
	target func(i, try int) string
	retry  bool

	accepted atomic.Int64
	done     chan struct{}
	cancel   context.CancelFunc

	mu      sync.Mutex
	acked   map[string]string // external id → order number
	cut     map[string]bool   // external ids that went unanswered at least once
	sent    int
	failure []string
}

func newBurst(key string, retry bool, target func(i, try int) string) *burst {
	return &burst{key: key, target: target, retry: retry, done: make(chan struct{}),
		acked: map[string]string{}, cut: map[string]bool{}}
}

// start sends in the background; done closes when every order is answered
// (or given up) or a real failure stopped the burst.
func (b *burst) start(n, m int) {
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < m; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b.send(ctx, i)
			}
		}()
	}
	go func() {
		defer close(b.done)
		defer wg.Wait()
		defer close(next)
		for i := 0; i < n; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
}

func (b *burst) send(ctx context.Context, i int) {
	ext, body := faultOrder(i)
	b.mu.Lock()
	b.sent++
	b.mu.Unlock()
	first := time.Now()
	for try := 0; ; try++ {
		num, err := postOrder(ctx, b.target(i, try), b.key, body)
		switch {
		case err == nil:
			b.mu.Lock()
			b.acked[ext] = num
			b.mu.Unlock()
			b.accepted.Add(1)
			return
		case ctx.Err() != nil:
			return
		case !errors.Is(err, errUnanswered):
			b.fail(fmt.Sprintf("%s: %v", ext, err))
			return
		}
		b.mu.Lock()
		b.cut[ext] = true
		b.mu.Unlock()
		if !b.retry {
			return
		}
		if time.Since(first) > time.Minute {
			b.fail(fmt.Sprintf("%s: no answer for a minute: %v", ext, err))
			return
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

func (b *burst) fail(msg string) {
	b.mu.Lock()
	b.failure = append(b.failure, msg)
	b.mu.Unlock()
	b.cancel()
}

// failures are the real failures so far (non-2xx answers, give-ups).
func (b *burst) failures() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.failure...)
}

// waitAccepted waits until at least n orders are accepted; false when the
// burst ended first.
func (b *burst) waitAccepted(n int64) bool {
	for b.accepted.Load() < n {
		select {
		case <-b.done:
			return b.accepted.Load() >= n
		case <-time.After(time.Millisecond):
		}
	}
	return true
}

// counts returns sent, accepted and retried-after-a-cut-off.
func (b *burst) counts() (sent, accepted, cut int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent, len(b.acked), len(b.cut)
}

// checkAcked fails t for every acknowledged order that is not stored under
// the number its 2xx answer gave.
func (b *burst) checkAcked(t *testing.T, byExt map[string]string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for ext, num := range b.acked {
		if got, ok := byExt[ext]; !ok || got != num {
			t.Errorf("acknowledged order %s (number %s) is stored as %q", ext, num, got)
		}
	}
}

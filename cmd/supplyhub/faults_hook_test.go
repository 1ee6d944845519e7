package main

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/connectors/webhook"
)

// hookReceiver is a webhook endpoint that checks each request's signature
// with the stock Standard Webhooks library (not Supplyhub's code), as a
// supplier would, and records every (webhook-id, body hash) it accepts.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	wh     *standardwebhooks.Webhook

	mu    sync.Mutex
	seen  map[string]map[[32]byte]int // webhook-id → body hash → requests
	first map[string][]byte           // webhook-id → first body
	bad   []string                    // requests refused, with why
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{secret: webhook.NewSecret(), seen: map[string]map[[32]byte]int{}, first: map[string][]byte{}}
	wh, err := standardwebhooks.NewWebhook(h.secret)
	if err != nil {
		t.Fatalf("webhook secret %q: %v", h.secret, err)
	}
	h.wh = wh
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender went away mid-request: nothing was delivered
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	if err := h.wh.Verify(body, r.Header); err != nil {
		h.mu.Lock()
		h.bad = append(h.bad, id+" at "+ts+": "+err.Error())
		h.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(body)
	h.mu.Lock()
	if h.seen[id] == nil {
		h.seen[id] = map[[32]byte]int{}
		h.first[id] = body
	}
	h.seen[id][sum]++
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// hookTally sums up what the receiver saw.
type hookTally struct {
	ids       int // distinct webhook-ids
	requests  int // accepted requests
	dupSame   int // extra requests repeating an id with the same body
	conflicts int // ids seen with more than one body
	bad       []string
}

func (h *hookReceiver) tally() hookTally {
	h.mu.Lock()
	defer h.mu.Unlock()
	tl := hookTally{ids: len(h.seen), bad: append([]string(nil), h.bad...)}
	for _, bodies := range h.seen {
		for _, n := range bodies {
			tl.requests += n
			tl.dupSame += n - 1
		}
		if len(bodies) > 1 {
			tl.conflicts++
		}
	}
	return tl
}

// body returns the first body received under id, nil if none, and how
// many different bodies came under it.
func (h *hookReceiver) body(id string) ([]byte, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first[id], len(h.seen[id])
}

package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
)

// hookReceiver is a webhook endpoint that checks each request's signature
// with its own HMAC code (not Supplyhub's) and records every
// (webhook-id, body hash) it accepts.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	key    []byte

	mu    sync.Mutex
	seen  map[string]map[[32]byte]int // webhook-id → body hash → requests
	first map[string][]byte           // webhook-id → first body
	bad   []string                    // requests refused, with why
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{secret: webhook.NewSecret(), seen: map[string]map[[32]byte]int{}, first: map[string][]byte{}}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.secret, "whsec_"))
	if err != nil {
		t.Fatalf("webhook secret %q: %v", h.secret, err)
	}
	h.key = key
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
	if why := h.check(id, ts, r.Header.Get("webhook-signature"), body); why != "" {
		h.mu.Lock()
		h.bad = append(h.bad, id+": "+why)
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

// check verifies a Standard Webhooks signature: v1 = base64(HMAC-SHA256(
// key, "{id}.{timestamp}.{body}")), timestamp within five minutes.
func (h *hookReceiver) check(id, ts, sigs string, body []byte) string {
	if id == "" || ts == "" || sigs == "" {
		return "missing webhook-id, webhook-timestamp or webhook-signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "bad timestamp " + ts
	}
	if skew := time.Since(time.Unix(secs, 0)); skew > 5*time.Minute || skew < -5*time.Minute {
		return fmt.Sprintf("timestamp %s off by %s", ts, skew)
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return ""
		}
	}
	return "no matching signature in " + sigs
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

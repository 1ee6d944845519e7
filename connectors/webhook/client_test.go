package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// received is what a test server saw.
type received struct {
	header http.Header
	body   []byte
}

// newServer starts a loopback server that reports each request on the
// returned channel and answers with handler.
func newServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case ch <- received{r.Header.Clone(), body}:
		default:
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.Allow == nil {
		opts.Allow = loopbackAllow()
	}
	c := NewClient(opts)
	t.Cleanup(c.Close)
	return c
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

func testMessage(t *testing.T) Message {
	t.Helper()
	msg, err := NewMessage("del_1", Event{Type: EventOrderCreated, Timestamp: time.Now(), Data: map[string]int{"id": 1}})
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestSendSignsForIndependentVerifier(t *testing.T) {
	srv, got := newServer(t, status(http.StatusNoContent))
	c := newTestClient(t, Options{})
	oldSecret, newSecret := NewSecret(), NewSecret()
	msg := testMessage(t)

	res := c.Send(context.Background(), Endpoint{
		URL:     srv.URL + "/hook?token=abc",
		Secrets: []string{oldSecret, newSecret},
		Headers: map[string]string{"X-Tenant": "acme", "Webhook-Id": "forged", "Content-Type": "text/plain"},
	}, msg)
	if res.Outcome != OutcomeOK || res.Err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("result %+v", res)
	}
	r := <-got
	if string(r.body) != string(msg.Body) {
		t.Fatalf("body %s, want %s", r.body, msg.Body)
	}
	// Both rotation secrets verify with the reference library, separately.
	for i, s := range []string{oldSecret, newSecret} {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(r.body, r.header); err != nil {
			t.Errorf("secret %d: reference verify: %v", i, err)
		}
	}
	if err := Verify([]string{newSecret}, r.header, r.body, 0); err != nil {
		t.Errorf("own Verify: %v", err)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json",
		"User-Agent":   DefaultUserAgent,
		"X-Tenant":     "acme",
		HeaderID:       "del_1",
	} {
		if v := r.header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	ts, err := strconv.ParseInt(r.header.Get(HeaderTimestamp), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("webhook-timestamp %q is not the attempt time", r.header.Get(HeaderTimestamp))
	}
}

func TestSendOutcomes(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	c := newTestClient(t, Options{now: func() time.Time { return now }})
	secret := NewSecret()
	with := func(code int, retryAfter, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		outcome    Outcome
		code       int
		retryAfter time.Duration
		response   string
	}{
		{"200 with body", with(200, "", `{"ok":true}`), OutcomeOK, 200, 0, `{"ok":true}`},
		{"202", with(202, "", ""), OutcomeOK, 202, 0, ""},
		{"500", with(500, "", "boom"), OutcomeFailed, 500, 0, "boom"},
		{"404", with(404, "", ""), OutcomeFailed, 404, 0, ""},
		{"410 gone", with(410, "", "endpoint deleted"), OutcomeGone, 410, 0, "endpoint deleted"},
		{"429 seconds", with(429, "120", ""), OutcomeThrottled, 429, 2 * time.Minute, ""},
		{"429 HTTP-date", with(429, now.Add(90*time.Minute).Format(http.TimeFormat), ""), OutcomeThrottled, 429, 90 * time.Minute, ""},
		{"429 past date", with(429, now.Add(-time.Hour).Format(http.TimeFormat), ""), OutcomeThrottled, 429, 0, ""},
		{"429 without header", with(429, "", ""), OutcomeThrottled, 429, 0, ""},
		{"429 capped", with(429, "99999999", ""), OutcomeThrottled, 429, MaxRetryAfter, ""},
		{"429 garbage", with(429, "soon", ""), OutcomeThrottled, 429, 0, ""},
		{"503 with Retry-After", with(503, "30", ""), OutcomeThrottled, 503, 30 * time.Second, ""},
		{"503 bare", with(503, "", ""), OutcomeFailed, 503, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, tt.handler)
			res := c.Send(context.Background(), Endpoint{URL: srv.URL, Secrets: []string{secret}}, testMessage(t))
			if res.Outcome != tt.outcome || res.StatusCode != tt.code || res.RetryAfter != tt.retryAfter || res.Response != tt.response {
				t.Fatalf("got outcome=%s code=%d retryAfter=%v response=%q; want %s %d %v %q (err %v)",
					res.Outcome, res.StatusCode, res.RetryAfter, res.Response, tt.outcome, tt.code, tt.retryAfter, tt.response, res.Err)
			}
			if (res.Err == nil) != (tt.outcome == OutcomeOK) {
				t.Fatalf("Err = %v for outcome %s", res.Err, res.Outcome)
			}
			if res.Err != nil && !errors.Is(res.Err, ErrUnexpectedStatus) {
				t.Fatalf("Err %v does not wrap ErrUnexpectedStatus", res.Err)
			}
			if res.Duration <= 0 {
				t.Fatalf("Duration %v", res.Duration)
			}
		})
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere?token=secret", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, _ *http.Request) {
		followed.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	srv, _ := newServer(t, mux.ServeHTTP)
	c := newTestClient(t, Options{})
	res := c.Send(context.Background(), Endpoint{URL: srv.URL + "/hook", Secrets: []string{NewSecret()}}, testMessage(t))
	if res.Outcome != OutcomeFailed || res.StatusCode != http.StatusFound {
		t.Fatalf("result %+v", res)
	}
	if followed.Load() != 0 {
		t.Fatal("redirect was followed")
	}
	if msg := res.Err.Error(); !strings.Contains(msg, "redirect to /elsewhere not followed") || strings.Contains(msg, "secret") {
		t.Fatalf("error %q should name the redacted redirect target", msg)
	}
}

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, got := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	c := newTestClient(t, Options{})
	res := c.Send(context.Background(), Endpoint{URL: srv.URL, Secrets: []string{NewSecret()}, Timeout: 100 * time.Millisecond}, testMessage(t))
	<-got // the request did reach the server
	if res.Outcome != OutcomeFailed || res.StatusCode != 0 || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(res.Err.Error(), "no response within 100ms") {
		t.Fatalf("error %q does not mention the timeout", res.Err)
	}
}

func TestSendHonoursCallerContext(t *testing.T) {
	srv, _ := newServer(t, status(http.StatusOK))
	c := newTestClient(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := c.Send(ctx, Endpoint{URL: srv.URL, Secrets: []string{NewSecret()}}, testMessage(t))
	if res.Outcome != OutcomeFailed || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("result %+v", res)
	}
}

func TestSendCapsResponse(t *testing.T) {
	big := strings.Repeat("x", 1023) + "é" + strings.Repeat("y", 1<<20) // é straddles byte 1024
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, big)
	})
	c := newTestClient(t, Options{})
	res := c.Send(context.Background(), Endpoint{URL: srv.URL, Secrets: []string{NewSecret()}}, testMessage(t))
	if res.StatusCode != 500 || res.Outcome != OutcomeFailed {
		t.Fatalf("result %+v", res)
	}
	if len(res.Response) > DefaultMaxResponseBytes || !utf8.ValidString(res.Response) {
		t.Fatalf("response excerpt is %d bytes, valid UTF-8 %v", len(res.Response), utf8.ValidString(res.Response))
	}
	if res.Response != strings.Repeat("x", 1023) {
		t.Fatalf("excerpt should end before the cut rune, got ...%q", res.Response[len(res.Response)-8:])
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, Options{})
	res := c.Send(context.Background(), Endpoint{URL: "http://" + addr, Secrets: []string{NewSecret()}}, testMessage(t))
	if res.Outcome != OutcomeFailed || res.StatusCode != 0 || res.Err == nil {
		t.Fatalf("result %+v", res)
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	srv, got := newServer(t, status(http.StatusOK))
	c := newTestClient(t, Options{})
	msg := testMessage(t)
	tests := []struct {
		name string
		ep   Endpoint
		msg  Message
		want error
	}{
		{"no secrets", Endpoint{URL: srv.URL}, msg, ErrNoSecrets},
		{"bad secret", Endpoint{URL: srv.URL, Secrets: []string{"whsec_short"}}, msg, ErrInvalidSecret},
		{"ftp", Endpoint{URL: "ftp://example.com/", Secrets: []string{NewSecret()}}, msg, ErrInvalidURL},
	}
	for _, tt := range tests {
		res := c.Send(context.Background(), tt.ep, tt.msg)
		if res.Outcome != OutcomeFailed || !errors.Is(res.Err, tt.want) {
			t.Errorf("%s: result %+v", tt.name, res)
		}
	}
	if res := c.Send(context.Background(), Endpoint{URL: srv.URL, Secrets: []string{NewSecret()}}, Message{Body: msg.Body}); res.Err == nil {
		t.Error("message without ID was sent")
	}
	select {
	case <-got:
		t.Fatal("a refused request reached the server")
	default:
	}
}

// TestSendSSRF drives real sends: literal internal IPs are refused before
// any I/O, and names that resolve to loopback are refused by the dialer.
func TestSendSSRF(t *testing.T) {
	srv, got := newServer(t, status(http.StatusOK))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	guarded := newTestClient(t, Options{Allow: []netip.Prefix{}})
	allowed := newTestClient(t, Options{})

	tests := []struct {
		name    string
		c       *Client
		url     string
		refused bool
	}{
		{"loopback literal, no allow-list", guarded, srv.URL, true},
		{"loopback literal, allow-listed", allowed, srv.URL, false},
		// The dial-time check: ValidateURL passes a name, the dialer sees 127.0.0.1.
		{"localhost name, no allow-list", guarded, "http://localhost:" + port, true},
		{"localhost name, allow-listed", allowed, "http://localhost:" + port, false},
		{"IPv6 loopback", guarded, "http://[::1]:" + port, true},
		{"IPv4-mapped loopback", guarded, "http://[::ffff:127.0.0.1]:" + port, true},
		// Never dialled: refused before any packet leaves.
		{"private 10.x", allowed, "http://10.0.0.1/", true},
		{"cloud metadata", allowed, "http://169.254.169.254/latest/meta-data/", true},
		{"IPv4-mapped private", allowed, "http://[::ffff:10.0.0.1]/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.Send(context.Background(), Endpoint{URL: tt.url, Secrets: []string{NewSecret()}}, testMessage(t))
			if tt.refused {
				if res.Outcome != OutcomeFailed || !errors.Is(res.Err, ErrForbiddenAddress) {
					t.Fatalf("not refused: %+v", res)
				}
				select {
				case <-got:
					t.Fatal("refused request reached the server")
				default:
				}
				return
			}
			if res.Outcome != OutcomeOK {
				t.Fatalf("allowed send failed: %+v", res)
			}
			<-got
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 15 ", 15 * time.Second, true},
		{"86400", MaxRetryAfter, true},
		{"18446744073709551616", MaxRetryAfter, true}, // overflows uint64
		{"-5", 0, false},
		{"1.5", 0, false},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Hour, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, true},
		{"Wed, 01 May 2024 11:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"", 8, ""},
		{"hello", 8, "hello"},
		{"abc\xe2\x82", 5, "abc"},              // cut euro sign dropped
		{"ab\xffcd", 8, "ab\uFFFDcd"},          // invalid byte replaced
		{"\xff\xff\xff", 3, "\uFFFD"},          // replacements regrow: cut on a rune boundary
		{"abc\xe2\x82\xac", 6, "abc\u20ac"},    // complete rune kept
		{strings.Repeat("é", 4)[:7], 7, "ééé"}, // trailing half rune
	}
	for _, tt := range tests {
		got := excerpt([]byte(tt.in), tt.limit)
		if got != tt.want || len(got) > tt.limit || !utf8.ValidString(got) {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// TestSendReusesConnections checks that bodies are drained so keep-alive
// works, and that a failing receiver does not drop a healthy one's idle
// connection (retryablehttp closes idle connections after every failure).
func TestSendReusesConnections(t *testing.T) {
	var newConns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, strings.Repeat("z", 8<<10)) // beyond the excerpt, within the drain limit
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	c := newTestClient(t, Options{})
	ep := Endpoint{URL: srv.URL, Secrets: []string{NewSecret()}}
	for range 3 {
		if res := c.Send(context.Background(), ep, testMessage(t)); res.StatusCode != 500 {
			t.Fatalf("result %+v", res)
		}
		if res := c.Send(context.Background(), Endpoint{URL: dead, Secrets: ep.Secrets}, testMessage(t)); res.Err == nil {
			t.Fatal("send to closed port succeeded")
		}
	}
	if n := newConns.Load(); n != 1 {
		t.Fatalf("%d connections opened for 3 sequential sends, want 1", n)
	}
}

package inbound

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// cutProxy forwards TCP connections to an IMAP server. On its first
// connection it closes both sides at the byte where a cut function, called
// with everything that direction carried so far, says so; later connections
// pass untouched. It simulates a server or network dropping the connection
// at an exact point of the protocol.
type cutProxy struct {
	ln        net.Listener
	backend   string
	toClient  func(stream []byte) int // server → client; -1: not yet
	toServer  func(stream []byte) int // client → server; -1: not yet
	cut       chan struct{}           // closed when the first connection was cut
	mu        sync.Mutex
	conns     int
	closeOnce sync.Once
}

func startCutProxy(t *testing.T, backend string, toClient, toServer func([]byte) int) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, backend: backend, toClient: toClient, toServer: toServer, cut: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			first := p.conns == 0
			p.conns++
			p.mu.Unlock()
			closeBoth := func() {
				c.Close()
				b.Close()
				if first {
					p.closeOnce.Do(func() { close(p.cut) })
				}
			}
			if !first {
				go func() { io.Copy(b, c); b.Close() }()
				go func() { io.Copy(c, b); c.Close() }()
				continue
			}
			go p.pump(b, c, p.toClient, closeBoth)
			go p.pump(c, b, p.toServer, closeBoth)
		}
	}()
	return p
}

// pump copies src to dst until cutAt names a position in the stream, then
// writes up to it and cuts the connection.
func (p *cutProxy) pump(src, dst net.Conn, cutAt func([]byte) int, closeBoth func()) {
	defer closeBoth()
	var stream []byte
	written := 0
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			stream = append(stream, buf[:n]...)
			end := len(stream)
			cut := -1
			if cutAt != nil {
				cut = cutAt(stream)
			}
			if cut >= 0 && cut <= end {
				end = cut
			}
			if end > written {
				if _, werr := dst.Write(stream[written:end]); werr != nil {
					return
				}
				written = end
			}
			if cut >= 0 && cut <= len(stream) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

var fetchLiteralRe = regexp.MustCompile(`(?s)\* \d+ FETCH \(.*?\{(\d+)\}\r\n`)

// midLiteral cuts in the middle of the message body of the (n+1)th FETCH
// response: n messages arrive whole, the next one half.
func midLiteral(n int) func([]byte) int {
	return func(stream []byte) int {
		ms := fetchLiteralRe.FindAllSubmatchIndex(stream, n+1)
		if len(ms) <= n {
			return -1
		}
		m := ms[n]
		size, _ := strconv.Atoi(string(stream[m[2]:m[3]]))
		return m[1] + size/2
	}
}

var storeRe = regexp.MustCompile(`(?m)^[^\r\n]* STORE `)

// beforeStore drops the client's (n+1)th STORE command: the handler has run
// on that message but the server never flags it.
func beforeStore(n int) func([]byte) int {
	return func(stream []byte) int {
		ms := storeRe.FindAllIndex(stream, n+1)
		if len(ms) <= n {
			return -1
		}
		return ms[n][0]
	}
}

// applier is a Handler that applies each command once per Message-ID, as
// the application does (its idempotency key is the Message-ID), and counts
// both the hand-overs and the applications.
type applier struct {
	mu      sync.Mutex
	handed  map[string]int
	applied map[string]int
	done    chan struct{} // closed once want distinct messages were applied
	want    int
}

func (a *applier) Handle(_ context.Context, msg Parsed, _ Interpretation) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handed[msg.MessageID]++
	if a.applied[msg.MessageID] == 0 {
		a.applied[msg.MessageID]++
		if len(a.applied) == a.want {
			close(a.done)
		}
	}
	return nil
}

// TestRunResumesAfterDisconnectDuringFetch drops the IMAP connection in the
// middle of a FETCH (half of a message's literal sent) and, separately,
// just before the STORE that marks a handled message. The reader reconnects
// and carries on: every reply is applied exactly once, none is lost, and a
// message is handed over a second time only when the cut fell between its
// handler and its marking.
func TestRunResumesAfterDisconnectDuringFetch(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "replies", "*.eml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("corpus: %v, %d files", err, len(files))
	}
	tests := []struct {
		name               string
		toClient, toServer func([]byte) int
		handedTwice        int // how many messages are handed over twice
	}{
		{name: "mid-literal of the 6th fetch", toClient: midLiteral(5)},
		{name: "before the 3rd store", toServer: beforeStore(2), handedTwice: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := startServer(t, serverOptions{tls: TLSNone})
			var ids []string
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := Parse(raw)
				ids = append(ids, p.MessageID)
				srv.appendEML(t, "INBOX", raw)
			}
			px := startCutProxy(t, srv.addr, tt.toClient, tt.toServer)
			m := srv.mailbox(t, TLSNone, nil)
			m.Addr = px.ln.Addr().String()
			m.PollInterval, m.IdleTimeout = 100*time.Millisecond, time.Hour
			a := &applier{handed: map[string]int{}, applied: map[string]int{}, done: make(chan struct{}), want: len(ids)}

			ctx, cancel := context.WithCancel(t.Context())
			runDone := make(chan error, 1)
			start := time.Now()
			go func() { runDone <- m.Run(ctx, a) }()
			select {
			case <-px.cut:
			case <-time.After(10 * time.Second):
				t.Fatal("the connection was never cut")
			}
			select {
			case <-a.done:
			case <-time.After(15 * time.Second):
				t.Fatalf("after the cut only %d of %d replies were applied", len(a.applied), len(ids))
			}
			elapsed := time.Since(start)
			// Let a wrongly repeated pass show up before judging.
			deadline := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(deadline) {
				flags := srv.flags(t, "INBOX", nil, TLSNone)
				all := true
				for _, id := range ids {
					all = all && hasFlag(flags[id], ProcessedKeyword)
				}
				if all {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			if err := <-runDone; err != nil {
				t.Fatal(err)
			}

			a.mu.Lock()
			defer a.mu.Unlock()
			twice := 0
			for _, id := range ids {
				if a.applied[id] != 1 {
					t.Errorf("%s applied %d times, want exactly once", id, a.applied[id])
				}
				switch a.handed[id] {
				case 1:
				case 2:
					twice++
				default:
					t.Errorf("%s handed over %d times", id, a.handed[id])
				}
			}
			if twice != tt.handedTwice {
				t.Errorf("%d messages handed over twice, want %d", twice, tt.handedTwice)
			}
			flags := srv.flags(t, "INBOX", nil, TLSNone)
			for _, id := range ids {
				if !hasFlag(flags[id], ProcessedKeyword) || !hasFlag(flags[id], imap.FlagSeen) {
					t.Errorf("%s not marked processed: %v", id, flags[id])
				}
			}
			if px.connections() < 2 {
				t.Errorf("%d connection(s): the reader did not reconnect", px.connections())
			}
			t.Logf("%d replies applied once each over %d connections in %v (reconnect backoff %v); %d handed over twice",
				len(ids), px.connections(), elapsed.Round(time.Millisecond), minBackoff, twice)
		})
	}
}

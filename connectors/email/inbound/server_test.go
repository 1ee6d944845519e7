package inbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

const (
	testUser     = "replies"
	testPassword = "secret"
)

// testServer is go-imap's in-memory IMAP server on a real 127.0.0.1 socket.
type testServer struct {
	addr string
	user *imapmemserver.User

	mu      sync.Mutex
	changed chan struct{} // closed and replaced by every append
}

// changes returns a channel closed by the next append.
func (s *testServer) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// memSession is imapmemserver's session with a race-free IDLE. imapmemserver
// (v2.0.0-beta.8) only reports mail appended after its IDLE goroutine has
// registered, so mail arriving between the client's IDLE and that moment
// is announced late; real servers check the mailbox when IDLE starts.
type memSession struct {
	*imapmemserver.UserSession // nil until login
	srv                        *testServer
}

func (sess *memSession) Login(username, password string) error {
	if err := sess.srv.user.Login(username, password); err != nil {
		return err
	}
	sess.UserSession = imapmemserver.NewUserSession(sess.srv.user)
	return nil
}

func (sess *memSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	for {
		// Taken before polling: an append after the poll closes it.
		changed := sess.srv.changes()
		if err := sess.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-changed:
		}
	}
}

type serverOptions struct {
	caps     imap.CapSet // nil: IMAP4rev1 only (no MOVE, no UIDPLUS)
	tls      TLSMode     // how clients must connect
	certPool *x509.CertPool
}

func startServer(t *testing.T, o serverOptions) (*testServer, *tls.Config) {
	t.Helper()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{user: user, changed: make(chan struct{})}

	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &memSession{srv: ts}, nil, nil
		},
		Caps:         o.caps,
		Logger:       log.New(io.Discard, "", 0),
		InsecureAuth: o.tls == TLSNone,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var clientTLS *tls.Config
	if o.tls != TLSNone {
		cert, pool := selfSignedCert(t)
		clientTLS = &tls.Config{RootCAs: pool}
		serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
		if o.tls == TLSImplicit {
			ln = tls.NewListener(ln, serverTLS)
		} else {
			opts.TLSConfig = serverTLS
		}
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ts.addr = ln.Addr().String()
	return ts, clientTLS
}

// appendEML delivers a raw message to mailbox, as an MTA would.
func (s *testServer) appendEML(t *testing.T, mailbox string, raw []byte, flags ...imap.Flag) {
	t.Helper()
	raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	if _, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Flags: flags}); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// flags returns the flags of every message in mailbox by Message-ID (with
// angle brackets), read over a separate IMAP connection.
func (s *testServer) flags(t *testing.T, mailbox string, clientTLS *tls.Config, mode TLSMode) map[string][]imap.Flag {
	t.Helper()
	m := &Mailbox{Addr: s.addr, TLS: mode, TLSConfig: clientTLS, Username: testUser, Password: testPassword, Mailbox: mailbox, Domain: testDomain}
	sess, err := m.connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.close()
	sel, err := sess.c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return map[string][]imap.Flag{}
	}
	msgs, err := sess.c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatalf("fetch flags of %s: %v", mailbox, err)
	}
	out := make(map[string][]imap.Flag)
	for _, msg := range msgs {
		out["<"+msg.Envelope.MessageID+">"] = msg.Flags
	}
	return out
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "imap test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// recorder is a Handler that records what it was handed and can be told to
// fail on given Message-IDs.
type recorder struct {
	mu   sync.Mutex
	got  map[string]Interpretation
	seen []string // Message-IDs in order, repeats included
	fail map[string]error
	ch   chan string // if set, receives each handled Message-ID
}

func newRecorder() *recorder {
	return &recorder{got: map[string]Interpretation{}, fail: map[string]error{}}
}

func (r *recorder) Handle(_ context.Context, msg Parsed, in Interpretation) error {
	r.mu.Lock()
	r.seen = append(r.seen, msg.MessageID)
	err := r.fail[msg.MessageID]
	if err == nil {
		r.got[msg.MessageID] = in
	}
	ch := r.ch
	r.mu.Unlock()
	if ch != nil && err == nil {
		ch <- msg.MessageID
	}
	return err
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got, r.seen = map[string]Interpretation{}, nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// proxy forwards TCP connections to a backend and can cut them all, to
// simulate a dropped connection.
type proxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	conns   []net.Conn
	accepts chan struct{}
}

func startProxy(t *testing.T, backend string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, backend: backend, accepts: make(chan struct{}, 16)}
	t.Cleanup(func() { ln.Close(); p.cut() })
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
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { io.Copy(b, c); b.Close() }()
			go func() { io.Copy(c, b); c.Close() }()
			p.accepts <- struct{}{}
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

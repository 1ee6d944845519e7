package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

const (
	passA = "CorrectHorse-Battery9"
	passB = "Another-Secret-42x"
)

// env is a running server with two suppliers: A (code "31", password and
// key login) and B (code "40", password login).
type env struct {
	t        testing.TB
	srv      *Server
	addr     string
	st       *store.Store
	url      string // the database, for a second replica
	cfg      Config
	storage  Storage
	accounts *StoreAccounts
	a, b     int64
	keyA     ssh.Signer
	keyPathA string // keyA in OpenSSH format, for stock clients
	hooks    *hookLog
	logs     *syncBuffer
	cancel   context.CancelFunc
	done     chan error
}

// storageKinds are the storages the functional tests run on: memory, and
// the database on each kind storetest offers.
func eachStorage(t *testing.T, fn func(t *testing.T, kind string)) {
	t.Run("mem", func(t *testing.T) { fn(t, "mem") })
	storetest.Each(t, fn)
}

func newEnv(t testing.TB, kind string, mutate func(*Config)) *env {
	t.Helper()
	dbKind := kind
	if kind == "mem" {
		dbKind = store.KindSQLite
	}
	url := storetest.URL(t, dbKind)
	st := storetest.OpenURL(t, url)
	ctx := context.Background()
	a := &domain.Supplier{Code: "31", Name: "Tools Ltd"}
	b := &domain.Supplier{Code: "40", Name: "Paint Co"}
	for _, s := range []*domain.Supplier{a, b} {
		if err := st.UpsertSupplier(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	accounts := NewStoreAccounts(st)
	// Cost 10 takes ~0.7 s per hash under -race; the cost is not what
	// these tests are about.
	accounts.cost = bcrypt.MinCost
	if err := accounts.SetPassword(ctx, a.ID, passA); err != nil {
		t.Fatal(err)
	}
	if err := accounts.SetPassword(ctx, b.ID, passB); err != nil {
		t.Fatal(err)
	}
	keyA, keyPath := newClientKey(t)
	if _, err := accounts.AddKey(ctx, a.ID, ssh.MarshalAuthorizedKey(keyA.PublicKey())); err != nil {
		t.Fatal(err)
	}
	var storage Storage = NewDBStorage(st)
	if kind == "mem" {
		storage = NewMemStorage()
	}
	e := &env{t: t, st: st, url: url, storage: storage, accounts: accounts, a: a.ID, b: b.ID, keyA: keyA, keyPathA: keyPath,
		hooks: &hookLog{}, logs: &syncBuffer{}}
	cfg := Config{
		HostKeyPath: filepath.Join(t.TempDir(), "keys", "sftp_host_ed25519"),
		TempDir:     t.TempDir(),
		Logger:      slog.New(slog.NewTextHandler(io.MultiWriter(e.logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnRetrieved: func(ctx context.Context, sup int64, name string) { e.hooks.add("retrieved", sup, name) },
		OnInbound:   func(ctx context.Context, sup int64, name string) { e.hooks.add("inbound", sup, name) },
		OnCatalog:   func(ctx context.Context, sup int64, name string) { e.hooks.add("catalog", sup, name) },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	e.cfg = cfg
	e.srv, e.addr, e.cancel, e.done = startServer(t, cfg, accounts, storage)
	t.Cleanup(e.stop)
	return e
}

// startServer runs a server on a free loopback port until cancel.
func startServer(t testing.TB, cfg Config, accounts Accounts, storage Storage) (*Server, string, context.CancelFunc, chan error) {
	t.Helper()
	srv, err := newServer(cfg, accounts, storage, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return srv, ln.Addr().String(), cancel, done
}

// stop shuts the server down and waits for Serve to return.
func (e *env) stop() {
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Serve: %v", err)
		}
		e.done <- err // later calls return at once
	case <-time.After(15 * time.Second):
		e.t.Error("Serve did not return after cancel")
	}
}

func (e *env) port() string {
	_, p, _ := net.SplitHostPort(e.addr)
	return p
}

// dial logs in with a pkg/sftp client; the connection is closed when the
// test ends.
func (e *env) dial(user string, auth ...ssh.AuthMethod) (*sftp.Client, *ssh.Client, error) {
	cfg := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: ssh.FixedHostKey(e.srv.HostKey()), Timeout: 10 * time.Second}
	conn, err := ssh.Dial("tcp", e.addr, cfg)
	if err != nil {
		return nil, nil, err
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	e.t.Cleanup(func() { c.Close(); conn.Close() })
	return c, conn, nil
}

func (e *env) clientA() *sftp.Client {
	e.t.Helper()
	c, _, err := e.dial("31", ssh.Password(passA))
	if err != nil {
		e.t.Fatalf("login A: %v", err)
	}
	return c
}

func (e *env) clientB() *sftp.Client {
	e.t.Helper()
	c, _, err := e.dial("40", ssh.Password(passB))
	if err != nil {
		e.t.Fatalf("login B: %v", err)
	}
	return c
}

func (e *env) putOutbound(sup int64, name, data string) {
	e.t.Helper()
	if err := e.srv.PutOutbound(context.Background(), sup, name, []byte(data)); err != nil {
		e.t.Fatal(err)
	}
}

func newClientKey(t testing.TB) (ssh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return signer, p
}

func put(t testing.TB, c *sftp.Client, p string, data []byte) {
	t.Helper()
	f, err := c.Create(p)
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close %s: %v", p, err)
	}
}

func download(t testing.TB, c *sftp.Client, p string) []byte {
	t.Helper()
	f, err := c.Open(p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return b
}

// failedWith reports whether err is an SFTP failure status whose message
// contains msg (pkg/sftp's client turns "no such file" and "permission
// denied" into os errors and keeps the message of the others).
func failedWith(err error, msg string) bool {
	var se *sftp.StatusError
	return errors.As(err, &se) && strings.Contains(se.Error(), msg)
}

type hookLog struct {
	mu     sync.Mutex
	events []string
}

func (h *hookLog) add(kind string, sup int64, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, fmt.Sprintf("%s %d %s", kind, sup, name))
}

func (h *hookLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.events
	h.events = nil
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testWriter sends server logs to the test log, shown on failure or -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

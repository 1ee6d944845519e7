package email

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// envelope is one message an in-process SMTP server accepted.
type envelope struct {
	From string
	To   []string
	Data []byte
	User string // who authenticated, if anyone
	TLS  bool
	HELO string
}

// backend is a go-smtp Backend that records what it accepts.
type backend struct {
	users   map[string]string     // username → password; nil offers no AUTH
	rcptErr func(to string) error // refuses recipients when set
	dataErr error                 // refuses the message at DATA when set
	mu      sync.Mutex
	got     []envelope
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{be: b, conn: c}, nil
}

func (b *backend) messages() []envelope {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]envelope(nil), b.got...)
}

type session struct {
	be   *backend
	conn *smtp.Conn
	user string
	env  envelope
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.be.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := s.be.users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.env = envelope{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.be.rcptErr != nil {
		if err := s.be.rcptErr(to); err != nil {
			return err
		}
	}
	s.env.To = append(s.env.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.be.dataErr != nil {
		return s.be.dataErr
	}
	s.env.Data = data
	s.env.User = s.user
	_, s.env.TLS = s.conn.TLSConnectionState()
	s.env.HELO = s.conn.Hostname()
	s.be.mu.Lock()
	s.be.got = append(s.be.got, s.env)
	s.be.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.env = envelope{} }
func (s *session) Logout() error { return nil }

// serverTLS is how the test server offers TLS.
type serverTLS int

const (
	plainServer    serverTLS = iota // no TLS at all
	startTLSServer                  // offers STARTTLS
	implicitServer                  // TLS from the first byte
)

// startServer runs be on 127.0.0.1 and returns an SMTP transport aimed at
// it, trusting the server's self-signed certificate.
func startServer(t *testing.T, be *backend, mode serverTLS) *SMTP {
	t.Helper()
	cert, roots := selfSigned(t)
	tr := startServerCert(t, be, mode, cert)
	tr.TLSConfig = &tls.Config{RootCAs: roots}
	return tr
}

// startServerCert runs be on 127.0.0.1 presenting cert and returns an SMTP
// transport aimed at it that trusts only the system roots.
func startServerCert(t *testing.T, be *backend, mode serverTLS, cert tls.Certificate) *SMTP {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case plainServer:
		srv.AllowInsecureAuth = true // lets the client decide; see SMTP.AllowInsecureAuth
	case startTLSServer:
		srv.TLSConfig = tlsCfg
	case implicitServer:
		srv.TLSConfig = tlsCfg
		l = tls.NewListener(l, tlsCfg)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		// Serve may not have registered l yet when a test makes no
		// connection, and Close would then leave it accepting.
		l.Close()
		<-done
	})
	host, port := splitAddr(t, l.Addr())
	return &SMTP{
		Host:    host,
		Port:    port,
		HELO:    "client.test",
		Timeout: 10 * time.Second,
	}
}

// startHangingServer accepts connections and never says a word.
func startHangingServer(t *testing.T) *SMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	host, port := splitAddr(t, l.Addr())
	return &SMTP{Host: host, Port: port, TLS: TLSNone}
}

func splitAddr(t *testing.T, a net.Addr) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

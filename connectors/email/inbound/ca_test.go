package inbound

import (
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/supplyhub/supplyhub/internal/tlsca/tlscatest"
)

// startCAServer runs go-imap's in-memory server on 127.0.0.1 presenting a
// certificate that ca signed, with implicit TLS or STARTTLS.
func startCAServer(t *testing.T, ca *tlscatest.CA, mode TLSMode) string {
	t.Helper()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem := imapmemserver.New()
	mem.AddUser(user)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger: log.New(io.Discard, "", 0),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode == TLSImplicit {
		ln = tls.NewListener(ln, ca.ServerTLS())
	} else {
		opts.TLSConfig = ca.ServerTLS()
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestCAFile connects to a server whose certificate a private CA signed:
// refused with a certificate error naming ca_file without CAFile, logged
// in with it; a bad CAFile is reported with its path.
func TestCAFile(t *testing.T) {
	ca := tlscatest.New(t)
	for _, mode := range []TLSMode{TLSImplicit, TLSStartTLS} {
		t.Run(string(mode), func(t *testing.T) {
			m := &Mailbox{Addr: startCAServer(t, ca, mode), TLS: mode, Username: testUser, Password: testPassword,
				Logger: slog.New(slog.DiscardHandler)}
			_, err := m.connect(t.Context())
			if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), "ca_file") {
				t.Fatalf("without ca_file: %v, want a certificate error naming ca_file", err)
			}
			t.Log(err)
			m.CAFile = ca.File
			sess, err := m.connect(t.Context())
			if err != nil {
				t.Fatalf("with ca_file: %v", err)
			}
			sess.close()
		})
	}
	t.Run("bad file", func(t *testing.T) {
		notPEM := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(notPEM, []byte("hello\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for file, want := range map[string]string{"/nonexistent/ca.pem": "no such file", notPEM: "no PEM certificate"} {
			m := &Mailbox{Addr: startCAServer(t, ca, TLSImplicit), TLS: TLSImplicit, Username: testUser, Password: testPassword,
				CAFile: file, Logger: slog.New(slog.DiscardHandler)}
			if _, err := m.connect(t.Context()); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file) {
				t.Errorf("ca_file %s: %v, want %q naming the file", file, err, want)
			}
		}
	})
}

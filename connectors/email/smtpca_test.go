package email

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/tlsca/tlscatest"
)

// TestSMTPCAFile sends to a server whose certificate a private CA signed:
// refused with a certificate error and a hint without CAFile, delivered
// with it, in both TLS modes; a bad CAFile is a permanent error naming it.
func TestSMTPCAFile(t *testing.T) {
	ca := tlscatest.New(t)
	for _, tt := range []struct {
		name   string
		server serverTLS
		mode   TLSMode
	}{
		{"starttls", startTLSServer, TLSStartTLS},
		{"implicit", implicitServer, TLSImplicit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{users: map[string]string{testUser: testPass}}
			tr := startServerCert(t, be, tt.server, ca.Server)
			tr.TLS, tr.Username, tr.Password = tt.mode, testUser, testPass
			raw := buildSimple(t)
			to := []string{"a@moebel.example"}

			err := tr.Send(context.Background(), testFrom, to, raw)
			if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), "ca_file") {
				t.Fatalf("without ca_file: %v, want a certificate error naming ca_file", err)
			}
			t.Log(err)
			if n := len(be.messages()); n != 0 {
				t.Fatalf("server received %d messages over an untrusted connection", n)
			}

			tr.CAFile = ca.File
			if err := tr.Send(context.Background(), testFrom, to, raw); err != nil {
				t.Fatalf("with ca_file: %v", err)
			}
			if got := be.messages(); len(got) != 1 || !got[0].TLS || got[0].User != testUser {
				t.Fatalf("server received %+v, want one message over TLS", got)
			}
		})
	}
	t.Run("bad file", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.pem")
		if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		be := &backend{}
		tr := startServerCert(t, be, startTLSServer, ca.Server)
		for file, want := range map[string]string{"/nonexistent/ca.pem": "no such file", empty: "no PEM certificate"} {
			tr.CAFile = file
			err := tr.Send(context.Background(), testFrom, []string{"a@moebel.example"}, buildSimple(t))
			if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file) {
				t.Errorf("ca_file %s: %v, want a permanent error with %q naming the file", file, err, want)
			}
		}
	})
}

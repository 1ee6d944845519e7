package tlsca_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/tlsca"
	"github.com/supplyhub/supplyhub/internal/tlsca/tlscatest"
)

func TestParse(t *testing.T) {
	ca := tlscatest.New(t)
	block := func(typ string, b []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})) }
	for _, tt := range []struct {
		name, pem, err string
	}{
		{"one CA", string(ca.PEM), ""},
		{"bundle with text between", "# private CA\n" + string(ca.PEM) + "\nsecond:\n" + string(ca.PEM), ""},
		{"empty", "", "no PEM certificate"},
		{"not PEM", "hello", "no PEM certificate"},
		{"corrupt certificate", string(ca.PEM) + block("CERTIFICATE", []byte("garbage")), "certificate 2"},
		{"private key", string(ca.PEM) + block("PRIVATE KEY", []byte("k")), "private key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := tlsca.Parse([]byte(tt.pem))
			switch {
			case tt.err == "" && (err != nil || pool == nil):
				t.Fatalf("Parse: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("Parse: %v, want %q", err, tt.err)
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	if _, err := tlsca.Load("/nonexistent/ca.pem"); err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") {
		t.Errorf("Load: %v", err)
	}
	if pool, err := tlsca.Load(tlscatest.New(t).File); err != nil || pool == nil {
		t.Errorf("Load: %v", err)
	}
}

func TestExplain(t *testing.T) {
	unknown := fmt.Errorf("handshake: %w", x509.UnknownAuthorityError{})
	if err := tlsca.Explain(unknown, "ca_file"); !strings.Contains(err.Error(), "give its certificate in ca_file") || !errors.Is(err, unknown) {
		t.Errorf("Explain(unknown authority) = %v", err)
	}
	other := errors.New("connection refused")
	if err := tlsca.Explain(other, "ca_file"); err != other {
		t.Errorf("Explain(other) = %v, want it unchanged", err)
	}
}

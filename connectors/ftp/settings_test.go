package ftp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"reflect"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	caPEM, _, _ := writeCerts(t, dir)
	caFile, notPEM := dir+"/ca.pem", dir+"/not.pem"
	writeFile(t, caFile, caPEM)
	writeFile(t, notPEM, "not a certificate")
	base := func() Settings { return Settings{Host: "ftp.example", User: "acme", Password: "pw"} }
	tests := []struct {
		name string
		edit func(*Settings)
		want []string // keys with problems, in order
	}{
		{"minimal", func(*Settings) {}, nil},
		{"every mode", func(s *Settings) { s.TLS = TLSImplicit; s.CACert = caPEM; s.Port = 2990 }, nil},
		{"cleartext", func(s *Settings) { s.TLS = TLSNone; s.Dir = "/in box"; s.DisableEPSV = true }, nil},
		{"no password", func(s *Settings) { s.Password = "" }, nil},
		{"timeouts", func(s *Settings) { s.DialTimeout, s.Timeout = "5s", "2m" }, nil},
		{"empty", func(s *Settings) { *s = Settings{} }, []string{"host", "user"}},
		{"host with slash", func(s *Settings) { s.Host = "ftp.example/in" }, []string{"host"}},
		{"port out of range", func(s *Settings) { s.Port = -1 }, []string{"port"}},
		{"line break in user", func(s *Settings) { s.User = "acme\r\nDELE x" }, []string{"user"}},
		{"line break in password", func(s *Settings) { s.Password = "pw\nQUIT" }, []string{"password"}},
		{"unknown tls", func(s *Settings) { s.TLS = "ssl" }, []string{"tls"}},
		{"ca without tls", func(s *Settings) { s.TLS, s.CACert = TLSNone, caPEM }, []string{"ca_cert"}},
		{"ca not PEM", func(s *Settings) { s.CACert = "not a certificate" }, []string{"ca_cert"}},
		{"ca file", func(s *Settings) { s.CAFile = caFile }, nil},
		{"ca file and ca", func(s *Settings) { s.CAFile, s.CACert = caFile, caPEM }, []string{"ca_file"}},
		{"ca file without tls", func(s *Settings) { s.TLS, s.CAFile = TLSNone, caFile }, []string{"ca_file"}},
		{"ca file missing", func(s *Settings) { s.CAFile = dir + "/missing.pem" }, []string{"ca_file"}},
		{"ca file not PEM", func(s *Settings) { s.CAFile = notPEM }, []string{"ca_file"}},
		{"line break in dir", func(s *Settings) { s.Dir = "in\r\nDELE x" }, []string{"dir"}},
		{"bad timeouts", func(s *Settings) { s.DialTimeout, s.Timeout = "0s", "2 minutes" }, []string{"dial_timeout", "timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.edit(&s)
			var got []string
			for _, p := range s.Validate() {
				if p.Msg == "" {
					t.Errorf("problem for %s has no message", p.Key)
				}
				got = append(got, p.Key)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.want, s.Validate())
			}
		})
	}
}

func TestSettingsJSONAndDefaults(t *testing.T) {
	var s Settings
	raw := `{"host":"h","user":"u","password":"p","tls":"implicit","disable_epsv":true,"retry":["5s"]}`
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	if s.Host != "h" || s.User != "u" || s.Password != "p" || s.TLS != TLSImplicit || !s.DisableEPSV {
		t.Fatalf("decoded %+v", s)
	}
	if s.port() != 990 || s.dir() != "." || s.dialTimeout() != 30*time.Second || s.timeout() != time.Minute {
		t.Fatalf("defaults: port %d dir %q dial %v op %v", s.port(), s.dir(), s.dialTimeout(), s.timeout())
	}
	if d := (Settings{}); d.tlsMode() != TLSExplicit || d.port() != 21 {
		t.Fatalf("empty settings: tls %q port %d, want explicit on 21", d.tlsMode(), d.port())
	}
}

func TestIsPermanent(t *testing.T) {
	reply := func(code int, msg string) error {
		return fmt.Errorf("ftp put a.csv: stor .a.csv.0.tmp: %w", &textproto.Error{Code: code, Msg: msg})
	}
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{reply(530, "Login incorrect."), true},
		{reply(550, "Failed to change directory."), true},
		{reply(553, "Could not create file."), true},
		{reply(502, "Command not implemented."), true},
		{reply(552, "Exceeded storage allocation."), false},
		{reply(452, "Insufficient storage space."), false},
		{reply(421, "Too many connections."), false},
		{reply(426, "Failure reading network stream."), false},
		{fmt.Errorf("ftp put a.csv: %w", io.EOF), false},
		{fmt.Errorf("ftp dial: %w", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}), false},
		{permanent(errors.New("bad settings")), true},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

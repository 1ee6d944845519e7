package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testKeys returns an inline private key, the same key encrypted with
// "pw" (slow: bcrypt KDF), and a known_hosts line for its public half.
func testKeys(t *testing.T) (plain, encrypted, knownHost, fingerprint string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	eb, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(b)), string(pem.EncodeToMemory(eb)),
		knownhosts.Line([]string{"[sftp.example]:2222"}, sp), ssh.FingerprintSHA256(sp)
}

func TestValidate(t *testing.T) {
	key, encKey, known, fp := testKeys(t)
	base := func() Settings {
		return Settings{Host: "sftp.example", User: "acme", PrivateKey: key, HostKeyFingerprint: fp}
	}
	tests := []struct {
		name string
		edit func(*Settings)
		want []string // keys with problems, in order
	}{
		{"valid key and fingerprint", func(*Settings) {}, nil},
		{"valid password and known_hosts", func(s *Settings) {
			s.PrivateKey, s.Password, s.HostKeyFingerprint, s.KnownHosts = "", "pw", "", known
		}, nil},
		{"fingerprint with padding and spaces", func(s *Settings) { s.HostKeyFingerprint = " " + fp + "= " }, nil},
		{"encrypted key with passphrase", func(s *Settings) { s.PrivateKey, s.Passphrase = encKey, "pw" }, nil},
		{"key file is not read", func(s *Settings) { s.PrivateKey, s.PrivateKeyFile = "", "/nonexistent/key" }, nil},
		{"timeouts", func(s *Settings) { s.DialTimeout, s.Timeout, s.Port, s.Dir = "5s", "2m", 2222, "/in" }, nil},
		{"empty", func(s *Settings) { *s = Settings{} }, []string{"host", "user", "password", "known_hosts"}},
		{"host with slash", func(s *Settings) { s.Host = "sftp.example/in" }, []string{"host"}},
		{"port out of range", func(s *Settings) { s.Port = 70000 }, []string{"port"}},
		{"no credentials", func(s *Settings) { s.PrivateKey = "" }, []string{"password"}},
		{"key twice", func(s *Settings) { s.PrivateKeyFile = "/k" }, []string{"private_key_file"}},
		{"garbage key", func(s *Settings) { s.PrivateKey = "-----BEGIN NOTHING-----" }, []string{"private_key"}},
		{"encrypted key without passphrase", func(s *Settings) { s.PrivateKey = encKey }, []string{"private_key"}},
		{"wrong passphrase", func(s *Settings) { s.PrivateKey, s.Passphrase = encKey, "nope" }, []string{"private_key"}},
		{"passphrase without key", func(s *Settings) { s.PrivateKey, s.Password, s.Passphrase = "", "pw", "x" }, []string{"passphrase"}},
		{"no host key pin", func(s *Settings) { s.HostKeyFingerprint = "" }, []string{"known_hosts"}},
		{"MD5 fingerprint", func(s *Settings) { s.HostKeyFingerprint = "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48" }, []string{"host_key_fingerprint"}},
		{"short fingerprint", func(s *Settings) { s.HostKeyFingerprint = "SHA256:abcd" }, []string{"host_key_fingerprint"}},
		{"known_hosts without keys", func(s *Settings) { s.KnownHosts = "# nothing here\n" }, []string{"known_hosts"}},
		{"known_hosts garbage", func(s *Settings) { s.KnownHosts = "host ssh-ed25519 AAAAnotbase64" }, []string{"known_hosts"}},
		{"NUL in dir", func(s *Settings) { s.Dir = "in\x00" }, []string{"dir"}},
		{"bad timeouts", func(s *Settings) { s.DialTimeout, s.Timeout = "soon", "-1s" }, []string{"dial_timeout", "timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // encrypted keys take a while to check under -race
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
	raw := `{"host":"h","user":"u","password":"p","host_key_fingerprint":"SHA256:x","retry":["5s"]}`
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	if s.Host != "h" || s.User != "u" || s.Password != "p" || s.HostKeyFingerprint != "SHA256:x" {
		t.Fatalf("decoded %+v", s)
	}
	if s.port() != 22 || s.dir() != "." || s.dialTimeout() != 30*time.Second || s.timeout() != time.Minute {
		t.Fatalf("defaults: port %d dir %q dial %v op %v", s.port(), s.dir(), s.dialTimeout(), s.timeout())
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	known := knownhosts.Line([]string{"[sftp.example]:2222"}, sp)
	if got := hostKeyAlgorithms(known); !reflect.DeepEqual(got, []string{ssh.KeyAlgoED25519}) {
		t.Fatalf("ed25519 line: %v", got)
	}
	if got := hostKeyAlgorithms("@cert-authority *.example " + known[len("[sftp.example]:2222 "):]); got != nil {
		t.Fatalf("cert-authority line should offer all algorithms, got %v", got)
	}
}

func TestIsPermanent(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("sftp put a.csv: create /in/.a.csv.0.tmp: %w", err) }
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{wrap(os.ErrPermission), true},
		{wrap(os.ErrNotExist), true},
		{wrap(&sftp.StatusError{Code: 8}), true},   // unsupported
		{wrap(&sftp.StatusError{Code: 4}), false},  // generic failure, also "disk full"
		{wrap(&sftp.StatusError{Code: 14}), false}, // no space on filesystem
		{wrap(sftp.ErrSSHFxConnectionLost), false},
		{wrap(io.EOF), false},
		{&HostKeyError{Fingerprint: "SHA256:x"}, true},
		{fmt.Errorf("sftp dial: %w", permanent(errors.New("ssh: unable to authenticate"))), true},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

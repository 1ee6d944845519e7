package client

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Defaults for settings left empty.
const (
	DefaultPort        = 22
	DefaultDir         = "."
	DefaultDialTimeout = 30 * time.Second
	DefaultTimeout     = 60 * time.Second
)

// Settings configure an SFTP channel; they are stored as the channel's JSON.
type Settings struct {
	// Host is the server's name or IP address.
	Host string `json:"host"`
	// Port defaults to 22.
	Port int `json:"port,omitempty"`
	// User is the login name.
	User string `json:"user"`
	// Password is tried after the private key, if both are set.
	Password string `json:"password,omitempty"`
	// PrivateKey is an inline PEM (or OpenSSH format) private key.
	PrivateKey string `json:"private_key,omitempty"`
	// PrivateKeyFile is a path to a private key on this machine; it is
	// read at every Dial so a rotated key needs no settings change.
	PrivateKeyFile string `json:"private_key_file,omitempty"`
	// Passphrase decrypts an encrypted private key.
	Passphrase string `json:"passphrase,omitempty"`
	// KnownHosts holds known_hosts lines for the server (the output of
	// ssh-keyscan -p PORT HOST, hashed or not).
	KnownHosts string `json:"known_hosts,omitempty"`
	// HostKeyFingerprint pins the host key by its SHA256 fingerprint as
	// ssh-keygen -lf prints it ("SHA256:…"). A key matching either this
	// or KnownHosts is accepted.
	HostKeyFingerprint string `json:"host_key_fingerprint,omitempty"`
	// Dir is the remote folder files are written to and, by default,
	// listed and read from; default "." (the login folder, which is the
	// chroot on most supplier servers).
	Dir string `json:"dir,omitempty"`
	// DialTimeout bounds connecting, the SSH handshake and login
	// ("30s" when empty).
	DialTimeout string `json:"dial_timeout,omitempty"`
	// Timeout bounds one operation: a Put, List, Get or Move ("60s"
	// when empty).
	Timeout string `json:"timeout,omitempty"`
}

// Problem is one invalid setting, named by its JSON key.
type Problem = pipeline.SettingsProblem

// Validate checks the settings without connecting; an inline private key is
// parsed, a key file is only read by Dial.
func (s Settings) Validate() []Problem {
	ps := drop.CheckServer(s.Host, s.Port, s.DialTimeout, s.Timeout)
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(s.User) == "" {
		add("user", "required")
	}
	if s.Password == "" && s.PrivateKey == "" && s.PrivateKeyFile == "" {
		add("password", "set password, private_key or private_key_file")
	}
	if s.PrivateKey != "" && s.PrivateKeyFile != "" {
		add("private_key_file", "set either private_key or private_key_file, not both")
	}
	if s.PrivateKey != "" {
		if _, err := parseKey([]byte(s.PrivateKey), s.Passphrase); err != nil {
			add("private_key", "%v", err)
		}
	}
	if s.Passphrase != "" && s.PrivateKey == "" && s.PrivateKeyFile == "" {
		add("passphrase", "set only with private_key or private_key_file")
	}
	if s.KnownHosts == "" && s.HostKeyFingerprint == "" {
		add("known_hosts", "host key verification is mandatory: set known_hosts (ssh-keyscan output) or host_key_fingerprint (SHA256:… from ssh-keygen -lf)")
	}
	if s.KnownHosts != "" {
		if err := checkKnownHosts(s.KnownHosts); err != nil {
			add("known_hosts", "%v", err)
		}
	}
	if s.HostKeyFingerprint != "" {
		if _, err := normalFingerprint(s.HostKeyFingerprint); err != nil {
			add("host_key_fingerprint", "%v", err)
		}
	}
	if strings.ContainsRune(s.Dir, 0) {
		add("dir", "must not contain NUL")
	}
	return ps
}

func (s Settings) port() int {
	if s.Port == 0 {
		return DefaultPort
	}
	return s.Port
}

func (s Settings) dir() string {
	if s.Dir == "" {
		return DefaultDir
	}
	return s.Dir
}

func (s Settings) dialTimeout() time.Duration {
	d, _ := drop.ParseTimeout(s.DialTimeout, DefaultDialTimeout)
	return d
}

func (s Settings) timeout() time.Duration {
	d, _ := drop.ParseTimeout(s.Timeout, DefaultTimeout)
	return d
}

// normalFingerprint checks a "SHA256:<base64>" fingerprint and returns it
// without base64 padding, the form ssh.FingerprintSHA256 produces.
func normalFingerprint(fp string) (string, error) {
	fp = strings.TrimSpace(fp)
	b64, ok := strings.CutPrefix(fp, "SHA256:")
	if !ok {
		return "", fmt.Errorf("must look like SHA256:… as printed by ssh-keygen -lf (MD5 fingerprints are not accepted)")
	}
	b64 = strings.TrimRight(b64, "=")
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return "", fmt.Errorf("%q is not a SHA256 fingerprint", fp)
	}
	return "SHA256:" + b64, nil
}

// checkKnownHosts requires at least one parseable key line.
func checkKnownHosts(text string) error {
	lines, err := parseKnownHosts(text)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return fmt.Errorf("no host key lines found")
	}
	return nil
}

package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError reports a server whose host key is not trusted by the
// settings. Fingerprint is what the server presented, so an operator who
// has verified it out of band can pin it.
type HostKeyError struct {
	Addr        string // host:port dialled
	KeyType     string // e.g. "ssh-ed25519"
	Fingerprint string // "SHA256:…", as ssh-keygen -lf prints it
	Reason      string // why it was refused
}

// Error names the presented key so an operator can check and pin it.
func (e *HostKeyError) Error() string {
	return fmt.Sprintf("sftp: host key of %s refused (%s): server presented %s %s; if verified out of band, pin it with \"host_key_fingerprint\": %q",
		e.Addr, e.Reason, e.KeyType, e.Fingerprint, e.Fingerprint)
}

// knownLine is one parsed known_hosts entry.
type knownLine struct {
	marker string
	key    ssh.PublicKey
}

// parseKnownHosts parses known_hosts text; blank and comment lines are skipped.
func parseKnownHosts(text string) ([]knownLine, error) {
	var out []knownLine
	rest := []byte(text)
	for len(rest) > 0 {
		marker, _, key, _, r, err := ssh.ParseKnownHosts(rest)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not known_hosts lines: %w", err)
		}
		out = append(out, knownLine{marker: marker, key: key})
		rest = r
	}
	return out, nil
}

// hostKeyCheck builds the host key callback and the host key algorithms to
// offer. A key is accepted when it matches the pinned fingerprint or the
// known_hosts lines (hashed host names, wildcards, @revoked and
// @cert-authority included, via x/crypto's knownhosts).
func (s Settings) hostKeyCheck() (ssh.HostKeyCallback, []string, error) {
	var fp string
	if s.HostKeyFingerprint != "" {
		var err error
		if fp, err = normalFingerprint(s.HostKeyFingerprint); err != nil {
			return nil, nil, err
		}
	}
	var known ssh.HostKeyCallback
	var algos []string
	if s.KnownHosts != "" {
		var err error
		if known, err = knownHostsCallback(s.KnownHosts); err != nil {
			return nil, nil, err
		}
		// Offer only the key types we can verify, as OpenSSH does: a server
		// with several host keys would otherwise present one we lack.
		// A fingerprint pin does not say its type, so then offer all.
		if fp == "" {
			algos = hostKeyAlgorithms(s.KnownHosts)
		}
	}
	if fp == "" && known == nil {
		return nil, nil, errors.New("no known_hosts or host_key_fingerprint set")
	}
	cb := func(addr string, remote net.Addr, key ssh.PublicKey) error {
		got := ssh.FingerprintSHA256(key)
		if fp != "" && got == fp {
			return nil
		}
		reason := "does not match host_key_fingerprint"
		if known != nil {
			err := known(addr, remote, key)
			if err == nil {
				return nil
			}
			reason = "not in known_hosts"
			var ke *knownhosts.KeyError
			var re *knownhosts.RevokedError
			switch {
			case errors.As(err, &re):
				reason = "revoked in known_hosts"
			case errors.As(err, &ke) && len(ke.Want) > 0:
				reason = "known_hosts has a different key for this host"
			}
			if fp != "" {
				reason += " nor host_key_fingerprint"
			}
		}
		return &HostKeyError{Addr: addr, KeyType: key.Type(), Fingerprint: got, Reason: reason}
	}
	return cb, algos, nil
}

// knownHostsCallback wraps x/crypto's known_hosts matcher, which only reads
// files: the lines go through a temporary file that is removed at once.
func knownHostsCallback(text string) (ssh.HostKeyCallback, error) {
	f, err := os.CreateTemp("", "supplyhub-known_hosts-*")
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.WriteString(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("known_hosts: %w", werr)
	}
	cb, err := knownhosts.New(f.Name())
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return cb, nil
}

// hostKeyAlgorithms lists the algorithms for the plain keys in the lines,
// or nil (offer all) when a @cert-authority line means certificates.
func hostKeyAlgorithms(text string) []string {
	lines, err := parseKnownHosts(text)
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range lines {
		if l.marker == "cert-authority" {
			return nil
		}
		if l.marker != "" {
			continue
		}
		algs := []string{l.key.Type()}
		if l.key.Type() == ssh.KeyAlgoRSA {
			algs = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
		for _, a := range algs {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

package client

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
)

// parseKey parses a private key, decrypting it with passphrase if needed.
func parseKey(pem []byte, passphrase string) (ssh.Signer, error) {
	if passphrase != "" {
		k, err := ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt private key: %w", err)
		}
		return k, nil
	}
	k, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, errors.New("private key is encrypted: set passphrase")
	}
	if err != nil {
		return nil, fmt.Errorf("not a private key: %w", err)
	}
	return k, nil
}

// authMethods returns the key first and the password after it, the order
// OpenSSH's client uses; the password also answers keyboard-interactive
// prompts, which servers that check passwords through PAM ask for instead.
func (s Settings) authMethods() ([]ssh.AuthMethod, error) {
	var out []ssh.AuthMethod
	pem := []byte(s.PrivateKey)
	if s.PrivateKeyFile != "" {
		b, err := os.ReadFile(s.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("private_key_file: %w", err)
		}
		pem = b
	}
	if len(pem) > 0 {
		k, err := parseKey(pem, s.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		out = append(out, ssh.PublicKeys(k))
	}
	if s.Password != "" {
		pw := s.Password
		out = append(out, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] { // a hidden prompt asks for the password
						answers[i] = pw
					}
				}
				return answers, nil
			}))
	}
	return out, nil
}

// Package tlsca loads the private certificate authority that one
// connection trusts instead of the system roots (the ca_file and ca_cert
// settings), as curl's --cacert does: a server pinned to a private CA is
// then not also trusted on the word of every public CA.
package tlsca

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// Load reads a PEM bundle of CA certificates from path.
func Load(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("CA file %s: %w", path, err)
	}
	return pool, nil
}

// Parse reads PEM CA certificates. Every CERTIFICATE block must parse and
// there must be at least one; a private key in the bundle is refused, as
// it is surely the wrong file and should not be lying next to a CA list.
func Parse(data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certificate %d: %w", n+1, err)
			}
			pool.AddCert(cert)
			n++
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("holds a private key: give only the CA's certificates")
		}
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// Explain adds a hint to a TLS error caused by a certificate that no
// trusted CA signed, naming the setting that would fix it.
func Explain(err error, setting string) error {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return fmt.Errorf("%w (if the server uses a private CA, give its certificate in %s)", err, setting)
	}
	return err
}

package ftp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/textproto"
)

// IsPermanent reports whether a failed Dial or Put would fail again
// unchanged, so the delivery can be dead-lettered: bad settings or file
// name, a refused login, a certificate that does not verify, or a 5xx
// reply (no such folder, permission denied, name not allowed, command not
// supported). 4xx replies (452 disk full included), network errors and
// time-outs are temporary, and so is 552 "exceeded storage allocation":
// the supplier emptying its folder fixes it.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var pe *permanentError
	if errors.As(err, &pe) {
		return true
	}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var rhe tls.RecordHeaderError
	if errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &rhe) {
		return true
	}
	if code, ok := replyCode(err); ok {
		return code >= 500 && code < 600 && code != 552
	}
	return false
}

// replyCode returns the FTP reply code an error carries, if it is a reply.
func replyCode(err error) (int, bool) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, true
	}
	return 0, false
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

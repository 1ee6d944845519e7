package ftp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net/textproto"
	"strings"
)

// IsPermanent reports whether a failed Dial or operation would fail again
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

// notFoundError marks a reply that says the file or folder does not exist:
// errors.Is(err, fs.ErrNotExist) holds, and the reply stays reachable for
// IsPermanent and the message.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string { return e.err.Error() }

func (e *notFoundError) Unwrap() error { return e.err }

func (e *notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

func notFound(err error) error { return &notFoundError{err} }

// isNotFound reports a 550 reply, which servers send for a missing file or
// folder, unless its text says it is about permissions: 550 also means
// "no access", and vsftpd's texts ("Failed to open file.") do not tell.
func isNotFound(err error) bool {
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 550 {
		return false
	}
	msg := strings.ToLower(te.Msg)
	return !strings.Contains(msg, "permission") && !strings.Contains(msg, "denied")
}

// markNotFound wraps err as not found when it carries such a reply.
func markNotFound(err error) error {
	if isNotFound(err) {
		return notFound(err)
	}
	return err
}

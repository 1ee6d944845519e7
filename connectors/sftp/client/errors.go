package client

import (
	"errors"
	"os"

	"github.com/pkg/sftp"
)

// IsPermanent reports whether a failed Dial or operation would fail again
// unchanged, so the delivery can be dead-lettered: bad settings or file
// name, a refused host key, failed authentication, a missing folder,
// permission denied, an unsupported operation. Network errors, time-outs
// and the generic SSH_FX_FAILURE (which OpenSSH also sends for a full
// disk) are temporary.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var pe *permanentError
	var he *HostKeyError
	if errors.As(err, &pe) || errors.As(err, &he) {
		return true
	}
	if errors.Is(err, os.ErrPermission) || errors.Is(err, os.ErrNotExist) {
		return true
	}
	var se *sftp.StatusError
	if errors.As(err, &se) {
		return permanentStatus(se.Code)
	}
	return false
}

// permanentStatus reports SFTP status codes retrying cannot fix. Codes
// past 8 come from later protocol drafts, which some non-OpenSSH servers
// send; their quota and disk-space codes (14, 15) stay temporary on purpose.
func permanentStatus(code uint32) bool {
	switch code {
	case 2, // no such file
		3,  // permission denied
		5,  // bad message
		8,  // operation unsupported
		10, // no such path
		12, // write protect
		18: // invalid filename
		return true
	}
	return false
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

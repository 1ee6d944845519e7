package email

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-smtp"
)

// Transport delivers one encoded message to its envelope recipients.
type Transport interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// IsPermanent reports whether a failed send would fail again unchanged: the
// server answered 5xx, or the message or configuration is unusable. Anything
// else (4xx replies, network errors, time-outs, a missing STARTTLS offer) is
// temporary and worth retrying, as an MTA would.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := errors.AsType[*permanentError](err); ok {
		return true
	}
	if se, ok := errors.AsType[*smtp.SMTPError](err); ok {
		return se.Code >= 500 && se.Code < 600
	}
	return false
}

// ServerReply returns the SMTP reply that made a send fail, for the delivery
// attempt's record: its code and its text, prefixed with the enhanced status
// code when the server sent one ("5.1.1 No such user").
func ServerReply(err error) (code int, text string, ok bool) {
	se, ok := errors.AsType[*smtp.SMTPError](err)
	if !ok {
		return 0, "", false
	}
	text = se.Message
	if ec := se.EnhancedCode; ec[0] > 0 {
		text = fmt.Sprintf("%d.%d.%d %s", ec[0], ec[1], ec[2], text)
	}
	return se.Code, text, true
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

package email

import (
	"net/mail"
	"time"
)

// Address is a mailbox with an optional display name; String formats it for
// a header, RFC 2047-encoding a non-ASCII name.
type Address = mail.Address

// Attachment is a file attached to a message.
type Attachment struct {
	Filename    string
	ContentType string // application/octet-stream when empty
	Data        []byte
}

// Message is one email before it is encoded; Build turns it into bytes.
type Message struct {
	From       Address
	To, Cc     []Address
	ReplyTo    *Address
	Subject    string
	MessageID  string   // "<left@right>"; see MessageID
	InReplyTo  string   // a msg-id, empty for a new thread
	References []string // msg-ids, oldest first
	Date       time.Time
	Text, HTML string
	// Attachments follow the body in the order given.
	Attachments []Attachment
	// Headers are extra fields (X-…, Auto-Submitted, …), written in key order;
	// fields that Message already has are refused.
	Headers map[string]string
}

// Recipients returns the envelope recipients, To then Cc, for Transport.Send.
func (m *Message) Recipients() []string {
	rcpts := make([]string, 0, len(m.To)+len(m.Cc))
	for _, a := range m.To {
		rcpts = append(rcpts, a.Address)
	}
	for _, a := range m.Cc {
		rcpts = append(rcpts, a.Address)
	}
	return rcpts
}

package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	// Registers the charsets beyond UTF-8/ASCII/Latin-1 that suppliers' mail
	// clients still use (windows-1252, iso-8859-15, Shift_JIS, …).
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/supplyhub/supplyhub/connectors/email"
)

// maxBodyBytes bounds how much of one text part is read: commands sit at the
// top, and a runaway attachment mislabelled text/plain must not eat memory.
const maxBodyBytes = 1 << 20

// Parsed is what the reader extracts from one raw RFC 5322 message.
type Parsed struct {
	// MessageID is the message's own Message-ID, with angle brackets; the
	// handler's idempotency key. Empty when the sender did not set one.
	MessageID string
	// From is the bare address (local@domain) of the first From mailbox, as
	// written; compare it case-insensitively.
	From string
	// Subject is decoded from RFC 2047 encoded words.
	Subject string
	// InReplyTo is the first msg-id of the In-Reply-To header, with brackets.
	InReplyTo string
	// References are the msg-ids of the References header, oldest first.
	References []string
	// Body is the text/plain part, or the text/html part crudely converted
	// to text when there is no plain part, decoded to UTF-8 with "\n" lines.
	Body string
	// Date is the Date header; zero when missing or unreadable.
	Date time.Time
	// AutoSubmitted is the Auto-Submitted header ("auto-replied", …), empty
	// for mail written by a person.
	AutoSubmitted string
	// Tokens are the reply tokens the message carries back: from our
	// signed Message-IDs in In-Reply-To and References, and from
	// plus-addresses (email.ReplyAddress) in To, Cc, Delivered-To,
	// X-Original-To and Envelope-To. Checking them needs the supplier's
	// code, so the handler does it (CheckToken).
	Tokens []Token
	// AuthResults are the Authentication-Results header values, topmost
	// (added last, by the receiving server) first.
	AuthResults []string
	// Raw is the message as fetched, for the review queue.
	Raw []byte
}

// Token is one reply token found in a message, with the supplier order
// number it claims to be for and the header it came from.
type Token struct {
	Number, Token, Header string
}

// Parse extracts headers and the readable body from a raw message. It
// returns what it could read together with an error when the MIME structure
// is broken, so a caller can still send the message to review.
func Parse(raw []byte) (Parsed, error) {
	p := Parsed{Raw: raw}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return p, fmt.Errorf("parse message: %w", err)
	}
	h := mr.Header
	p.MessageID = firstMsgID(h.Get("Message-Id"))
	p.InReplyTo = firstMsgID(h.Get("In-Reply-To"))
	p.References = email.SplitMessageIDs(h.Get("References"))
	p.AutoSubmitted = strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if s, err := h.Subject(); err == nil {
		p.Subject = s
	} else {
		// An undecodable charset still leaves a readable raw subject.
		p.Subject = h.Get("Subject")
	}
	p.Subject = strings.TrimSpace(p.Subject)
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		p.From = from[0].Address
	}
	if d, err := h.Date(); err == nil {
		p.Date = d
	}
	p.Tokens = findTokens(h)
	for f := h.FieldsByKey("Authentication-Results"); f.Next(); {
		p.AuthResults = append(p.AuthResults, f.Value())
	}

	body, err := readBody(mr)
	p.Body = body
	if err != nil {
		return p, fmt.Errorf("parse message %s: %w", p.MessageID, err)
	}
	return p, nil
}

// readBody returns the first inline text/plain part, or else the first
// text/html part as text. Attachments are never read as the body: a
// forwarded order or an attached CSV must not be taken for the reply.
func readBody(mr *mail.Reader) (string, error) {
	var html string
	haveHTML := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) {
			if haveHTML {
				return htmlToText(html), err
			}
			return "", err
		}
		ih, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		ct, params, _ := ih.ContentType()
		if ct == "" {
			ct = "text/plain" // RFC 2045 default
		}
		if ct != "text/plain" && (ct != "text/html" || haveHTML) {
			continue
		}
		b, rerr := io.ReadAll(io.LimitReader(part.Body, maxBodyBytes))
		if rerr != nil {
			return "", fmt.Errorf("read %s part: %w", ct, rerr)
		}
		if message.IsUnknownCharset(err) {
			// go-message hands over the undecoded bytes; readable enough
			// for ASCII commands, and review shows the raw message anyway.
			b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
		}
		if ct == "text/plain" {
			text := normalizeNewlines(string(b))
			if strings.EqualFold(params["format"], "flowed") {
				text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
			}
			return text, nil
		}
		html, haveHTML = string(b), true
	}
	if haveHTML {
		return htmlToText(html), nil
	}
	return "", nil
}

// maxTokens bounds how many tokens one message can make the handler check.
const maxTokens = 32

// findTokens collects the reply tokens of our signed Message-IDs and of
// plus-addresses among the recipients. Domains are not compared: the HMAC is
// the proof, whatever domain the token arrived on.
func findTokens(h mail.Header) []Token {
	var out []Token
	add := func(t Token) {
		if len(out) < maxTokens && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, key := range []string{"In-Reply-To", "References"} {
		for _, id := range email.SplitMessageIDs(h.Get(key)) {
			if _, number, token, _, err := email.ParseSignedMessageID(id); err == nil && token != "" {
				add(Token{Number: number, Token: token, Header: key})
			}
		}
	}
	for _, key := range []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"} {
		for f := h.FieldsByKey(key); f.Next(); {
			var addrs []string
			if list, err := mail.ParseAddressList(f.Value()); err == nil {
				for _, a := range list {
					addrs = append(addrs, a.Address)
				}
			} else {
				// Delivered-To and X-Original-To are often bare.
				addrs = strings.FieldsFunc(f.Value(), func(r rune) bool { return r == ',' || r == ' ' || r == '<' || r == '>' })
			}
			for _, a := range addrs {
				if number, token, ok := email.ParseReplyAddress(a); ok {
					add(Token{Number: number, Token: token, Header: key})
				}
			}
		}
	}
	return out
}

// firstMsgID returns the first <msg-id> of a header value, or the trimmed
// value when it has no angle brackets (some clients omit them).
func firstMsgID(v string) string {
	if ids := email.SplitMessageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// unflow joins the soft line breaks of RFC 3676 format=flowed text (Thunderbird,
// Apple Mail): a line ending in a space continues on the next line of the
// same quote depth. The signature separator "-- " is never joined, and
// space-stuffing (a leading space added before ">" or "From ") is removed.
func unflow(text string, delSp bool) string {
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	joining := false
	prevDepth := 0
	for _, l := range lines {
		depth := len(l) - len(strings.TrimLeft(l, ">"))
		content := strings.TrimPrefix(l[depth:], " ")
		if depth == 0 {
			content = l
			if strings.HasPrefix(content, " ") {
				content = content[1:]
			}
		}
		if joining && depth == prevDepth {
			out[len(out)-1] += content
		} else {
			out = append(out, l[:depth]+prefixSpace(depth)+content)
		}
		soft := strings.HasSuffix(l, " ") && l != "-- " && content != "-- "
		if soft && delSp {
			out[len(out)-1] = strings.TrimSuffix(out[len(out)-1], " ")
		}
		joining, prevDepth = soft, depth
	}
	return strings.Join(out, "\n")
}

func prefixSpace(depth int) string {
	if depth > 0 {
		return " "
	}
	return ""
}

package email

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// ReplyTokenBytes is how much of the HMAC-SHA256 a reply token keeps: 80
// bits, written as 16 base32 characters. Guessing one token takes 2^79
// tries on average, and each guess costs the forger an email.
const ReplyTokenBytes = 10

// ReplyKeys sign the reply tokens that supplier order emails carry. A reply
// that quotes a valid token (in its In-Reply-To or References, or in the
// plus-address it was sent to) proves that its sender received our email
// about that supplier order; supplier order numbers alone are sequential and
// guessable. The keys are shared by all replicas (see the store).
type ReplyKeys struct {
	// Current signs new emails and is accepted in replies.
	Current []byte
	// Previous keys are still accepted in replies, so that a rotated key
	// does not invalidate the emails already out.
	Previous [][]byte
}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Token returns the reply token for a supplier order of a supplier, or ""
// when there is no current key.
func (k ReplyKeys) Token(number, supplier string) string {
	if len(k.Current) == 0 {
		return ""
	}
	return replyToken(k.Current, number, supplier)
}

// Valid reports whether token is the reply token of the supplier order under
// the current or a previous key. Case is ignored: some mail servers lower-
// or upper-case the local part of an address.
func (k ReplyKeys) Valid(number, supplier, token string) bool {
	if len(token) != tokenEncoding.EncodedLen(ReplyTokenBytes) {
		return false
	}
	got := []byte(strings.ToLower(token))
	for _, key := range append([][]byte{k.Current}, k.Previous...) {
		if len(key) == 0 {
			continue
		}
		if hmac.Equal(got, []byte(replyToken(key, number, supplier))) {
			return true
		}
	}
	return false
}

func replyToken(key []byte, number, supplier string) string {
	mac := hmac.New(sha256.New, key)
	// The NUL bytes keep ("1-2", "3") and ("1", "2-3") apart.
	mac.Write([]byte("supplyhub reply token v1\x00" + number + "\x00" + supplier))
	return tokenEncoding.EncodeToString(mac.Sum(nil)[:ReplyTokenBytes])
}

// ReplyAddress returns the Reply-To of a supplier order email: from's
// address with "+NUMBER.TOKEN" added to its local part (RFC 5233
// subaddressing), e.g. orders+22-31.k5vq3xw2m4a7cd2e@hub.example. The
// receiving mail server must deliver such addresses to the mailbox that
// mail.inbound reads. The number is escaped like a Message-ID segment, so
// the result is always a valid address.
func ReplyAddress(from Address, number, token string) Address {
	local, domain, ok := strings.Cut(from.Address, "@")
	if !ok || token == "" {
		return from
	}
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	return Address{Name: from.Name, Address: local + "+" + escapeSegment(number) + "." + token + "@" + domain}
}

// ParseReplyAddress returns the supplier order number and token of an
// address made by ReplyAddress; ok is false for any other address.
func ParseReplyAddress(addr string) (number, token string, ok bool) {
	local, _, found := strings.Cut(strings.TrimSpace(addr), "@")
	if !found {
		return "", "", false
	}
	_, sub, found := strings.Cut(local, "+")
	if !found {
		return "", "", false
	}
	dot := strings.LastIndexByte(sub, '.')
	if dot < 0 || dot == len(sub)-1 {
		return "", "", false
	}
	number, err := unescapeSegment(sub[:dot])
	if err != nil {
		return "", "", false
	}
	return number, sub[dot+1:], true
}

// SignedMessageID is MessageID with a reply token after the id:
//
//	<KIND.ID+TOKEN@DOMAIN>    e.g. <order.created.22-31+k5vq3xw2m4a7cd2e@hub.example>
//
// MessageID never writes "+" (it escapes it), so the token is unambiguous;
// ParseMessageID ignores it and ParseSignedMessageID returns it. A reply's
// In-Reply-To and References carry it back.
func SignedMessageID(kind, id, token, domain string) string {
	if token == "" {
		return MessageID(kind, id, domain)
	}
	return "<" + escapeDotted(kind) + "." + escapeSegment(id) + "+" + escapeSegment(token) + "@" + escapeDotted(domain) + ">"
}

// ParseSignedMessageID is ParseMessageID that also returns the reply token
// ("" when the msg-id has none).
func ParseSignedMessageID(msgID string) (kind, id, token, domain string, err error) {
	return parseMessageID(msgID)
}

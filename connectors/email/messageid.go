package email

import (
	"errors"
	"fmt"
	"strings"
)

// MessageID returns the Message-ID of the email of the given kind about the
// given id, sent from domain:
//
//	<KIND.ID@DOMAIN>    e.g. <order.created.22-31@supplyhub.example>
//
// KIND and DOMAIN are dot-separated; ID never contains a dot, so the last dot
// before "@" separates them. Letters, digits and "-" are written as is; any
// other byte becomes "=XX" (upper-case hex, like quoted-printable) and an
// empty part or dot-separated segment becomes "_", so any input yields a valid
// msg-id that ParseMessageID maps back to the same three strings.
//
// The result depends on nothing else: the same delivery always gets the same
// Message-ID, so a retry does not start a second thread and a reply can be
// matched to what it answers (FindMessageID).
func MessageID(kind, id, domain string) string {
	return "<" + escapeDotted(kind) + "." + escapeSegment(id) + "@" + escapeDotted(domain) + ">"
}

// ParseMessageID recovers kind, id and domain from a msg-id made by
// MessageID, with or without its angle brackets. Foreign msg-ids usually fail;
// one that happens to parse belongs to someone else unless its domain is ours,
// which is what FindMessageID checks.
func ParseMessageID(msgID string) (kind, id, domain string, err error) {
	kind, id, _, domain, err = parseMessageID(msgID)
	return kind, id, domain, err
}

func parseMessageID(msgID string) (kind, id, token, domain string, err error) {
	s := strings.TrimSpace(msgID)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	left, domainPart, ok := strings.Cut(s, "@")
	if !ok {
		return "", "", "", "", fmt.Errorf("parse message id %q: missing @", msgID)
	}
	dot := strings.LastIndexByte(left, '.')
	if dot < 0 {
		return "", "", "", "", fmt.Errorf("parse message id %q: missing kind", msgID)
	}
	idPart, tokenPart, signed := strings.Cut(left[dot+1:], "+")
	if kind, err = unescapeDotted(left[:dot]); err == nil {
		if id, err = unescapeSegment(idPart); err == nil && signed {
			token, err = unescapeSegment(tokenPart)
		}
		if err == nil {
			domain, err = unescapeDotted(domainPart)
		}
	}
	if err != nil {
		return "", "", "", "", fmt.Errorf("parse message id %q: %w", msgID, err)
	}
	return kind, id, token, domain, nil
}

// SplitMessageIDs returns the msg-ids, with their angle brackets, found in an
// In-Reply-To or References header value, in order. Anything between them
// (folding, comments, mail clients' junk) is ignored.
func SplitMessageIDs(value string) []string {
	var ids []string
	for {
		start := strings.IndexByte(value, '<')
		if start < 0 {
			return ids
		}
		end := strings.IndexByte(value[start:], '>')
		if end < 0 {
			return ids
		}
		ids = append(ids, value[start:start+end+1])
		value = value[start+end+1:]
	}
}

// FindMessageID returns the kind and id of the last msg-id in an In-Reply-To
// or References header value that MessageID made for domain. References run
// oldest first, so the last one of ours is the message most directly replied
// to.
func FindMessageID(value, domain string) (kind, id string, ok bool) {
	ids := SplitMessageIDs(value)
	for i := len(ids) - 1; i >= 0; i-- {
		k, v, d, err := ParseMessageID(ids[i])
		if err == nil && strings.EqualFold(d, domain) {
			return k, v, true
		}
	}
	return "", "", false
}

const upperHex = "0123456789ABCDEF"

func escapeDotted(s string) string {
	segs := strings.Split(s, ".")
	for i, seg := range segs {
		segs[i] = escapeSegment(seg)
	}
	return strings.Join(segs, ".")
}

func escapeSegment(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLiteral(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0x0f])
	}
	return b.String()
}

func unescapeDotted(s string) (string, error) {
	segs := strings.Split(s, ".")
	for i, seg := range segs {
		v, err := unescapeSegment(seg)
		if err != nil {
			return "", err
		}
		segs[i] = v
	}
	return strings.Join(segs, "."), nil
}

var errNotOurs = errors.New("not written by MessageID")

func unescapeSegment(s string) (string, error) {
	if s == "_" {
		return "", nil
	}
	if s == "" {
		return "", errNotOurs
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLiteral(c):
			b.WriteByte(c)
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			return "", errNotOurs
		}
	}
	return b.String(), nil
}

func isLiteral(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

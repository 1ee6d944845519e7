package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
)

// dateLayout is RFC 5322's date-time with a numeric zone.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// reserved reports whether Message.Headers may not set the field (in
// canonical form): Build writes it itself, or (Bcc) it would disclose.
func reserved(key string) bool {
	switch key {
	case "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject",
		"Message-Id", "In-Reply-To", "References", "Mime-Version",
		"Content-Type", "Content-Transfer-Encoding", "Content-Disposition":
		return true
	}
	return false
}

// Build encodes m as an RFC 5322 message with CRLF line endings: a single
// text part, multipart/alternative when there is both text and HTML, wrapped
// in multipart/mixed when there are attachments.
//
// The output depends only on m: header fields come in a fixed order, the
// Date is m.Date and MIME boundaries are hashed from the Message-ID, so the
// same message always encodes to the same bytes.
func Build(m *Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New("build message: nil message")
	}
	b, err := build(m)
	if err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return b, nil
}

func build(m *Message) ([]byte, error) {
	top, err := envelopeFields(m)
	if err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("no text or HTML body")
	}
	text, html := normalizeNewlines(m.Text), normalizeNewlines(m.HTML)
	bodies := []string{text, html}

	var parts []leaf
	if text != "" {
		parts = append(parts, textLeaf("text/plain", text))
	}
	if html != "" {
		parts = append(parts, textLeaf("text/html", html))
	}
	atts := make([]leaf, 0, len(m.Attachments))
	for i, a := range m.Attachments {
		l, err := attachmentLeaf(a)
		if err != nil {
			return nil, fmt.Errorf("attachment %d (%q): %w", i+1, a.Filename, err)
		}
		atts = append(atts, l)
	}

	var buf bytes.Buffer
	switch {
	case len(atts) > 0:
		top = append(top, multipartFields("mixed", boundary(m.MessageID, "mix", bodies))...)
		w, err := message.CreateWriter(&buf, top.header())
		if err != nil {
			return nil, err
		}
		if len(parts) == 1 {
			err = parts[0].writeTo(w)
		} else {
			err = writeAlternative(w, boundary(m.MessageID, "alt", bodies), parts)
		}
		if err != nil {
			return nil, err
		}
		for _, a := range atts {
			if err := a.writeTo(w); err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case len(parts) > 1:
		top = append(top, multipartFields("alternative", boundary(m.MessageID, "alt", bodies))...)
		w, err := message.CreateWriter(&buf, top.header())
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			if err := p.writeTo(w); err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	default:
		top = append(top, rawField{"MIME-Version", "1.0"})
		top = append(top, parts[0].fields...)
		w, err := message.CreateWriter(&buf, top.header())
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(parts[0].body); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// envelopeFields returns the message's own header fields in output order,
// everything but the MIME ones.
func envelopeFields(m *Message) (fields, error) {
	if m.Date.IsZero() {
		return nil, errors.New("no Date: it must come from the message so that a retry encodes identically")
	}
	msgID, err := normalizeMsgID(m.MessageID)
	if err != nil {
		return nil, fmt.Errorf("Message-ID: %w", err)
	}
	from, err := formatAddresses([]Address{m.From})
	if err != nil {
		return nil, fmt.Errorf("From: %w", err)
	}
	if len(m.To)+len(m.Cc) == 0 {
		return nil, errors.New("no To or Cc recipient")
	}
	fs := fields{
		field{"Date", m.Date.Format(dateLayout)},
		field{"From", from},
	}
	if m.ReplyTo != nil {
		v, err := formatAddresses([]Address{*m.ReplyTo})
		if err != nil {
			return nil, fmt.Errorf("Reply-To: %w", err)
		}
		fs = append(fs, field{"Reply-To", v})
	}
	for _, list := range []struct {
		key   string
		addrs []Address
	}{{"To", m.To}, {"Cc", m.Cc}} {
		if len(list.addrs) == 0 {
			continue
		}
		v, err := formatAddresses(list.addrs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", list.key, err)
		}
		fs = append(fs, field{list.key, v})
	}
	fs = append(fs, field{"Subject", encodeText(m.Subject)})
	fs = append(fs, rawField{"Message-ID", msgID})
	if m.InReplyTo != "" {
		v, err := normalizeMsgID(m.InReplyTo)
		if err != nil {
			return nil, fmt.Errorf("In-Reply-To: %w", err)
		}
		fs = append(fs, field{"In-Reply-To", v})
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			if refs[i], err = normalizeMsgID(r); err != nil {
				return nil, fmt.Errorf("References: %w", err)
			}
		}
		fs = append(fs, field{"References", strings.Join(refs, " ")})
	}
	extra, err := extraFields(m.Headers)
	if err != nil {
		return nil, err
	}
	return append(fs, extra...), nil
}

func extraFields(h map[string]string) (fields, error) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fs := make(fields, 0, len(keys))
	for _, k := range keys {
		if k == "" || strings.IndexFunc(k, func(r rune) bool { return r <= ' ' || r > '~' || r == ':' }) >= 0 {
			return nil, fmt.Errorf("header name %q is not a field name", k)
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if reserved(ck) {
			return nil, fmt.Errorf("header %s is set from the Message fields, not Headers", ck)
		}
		// Encoding also turns any CR or LF into an encoded word, so a value
		// cannot inject further fields.
		fs = append(fs, field{ck, encodeText(h[k])})
	}
	return fs, nil
}

func formatAddresses(addrs []Address) (string, error) {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		p, err := mail.ParseAddress("<" + a.Address + ">")
		if err != nil || p.Address != a.Address {
			return "", fmt.Errorf("invalid address %q", a.Address)
		}
		out[i] = "<" + a.Address + ">"
		switch {
		case a.Name == "":
		case needsEncoding(a.Name):
			out[i] = encodeText(a.Name) + " " + out[i]
		default:
			out[i] = a.String() // quotes the name where needed
		}
	}
	return strings.Join(out, ", "), nil
}

// normalizeMsgID returns id in angle brackets after checking it is one
// printable ASCII msg-id.
func normalizeMsgID(id string) (string, error) {
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	left, right, ok := strings.Cut(s, "@")
	if !ok || left == "" || right == "" || strings.ContainsAny(s, "<> ") ||
		strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return "", fmt.Errorf("invalid msg-id %q", id)
	}
	return "<" + s + ">", nil
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// encodeText returns s as header text: unchanged when it is printable ASCII,
// otherwise as RFC 2047 Q-encoded words. Unlike mime.QEncoding's 75-column
// words, these are short enough that go-message can fold the field between
// them within 76 columns.
func encodeText(s string) string {
	const (
		prefix, suffix = "=?utf-8?q?", "?="
		maxPayload     = 60 - len(prefix) - len(suffix)
	)
	if !needsEncoding(s) {
		return s
	}
	var words []string
	var w strings.Builder
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		var enc strings.Builder
		for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case isLiteral(c) || c == '!' || c == '*' || c == '+' || c == '/':
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		// A word holds whole characters: RFC 2047 forbids splitting one.
		if w.Len() > 0 && w.Len()+enc.Len() > maxPayload {
			words = append(words, prefix+w.String()+suffix)
			w.Reset()
		}
		w.WriteString(enc.String())
	}
	words = append(words, prefix+w.String()+suffix)
	return strings.Join(words, " ")
}

// needsEncoding reports whether s cannot stand as header text: it has a
// control or non-ASCII character, or something a decoder would take for an
// encoded word.
func needsEncoding(s string) bool {
	return strings.Contains(s, "=?") || strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r > '~' }) >= 0
}

// boundary derives a multipart boundary from the Message-ID. "=_" cannot
// occur in quoted-printable or base64 output, so only 7bit bodies can
// collide, and those are checked.
func boundary(msgID, label string, bodies []string) string {
	for n := 0; ; n++ {
		sum := sha256.Sum256([]byte(msgID + "\x00" + label + "\x00" + strconv.Itoa(n)))
		b := "=_" + label + "_" + hex.EncodeToString(sum[:12])
		clash := false
		for _, body := range bodies {
			clash = clash || strings.Contains(body, b)
		}
		if !clash {
			return b
		}
	}
}

func multipartFields(subtype, boundary string) fields {
	return fields{
		rawField{"MIME-Version", "1.0"},
		field{"Content-Type", mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": boundary})},
	}
}

func writeAlternative(w *message.Writer, boundary string, parts []leaf) error {
	aw, err := w.CreatePart(fields{
		field{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})},
	}.header())
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := p.writeTo(aw); err != nil {
			return err
		}
	}
	return aw.Close()
}

// leaf is a single MIME part: its header fields and its unencoded body.
type leaf struct {
	fields fields
	body   []byte
}

func (l leaf) writeTo(w *message.Writer) error {
	pw, err := w.CreatePart(l.fields.header())
	if err != nil {
		return err
	}
	if _, err := pw.Write(l.body); err != nil {
		return err
	}
	return pw.Close()
}

// textLeaf picks the lightest encoding that keeps body intact on the wire:
// 7bit for short-lined ASCII, base64 for mostly non-ASCII text (where
// quoted-printable would triple the size), quoted-printable otherwise.
func textLeaf(mediaType, body string) leaf {
	enc := textEncoding(body)
	data := []byte(body)
	if enc == "base64" {
		// The canonical form of text is CRLF; the 7bit and quoted-printable
		// writers convert LF themselves.
		data = []byte(strings.ReplaceAll(body, "\n", "\r\n"))
	}
	return leaf{
		fields: fields{
			field{"Content-Type", mime.FormatMediaType(mediaType, map[string]string{"charset": "utf-8"})},
			field{"Content-Transfer-Encoding", enc},
		},
		body: data,
	}
}

func textEncoding(s string) string {
	const maxLine = 78 // RFC 5322's recommended line length
	sevenBit, high, line := true, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			line = 0
			continue
		}
		line++
		switch {
		case c >= 0x80:
			high++
			sevenBit = false
		case c < ' ' && c != '\t', c == 0x7f, line > maxLine:
			sevenBit = false
		}
	}
	switch {
	case sevenBit:
		return "7bit"
	case high*3 > len(s):
		return "base64"
	default:
		return "quoted-printable"
	}
}

func attachmentLeaf(a Attachment) (leaf, error) {
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return leaf{}, fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		return leaf{}, fmt.Errorf("content type %q cannot be an attachment's", ct)
	}
	return leaf{
		fields: fields{
			field{"Content-Type", mime.FormatMediaType(mt, params)},
			field{"Content-Disposition", disposition(a.Filename)},
			// base64 keeps the bytes exact, CRLFs in a CSV included.
			field{"Content-Transfer-Encoding", "base64"},
		},
		body: a.Data,
	}, nil
}

// disposition formats an attachment's Content-Disposition. A short printable
// ASCII filename is written as is; any other is RFC 2231-encoded as UTF-8 and
// split into continuations so that the field can be folded at 76 columns.
func disposition(filename string) string {
	// Sized so that each parameter, with its name, fits a 76-column line.
	const maxPlain, maxChunk = 60, 40
	if filename == "" {
		return "attachment"
	}
	printable := strings.IndexFunc(filename, func(r rune) bool { return r < ' ' || r > '~' }) < 0
	if printable && len(filename) <= maxPlain {
		return mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	}
	var enc strings.Builder
	for i := 0; i < len(filename); i++ {
		c := filename[i]
		if isLiteral(c) || strings.IndexByte("!#$&+.^_`|~", c) >= 0 {
			enc.WriteByte(c)
		} else {
			fmt.Fprintf(&enc, "%%%02X", c)
		}
	}
	v := enc.String()
	if len(v) <= maxChunk {
		return "attachment; filename*=utf-8''" + v
	}
	var b strings.Builder
	b.WriteString("attachment")
	for n := 0; v != ""; n++ {
		cut := min(maxChunk, len(v))
		// Never split a %XX escape across two continuations.
		if i := strings.LastIndexByte(v[:cut], '%'); i >= 0 && i > cut-3 && cut < len(v) {
			cut = i
		}
		if n == 0 {
			fmt.Fprintf(&b, "; filename*0*=utf-8''%s", v[:cut])
		} else {
			fmt.Fprintf(&b, "; filename*%d*=%s", n, v[:cut])
		}
		v = v[cut:]
	}
	return b.String()
}

// headerField is one header field in output order.
type headerField interface{ addTo(h *message.Header) }

// field is a header field that go-message folds at 76 columns.
type field struct{ key, value string }

// rawField is written verbatim, keeping the conventional capitalisation
// ("Message-ID", "MIME-Version") that go-message's canonical keys would lose.
// Its value is a single token, so it never needs folding.
type rawField struct{ key, value string }

func (f field) addTo(h *message.Header) { h.Add(f.key, f.value) }

func (f rawField) addTo(h *message.Header) { h.AddRaw([]byte(f.key + ": " + f.value + "\r\n")) }

type fields []headerField

// header returns the fields as a go-message header. go-message writes the
// most recently added field first, so they are added in reverse.
func (fs fields) header() message.Header {
	var h message.Header
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i].addTo(&h)
	}
	return h
}

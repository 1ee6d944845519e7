package email

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

func baseMessage() *Message {
	return &Message{
		From:      Address{Name: "Supplyhub", Address: "orders@supplyhub.example"},
		To:        []Address{{Name: "Zoë Ñúñez", Address: "zoe@example.com"}},
		Subject:   "Pedido 22-31 de Zoë Ñúñez: señal, «ümlaut» and a subject long enough to need folding",
		MessageID: "<order.created.22-31@supplyhub.example>",
		Date:      time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	}
}

// decoded is what a mail reader makes of a built message.
type decoded struct {
	subject, to string
	types       []string // media types of the leaf parts, in order
	bodies      []string // their decoded bodies
	filenames   []string // attachment file names
}

func decode(t *testing.T, raw []byte) decoded {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	if d.subject, err = r.Header.Subject(); err != nil {
		t.Fatal(err)
	}
	to, err := r.Header.AddressList("To")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range to {
		d.to += a.Name + "|" + a.Address + ";"
	}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			mt, _, _ := h.ContentType()
			d.types = append(d.types, mt)
		case *mail.AttachmentHeader:
			mt, _, _ := h.ContentType()
			d.types = append(d.types, mt)
			name, err := h.Filename()
			if err != nil {
				t.Fatal(err)
			}
			d.filenames = append(d.filenames, name)
		}
		d.bodies = append(d.bodies, string(body))
	}
	return d
}

func TestBuildStructure(t *testing.T) {
	longName := strings.Repeat("Überweisungsträger ", 5) + ".pdf"
	tests := []struct {
		name      string
		edit      func(*Message)
		topType   string
		types     []string
		bodies    []string
		filenames []string
	}{
		{
			name:    "text only",
			edit:    func(m *Message) { m.Text = "Hola Zoë\r\nline two\n" },
			topType: "text/plain",
			types:   []string{"text/plain"},
			bodies:  []string{"Hola Zoë\r\nline two\r\n"},
		},
		{
			name:    "html only",
			edit:    func(m *Message) { m.HTML = "<p>Hola</p>\n" },
			topType: "text/html",
			types:   []string{"text/html"},
			bodies:  []string{"<p>Hola</p>\r\n"},
		},
		{
			name: "alternative",
			edit: func(m *Message) {
				m.Text, m.HTML = "Hola Zoë\n", "<p>Hola Zoë</p>\n"
			},
			topType: "multipart/alternative",
			types:   []string{"text/plain", "text/html"},
			bodies:  []string{"Hola Zoë\r\n", "<p>Hola Zoë</p>\r\n"},
		},
		{
			name: "mostly non-ASCII text",
			edit: func(m *Message) { m.Text = "Заказ 22-31 от Зои\n" },
			// base64 rather than quoted-printable; decodes the same.
			topType: "text/plain",
			types:   []string{"text/plain"},
			bodies:  []string{"Заказ 22-31 от Зои\r\n"},
		},
		{
			name: "mixed with attachments",
			edit: func(m *Message) {
				m.Text, m.HTML = "see attached\n", "<p>see attached</p>\n"
				m.Attachments = []Attachment{
					{Filename: "señal.csv", ContentType: "text/csv", Data: []byte("a,b\r\n1,2\r\n")},
					{Filename: longName, Data: []byte{0, 1, 2, 255}},
					{Filename: `plain "quoted".txt`, ContentType: "text/plain; charset=utf-8", Data: []byte("x")},
				}
			},
			topType:   "multipart/mixed",
			types:     []string{"text/plain", "text/html", "text/csv", "application/octet-stream", "text/plain"},
			bodies:    []string{"see attached\r\n", "<p>see attached</p>\r\n", "a,b\r\n1,2\r\n", "\x00\x01\x02\xff", "x"},
			filenames: []string{"señal.csv", longName, `plain "quoted".txt`},
		},
		{
			name: "mixed with text only",
			edit: func(m *Message) {
				m.Text = "see attached\n"
				m.Attachments = []Attachment{{Filename: "a.csv", ContentType: "text/csv", Data: []byte("a")}}
			},
			topType:   "multipart/mixed",
			types:     []string{"text/plain", "text/csv"},
			bodies:    []string{"see attached\r\n", "a"},
			filenames: []string{"a.csv"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			tt.edit(m)
			raw, err := Build(m)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Build(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, again) {
				t.Fatal("two builds of the same message differ")
			}
			checkWire(t, raw)
			top, err := mail.CreateReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if mt, _, _ := top.Header.ContentType(); mt != tt.topType {
				t.Errorf("top Content-Type = %s, want %s", mt, tt.topType)
			}
			d := decode(t, raw)
			if d.subject != m.Subject {
				t.Errorf("subject decodes to %q", d.subject)
			}
			if d.to != "Zoë Ñúñez|zoe@example.com;" {
				t.Errorf("To decodes to %q", d.to)
			}
			if strings.Join(d.types, ",") != strings.Join(tt.types, ",") {
				t.Errorf("part types = %v, want %v", d.types, tt.types)
			}
			if strings.Join(d.bodies, "\x00|") != strings.Join(tt.bodies, "\x00|") {
				t.Errorf("bodies = %q, want %q", d.bodies, tt.bodies)
			}
			if strings.Join(d.filenames, "|") != strings.Join(tt.filenames, "|") {
				t.Errorf("filenames = %q, want %q", d.filenames, tt.filenames)
			}
		})
	}
}

// checkWire checks what any SMTP server and mail reader expects: CRLF line
// endings only, 7-bit header lines folded within 78 columns.
func checkWire(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) ||
		bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Error("bare CR or LF in output")
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 columns: %q", line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Errorf("8-bit byte in %q", line)
				break
			}
		}
	}
}

func TestBuildHeaders(t *testing.T) {
	m := baseMessage()
	m.Text = "x"
	m.Cc = []Address{{Name: "Archive", Address: "archive@supplyhub.example"}}
	m.ReplyTo = &Address{Address: "replies@supplyhub.example"}
	m.InReplyTo = "order.created.22-31@supplyhub.example" // brackets are added
	m.References = []string{"<a@x.example>", "<order.created.22-31@supplyhub.example>"}
	m.Headers = map[string]string{"x-b": "two", "X-A": "ünï\r\nBcc: evil@example.com"}
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	var keys []string
	for _, line := range strings.Split(head, "\r\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			keys = append(keys, k)
		}
	}
	want := "Date,From,Reply-To,To,Cc,Subject,Message-ID,In-Reply-To,References,X-A,X-B,MIME-Version,Content-Type,Content-Transfer-Encoding"
	if got := strings.Join(keys, ","); got != want {
		t.Errorf("header order\n got %s\nwant %s", got, want)
	}
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("Date"); got != "Wed, 01 May 2024 12:00:00 +0200" {
		t.Errorf("Date = %q", got)
	}
	if got := r.Header.Get("In-Reply-To"); got != "<order.created.22-31@supplyhub.example>" {
		t.Errorf("In-Reply-To = %q", got)
	}
	if got := r.Header.Get("References"); got != "<a@x.example> <order.created.22-31@supplyhub.example>" {
		t.Errorf("References = %q", got)
	}
	if got, _ := r.Header.Text("X-A"); got != "ünï\r\nBcc: evil@example.com" {
		t.Errorf("X-A decodes to %q", got)
	}
	if r.Header.Has("Bcc") {
		t.Error("a header value injected a Bcc field")
	}
}

func TestBuildBoundaries(t *testing.T) {
	build := func(id string) []byte {
		t.Helper()
		m := baseMessage()
		m.MessageID = id
		m.Text, m.HTML = "x", "<p>x</p>"
		raw, err := Build(m)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	a, b := build("<a@supplyhub.example>"), build("<b@supplyhub.example>")
	boundaryOf := func(raw []byte) string {
		t.Helper()
		r, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		_, params, _ := r.Header.ContentType()
		return params["boundary"]
	}
	if boundaryOf(a) == boundaryOf(b) {
		t.Error("different Message-IDs share a boundary")
	}

	// A 7bit body that happens to contain the boundary gets another one.
	m := baseMessage()
	m.HTML = "<p>x</p>"
	m.Text = "--" + boundaryOf(build(m.MessageID)) + "\n"
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	if d := decode(t, raw); len(d.bodies) != 2 || d.bodies[0] != strings.ReplaceAll(m.Text, "\n", "\r\n") {
		t.Errorf("body containing the first-choice boundary decodes to %q", d.bodies)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Message)
		want string
	}{
		{"no date", func(m *Message) { m.Date = time.Time{} }, "Date"},
		{"no message id", func(m *Message) { m.MessageID = "" }, "Message-ID"},
		{"bad message id", func(m *Message) { m.MessageID = "<a b@c>" }, "Message-ID"},
		{"bad from", func(m *Message) { m.From.Address = "not an address" }, "From"},
		{"bad to", func(m *Message) { m.To[0].Address = "x@y>\r\nBcc: z@w" }, "To"},
		{"no recipients", func(m *Message) { m.To = nil }, "recipient"},
		{"no body", func(m *Message) { m.Text = "" }, "no text or HTML"},
		{"reserved header", func(m *Message) { m.Headers = map[string]string{"subject": "x"} }, "Subject"},
		{"bad header name", func(m *Message) { m.Headers = map[string]string{"X Y": "x"} }, "field name"},
		{"bad reference", func(m *Message) { m.References = []string{"nope"} }, "References"},
		{"bad attachment type", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a", ContentType: "text/", Data: []byte("x")}}
		}, "attachment 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			m.Text = "x"
			tt.edit(m)
			_, err := Build(m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

package email

import (
	"bytes"
	"strings"
	"testing"
)

// TestBuildRefusesHeaderInjection builds messages whose subject, names and
// extra header values carry CR/LF and a forged field: the built message
// never gains that field, and what a reader decodes keeps the text inside
// the field it came in.
func TestBuildRefusesHeaderInjection(t *testing.T) {
	const forged = "\r\nBcc: evil@example.com\r\nX-Evil: 1"
	for _, tc := range []struct {
		name string
		edit func(m *Message)
	}{
		{"subject", func(m *Message) { m.Subject = "Order 22-31" + forged }},
		{"subject LF only", func(m *Message) { m.Subject = "Order\nBcc: evil@example.com" }},
		{"recipient name", func(m *Message) { m.To[0].Name = "Zoë" + forged }},
		{"sender name", func(m *Message) { m.From.Name = "Shop" + forged }},
		{"extra header value", func(m *Message) { m.Headers = map[string]string{"X-Supplyhub-Order": "22-31" + forged} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := baseMessage()
			m.Text = "hello"
			tc.edit(m)
			raw, err := Build(m)
			if err != nil {
				t.Logf("refused to build: %v", err)
				return // refusing to build is safe too
			}
			head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			for _, l := range strings.Split(string(head), "\r\n") {
				if strings.HasPrefix(strings.ToLower(l), "bcc:") || strings.HasPrefix(strings.ToLower(l), "x-evil:") {
					t.Fatalf("forged field %q in header:\n%s", l, head)
				}
			}
			if d := decode(t, raw); tc.name == "subject" && !strings.Contains(d.subject, "Bcc: evil@example.com") {
				t.Errorf("subject %q lost the text instead of keeping it inside the field", d.subject)
			}
		})
	}
}

package bench

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// mailSink is an in-process SMTP server that takes every message and
// records the supplier order its Message-ID names
// (<order.created.22-31+token@domain>).
type mailSink struct {
	srv *smtp.Server
	ln  net.Listener
	tr  *tracker
}

func newMailSink(tr *tracker) (*mailSink, error) {
	m := &mailSink{tr: tr}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{m: m}, nil }))
	m.srv.Domain = "sink.bench.test"
	m.srv.ErrorLog = log.New(io.Discard, "", 0)
	m.srv.MaxMessageBytes = 10 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for smtp: %w", err)
	}
	m.ln = ln
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

func (m *mailSink) port() int    { return m.ln.Addr().(*net.TCPAddr).Port }
func (m *mailSink) addr() string { return m.ln.Addr().String() }
func (m *mailSink) close()       { _ = m.srv.Close() }

type sinkSession struct{ m *mailSink }

func (s *sinkSession) Reset()                               {}
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		s.m.tr.refused("email: " + err.Error())
		return err
	}
	_, _ = io.Copy(io.Discard, msg.Body)
	id := msg.Header.Get("Message-Id")
	number, ok := messageNumber(id)
	if !ok {
		s.m.tr.refused("email with Message-ID " + id + ": no supplier order number")
		return nil
	}
	s.m.tr.arrived(number, time.Now())
	return nil
}

// messageNumber takes "22-31" out of "<order.created.22-31+token@domain>".
func messageNumber(id string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.Trim(id, "<>"), "order.created.")
	if !ok {
		return "", false
	}
	n, _, ok := strings.Cut(rest, "+")
	if !ok || n == "" {
		return "", false
	}
	return n, true
}

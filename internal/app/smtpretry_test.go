package app_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// flakySMTP is a go-smtp server that answers 451 (try again later) at the
// end of DATA for the first refuse messages, then accepts. It records the
// Message-ID and time of every attempt, refused or not.
type flakySMTP struct {
	refuse   int
	mu       sync.Mutex
	attempts []smtpAttempt
}

type smtpAttempt struct {
	messageID string
	at        time.Time
	accepted  bool
}

func (b *flakySMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &flakySession{be: b}, nil }

func (b *flakySMTP) log() []smtpAttempt {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]smtpAttempt(nil), b.attempts...)
}

type flakySession struct{ be *flakySMTP }

func (s *flakySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *flakySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *flakySession) Reset()                               {}
func (s *flakySession) Logout() error                        { return nil }

func (s *flakySession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message"}
	}
	b := s.be
	b.mu.Lock()
	defer b.mu.Unlock()
	a := smtpAttempt{messageID: m.Header.Get("Message-ID"), at: time.Now(), accepted: len(b.attempts) >= b.refuse}
	b.attempts = append(b.attempts, a)
	if !a.accepted {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

// TestSMTPRefusesThenAccepts: the mail server answers 451 to the first
// three attempts at the order email and accepts the fourth. The email is
// delivered exactly once, every attempt carried the same Message-ID, and
// the delivery records the four attempts with the server's answers.
func TestSMTPRefusesThenAccepts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		be := &flakySMTP{refuse: 3}
		srv := smtp.NewServer(be)
		srv.Domain = "mx.tools.example"
		srv.AllowInsecureAuth = true
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })

		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Mail.From = "Supplyhub <orders@hub.example>"
		cfg.Mail.Transport = "smtp"
		cfg.Mail.SMTP.Host = "127.0.0.1"
		cfg.Mail.SMTP.Port = ln.Addr().(*net.TCPAddr).Port
		cfg.Mail.SMTP.TLS = "none"
		cfg.Suppliers[0].Email = "orders@tools.example"
		cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels,
			config.Channel{Type: "email", Settings: map[string]any{"retry": []any{"100ms", "100ms", "100ms", "100ms"}}})
		d := apptest.StartConfig(t, cfg)
		start := time.Now()
		number := postOrder(t, d, "S-1") + "-31"

		checkAttemptsEventually(t, d, "email", []int{451, 451, 451, 0}, "delivered")
		took := time.Since(start)
		log := be.log()
		accepted := 0
		for i, a := range log {
			if a.messageID != log[0].messageID {
				t.Errorf("attempt %d has Message-ID %s, attempt 1 had %s", i+1, a.messageID, log[0].messageID)
			}
			if a.accepted {
				accepted++
			}
		}
		if len(log) != 4 || accepted != 1 {
			t.Fatalf("server saw %d attempts, accepted %d; want 4 attempts, 1 accepted", len(log), accepted)
		}
		if want := "<order.created." + number + "+"; len(log[0].messageID) < len(want) || log[0].messageID[:len(want)] != want {
			t.Errorf("Message-ID %s, want it to start with %s", log[0].messageID, want)
		}
		ds, err := d.App.Store.ListDeliveries(context.Background(), "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, dl := range ds {
			if dl.Kind != "email" {
				continue
			}
			as, err := d.App.Store.Attempts(context.Background(), dl.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range as[:3] {
				if a.Response != "4.3.0 try again later" {
					t.Errorf("attempt %d recorded response %q", i+1, a.Response)
				}
			}
		}
		var gaps []string
		for i := 1; i < len(log); i++ {
			gaps = append(gaps, strconv.FormatInt(log[i].at.Sub(log[i-1].at).Milliseconds(), 10)+"ms")
		}
		t.Logf("%s: 4 attempts (451, 451, 451, accepted), one Message-ID, delivered %v after the order was posted; gaps between attempts %v",
			kind, took.Round(time.Millisecond), gaps)
	})
}

package email

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

const (
	testFrom = "orders@supplyhub.example"
	testUser = "hub"
	testPass = "s3cret"
)

// TestSMTPSupplierOrderGolden sends the rendered supplier order over
// STARTTLS with AUTH PLAIN and compares what the server received, byte for
// byte, with the golden file.
func TestSMTPSupplierOrderGolden(t *testing.T) {
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage(t, r, testSupplierOrder())
	raw, err := Build(msg)
	if err != nil {
		t.Fatal(err)
	}
	be := &backend{users: map[string]string{testUser: testPass}}
	tr := startServer(t, be, startTLSServer)
	tr.Username, tr.Password = testUser, testPass

	if err := tr.Send(context.Background(), msg.From.Address, msg.Recipients(), raw); err != nil {
		t.Fatal(err)
	}
	got := be.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	env := got[0]
	if env.From != testFrom || strings.Join(env.To, ",") != "orders@moebel.example,archive@supplyhub.example" {
		t.Errorf("envelope = %s → %v", env.From, env.To)
	}
	if env.User != testUser || !env.TLS || env.HELO != "client.test" {
		t.Errorf("user %q, TLS %v, HELO %q; want %q over TLS, HELO client.test", env.User, env.TLS, env.HELO, testUser)
	}
	if !bytes.Equal(env.Data, raw) {
		t.Error("the server received other bytes than Build produced")
	}
	golden(t, "supplier_order.eml", env.Data)
}

func TestSMTPModes(t *testing.T) {
	tests := []struct {
		name    string
		server  serverTLS
		mode    TLSMode
		auth    bool
		wantTLS bool
	}{
		{"none", plainServer, TLSNone, false, false},
		{"none with insecure auth", plainServer, TLSNone, true, false},
		{"starttls by default", startTLSServer, "", false, true},
		{"starttls with auth", startTLSServer, TLSStartTLS, true, true},
		{"implicit", implicitServer, TLSImplicit, false, true},
		{"implicit with auth", implicitServer, TLSImplicit, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{}
			if tt.auth {
				be.users = map[string]string{testUser: testPass}
			}
			tr := startServer(t, be, tt.server)
			tr.TLS = tt.mode
			if tt.auth {
				tr.Username, tr.Password = testUser, testPass
				tr.AllowInsecureAuth = tt.mode == TLSNone
			}
			raw := buildSimple(t)
			if err := tr.Send(context.Background(), testFrom, []string{"a@moebel.example"}, raw); err != nil {
				t.Fatal(err)
			}
			got := be.messages()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			if !bytes.Equal(got[0].Data, raw) {
				t.Errorf("DATA differs from the message sent:\n%s", got[0].Data)
			}
			if got[0].TLS != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", got[0].TLS, tt.wantTLS)
			}
			if wantUser := map[bool]string{true: testUser}[tt.auth]; got[0].User != wantUser {
				t.Errorf("user = %q, want %q", got[0].User, wantUser)
			}
		})
	}
}

// TestSMTPRefusals covers sends that must fail before any message is handed
// over.
func TestSMTPRefusals(t *testing.T) {
	tests := []struct {
		name          string
		server        serverTLS
		configure     func(*SMTP)
		wantErr       string
		wantPermanent bool
	}{
		{
			name:    "starttls not offered",
			server:  plainServer,
			wantErr: "STARTTLS",
		},
		{
			name:   "untrusted certificate",
			server: startTLSServer,
			configure: func(s *SMTP) {
				s.TLSConfig = nil // system roots do not know the test CA
			},
			wantErr: "certificate",
		},
		{
			name:   "password without TLS",
			server: plainServer,
			configure: func(s *SMTP) {
				s.TLS, s.Username, s.Password = TLSNone, testUser, testPass
			},
			wantErr:       "without TLS",
			wantPermanent: true,
		},
		{
			name:   "wrong password",
			server: startTLSServer,
			configure: func(s *SMTP) {
				s.Username, s.Password = testUser, "wrong"
			},
			wantErr:       "535",
			wantPermanent: true,
		},
		{
			name:   "unknown TLS mode",
			server: plainServer,
			configure: func(s *SMTP) {
				s.TLS = "ssl"
			},
			wantErr:       "unknown TLS mode",
			wantPermanent: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{users: map[string]string{testUser: testPass}}
			tr := startServer(t, be, tt.server)
			if tt.configure != nil {
				tt.configure(tr)
			}
			err := tr.Send(context.Background(), testFrom, []string{"a@moebel.example"}, buildSimple(t))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
			if IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v (err %v)", !tt.wantPermanent, tt.wantPermanent, err)
			}
			if n := len(be.messages()); n != 0 {
				t.Errorf("server received %d messages, want none", n)
			}
		})
	}
}

func TestSMTPServerReplies(t *testing.T) {
	tests := []struct {
		name          string
		rcptErr       error
		dataErr       error
		wantCode      int
		wantText      string
		wantStep      string
		wantPermanent bool
	}{
		{
			name:          "550 unknown recipient",
			rcptErr:       &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"},
			wantCode:      550,
			wantText:      "5.1.1 No such user",
			wantStep:      "RCPT TO:<b@moebel.example>",
			wantPermanent: true,
		},
		{
			name:     "451 try later",
			rcptErr:  &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Greylisted, come back later"},
			wantCode: 451,
			wantText: "4.3.0 Greylisted, come back later",
			wantStep: "RCPT TO:<b@moebel.example>",
		},
		{
			name:          "554 content rejected",
			dataErr:       &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Spam"},
			wantCode:      554,
			wantText:      "5.7.1 Spam",
			wantStep:      "DATA",
			wantPermanent: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{dataErr: tt.dataErr}
			if tt.rcptErr != nil {
				be.rcptErr = func(to string) error {
					if to == "b@moebel.example" {
						return tt.rcptErr
					}
					return nil
				}
			}
			tr := startServer(t, be, startTLSServer)
			err := tr.Send(context.Background(), testFrom, []string{"a@moebel.example", "b@moebel.example"}, buildSimple(t))
			if err == nil {
				t.Fatal("send succeeded")
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.wantPermanent)
			}
			code, text, ok := ServerReply(err)
			if !ok || code != tt.wantCode || text != tt.wantText {
				t.Errorf("ServerReply = %d %q %v, want %d %q", code, text, ok, tt.wantCode, tt.wantText)
			}
			for _, want := range []string{"smtp send to " + tr.addr(), tt.wantStep, tt.wantText} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			// One refused recipient aborts the whole transaction.
			if n := len(be.messages()); n != 0 {
				t.Errorf("server accepted %d messages, want none", n)
			}
		})
	}
}

func TestSMTPHangingServer(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // SMTP.Timeout
		ctx     func(t *testing.T) context.Context
	}{
		{
			name:    "context deadline",
			timeout: time.Hour,
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
		},
		{
			name:    "transport timeout",
			timeout: 100 * time.Millisecond,
			ctx:     func(*testing.T) context.Context { return context.Background() },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := startHangingServer(t)
			tr.Timeout = tt.timeout
			start := time.Now()
			err := tr.Send(tt.ctx(t), testFrom, []string{"a@moebel.example"}, buildSimple(t))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want a deadline exceeded", err)
			}
			if IsPermanent(err) {
				t.Error("a time-out is permanent")
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("send took %v to give up", elapsed)
			}
		})
	}
}

func TestSMTPNoRecipients(t *testing.T) {
	tr := &SMTP{Host: "127.0.0.1", Port: 1}
	err := tr.Send(context.Background(), testFrom, nil, buildSimple(t))
	if err == nil || !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
}

// buildSimple builds a small text-only message.
func buildSimple(t *testing.T) []byte {
	t.Helper()
	raw, err := Build(&Message{
		From:      Address{Address: testFrom},
		To:        []Address{{Address: "a@moebel.example"}},
		Subject:   "Test",
		MessageID: MessageID("test", "1", "supplyhub.example"),
		Date:      time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		Text:      "Hello.\n.\nA line that is only a dot above, to exercise dot-stuffing.\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// testdataMail appends every testdata .eml to INBOX and returns their
// Message-IDs by file name.
func testdataMail(t *testing.T, s *testServer) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: %v %d", err, len(files))
	}
	ids := make(map[string]string)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := Parse(raw)
		ids[filepath.Base(f)] = p.MessageID
		s.appendEML(t, "INBOX", raw)
	}
	return ids
}

func (s *testServer) mailbox(t *testing.T, mode TLSMode, cfg *tls.Config) *Mailbox {
	return &Mailbox{
		Addr: s.addr, Username: testUser, Password: testPassword, TLS: mode, TLSConfig: cfg,
		Domain: testDomain, Logger: testLogger(t),
	}
}

func TestRunOnceFlagsProcessedMail(t *testing.T) {
	for _, mode := range []TLSMode{TLSNone, TLSImplicit, TLSStartTLS} {
		t.Run(string(mode), func(t *testing.T) {
			srv, cfg := startServer(t, serverOptions{tls: mode})
			ids := testdataMail(t, srv)
			// Read by a person already, but not processed: still handed over.
			srv.appendEML(t, "INBOX", []byte("From: bob@moebel.example\nSubject: Re: Order 22-31\nMessage-ID: <seen@moebel.example>\n\nDELIVERED\n"), imap.FlagSeen)
			ids["seen"] = "<seen@moebel.example>"
			m := srv.mailbox(t, mode, cfg)
			rec := newRecorder()

			n, err := m.RunOnce(t.Context(), rec)
			if err != nil || n != len(ids) {
				t.Fatalf("RunOnce = %d, %v; want %d, nil", n, err, len(ids))
			}
			wantAction := map[string]Action{
				"reply_in_reply_to_shipped.eml":  ActionShip,
				"reply_subject_only_confirm.eml": ActionAcknowledge,
				"html_only_delivered.eml":        ActionDeliver,
				"qp_non_ascii_cancel.eml":        ActionCancel,
				"outlook_reject_attachment.eml":  ActionReject,
				"seen":                           ActionDeliver,
			}
			for file, id := range ids {
				in, ok := rec.got[id]
				if !ok {
					t.Errorf("%s (%s) not handed over", file, id)
					continue
				}
				if want, clear := wantAction[file]; clear {
					if in.Review || in.Command.Action != want || in.Command.SupplierOrderNumber != "22-31" {
						t.Errorf("%s: %+v, want %s on 22-31", file, in, want)
					}
				} else if !in.Review || in.Reason == "" {
					t.Errorf("%s: %+v, want Review with a reason", file, in)
				}
			}
			if in := rec.got[ids["quoted_cancel_below.eml"]]; in.Command.Action == ActionCancel {
				t.Errorf("quoted CANCEL was obeyed: %+v", in)
			}

			for id, flags := range srv.flags(t, "INBOX", cfg, mode) {
				if !hasFlag(flags, imap.FlagSeen) || !hasFlag(flags, ProcessedKeyword) {
					t.Errorf("%s flags = %v, want \\Seen and %s", id, flags, ProcessedKeyword)
				}
			}

			rec.reset()
			n, err = m.RunOnce(t.Context(), rec)
			if err != nil || n != 0 || len(rec.seen) != 0 {
				t.Errorf("second RunOnce = %d, %v, handed %v; want nothing", n, err, rec.seen)
			}
		})
	}
}

func TestRunOnceHandlerErrorLeavesMessageUnprocessed(t *testing.T) {
	srv, _ := startServer(t, serverOptions{tls: TLSNone})
	ids := testdataMail(t, srv)
	failing := ids["reply_in_reply_to_shipped.eml"]
	m := srv.mailbox(t, TLSNone, nil)
	rec := newRecorder()
	boom := errors.New("store unavailable")
	rec.fail[failing] = boom

	n, err := m.RunOnce(t.Context(), rec)
	var herr *HandlerError
	if !errors.As(err, &herr) || herr.MessageID != failing || !errors.Is(err, boom) {
		t.Fatalf("RunOnce error = %v, want a HandlerError for %s wrapping %v", err, failing, boom)
	}
	if n != len(ids)-1 {
		t.Errorf("processed = %d, want %d", n, len(ids)-1)
	}
	flags := srv.flags(t, "INBOX", nil, TLSNone)[failing]
	if hasFlag(flags, imap.FlagSeen) || hasFlag(flags, ProcessedKeyword) {
		t.Errorf("failed message flags = %v, want neither \\Seen nor %s", flags, ProcessedKeyword)
	}

	// Next run: only the failed message comes back, and now succeeds.
	delete(rec.fail, failing)
	rec.reset()
	n, err = m.RunOnce(t.Context(), rec)
	if err != nil || n != 1 || fmt.Sprint(rec.seen) != fmt.Sprint([]string{failing}) {
		t.Fatalf("second RunOnce = %d, %v, handed %v; want only %s", n, err, rec.seen, failing)
	}
	if in := rec.got[failing]; in.Command.Action != ActionShip {
		t.Errorf("retried message = %+v", in)
	}
}

func TestRunOnceMovesToProcessedMailbox(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"MOVE", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}},
		{"COPY fallback", nil}, // IMAP4rev1 alone: no MOVE, no UIDPLUS
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := startServer(t, serverOptions{tls: TLSNone, caps: tc.caps})
			ids := testdataMail(t, srv)
			failing := ids["unmatched.eml"]
			m := srv.mailbox(t, TLSNone, nil)
			m.ProcessedMailbox = "Supplyhub/Processed"
			rec := newRecorder()
			rec.fail[failing] = errors.New("try later")

			n, err := m.RunOnce(t.Context(), rec)
			if n != len(ids)-1 || err == nil {
				t.Fatalf("RunOnce = %d, %v; want %d and the handler's error", n, err, len(ids)-1)
			}
			inbox := srv.flags(t, "INBOX", nil, TLSNone)
			if _, ok := inbox[failing]; len(inbox) != 1 || !ok {
				t.Errorf("INBOX holds %v, want only %s", inbox, failing)
			}
			if hasFlag(inbox[failing], imap.FlagDeleted) || hasFlag(inbox[failing], imap.FlagSeen) {
				t.Errorf("unprocessed message flags = %v", inbox[failing])
			}
			if moved := srv.flags(t, m.ProcessedMailbox, nil, TLSNone); len(moved) != len(ids)-1 {
				t.Errorf("%s holds %d messages, want %d", m.ProcessedMailbox, len(moved), len(ids)-1)
			}

			delete(rec.fail, failing)
			rec.reset()
			n, err = m.RunOnce(t.Context(), rec)
			if err != nil || n != 1 || len(rec.seen) != 1 {
				t.Errorf("second RunOnce = %d, %v, handed %v; want the one left", n, err, rec.seen)
			}
		})
	}
}

func TestRunWakesUpOnIdle(t *testing.T) {
	srv, _ := startServer(t, serverOptions{tls: TLSNone})
	m := srv.mailbox(t, TLSNone, nil)
	// Far beyond the test's patience: only IDLE can deliver in time.
	m.PollInterval, m.IdleTimeout = time.Hour, time.Hour
	idling := make(chan struct{}, 16)
	m.idleStarted = func() { idling <- struct{}{} }
	rec := newRecorder()
	rec.ch = make(chan string, 4)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, rec) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()

	first := readEML(t, "reply_subject_only_confirm.eml")
	srv.appendEML(t, "INBOX", first)
	expectHandled(t, rec.ch, "<20240502090000.1@moebel.example>")

	// Wait for an IDLE begun after that message: the next mail must end it.
	for len(idling) > 0 {
		<-idling
	}
	select {
	case <-idling:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not IDLE")
	}
	srv.appendEML(t, "INBOX", readEML(t, "html_only_delivered.eml"))
	expectHandled(t, rec.ch, "<html-1@moebel.example>")
}

func TestRunReconnectsAfterConnectionLoss(t *testing.T) {
	srv, _ := startServer(t, serverOptions{tls: TLSNone})
	px := startProxy(t, srv.addr)
	m := srv.mailbox(t, TLSNone, nil)
	m.Addr = px.ln.Addr().String()
	m.PollInterval, m.IdleTimeout = time.Hour, time.Hour
	rec := newRecorder()
	rec.ch = make(chan string, 4)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, rec) }()
	defer func() {
		cancel()
		<-done
	}()

	srv.appendEML(t, "INBOX", readEML(t, "reply_subject_only_confirm.eml"))
	expectHandled(t, rec.ch, "<20240502090000.1@moebel.example>")

	<-px.accepts
	px.cut()
	// Appended while disconnected: found by the first pass after the
	// reconnect (backoff starts at one second). The cut may have hit
	// before the first message was marked: then it comes again, which is
	// the at-least-once contract.
	srv.appendEML(t, "INBOX", readEML(t, "qp_non_ascii_cancel.eml"))
	for got := ""; got != "<qp-1@moebel.example>"; {
		select {
		case got = <-rec.ch:
			if got != "<qp-1@moebel.example>" && got != "<20240502090000.1@moebel.example>" {
				t.Fatalf("handled %s", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("mail appended during the outage not handled within 5s")
		}
	}
	select {
	case <-px.accepts:
	default:
		t.Error("no second connection through the proxy")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for _, m := range []*Mailbox{
		{Addr: "127.0.0.1:1"},
		{Domain: testDomain},
		{Addr: "127.0.0.1:1", Domain: testDomain, TLS: "ssl"},
	} {
		if err := m.Run(t.Context(), newRecorder()); err == nil {
			t.Errorf("Run(%+v) = nil, want a configuration error", m)
		}
	}
}

func TestRunOnceWrongPassword(t *testing.T) {
	srv, _ := startServer(t, serverOptions{tls: TLSNone})
	m := srv.mailbox(t, TLSNone, nil)
	m.Password = "wrong"
	if _, err := m.RunOnce(t.Context(), newRecorder()); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("RunOnce with a wrong password = %v, want a login error", err)
	}
}

func expectHandled(t *testing.T, ch <-chan string, id string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != id {
			t.Fatalf("handled %s, want %s", got, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s not handled within 5s", id)
	}
}

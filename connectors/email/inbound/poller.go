package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
)

// ProcessedKeyword is the IMAP keyword set, with \Seen, on processed mail
// when no ProcessedMailbox is configured. \Seen alone would not do: a person
// reading the mailbox sets it too.
const ProcessedKeyword = "$SupplyhubProcessed"

// Defaults for the zero values of Mailbox.
const (
	DefaultMailbox      = "INBOX"
	DefaultPollInterval = 30 * time.Second
	DefaultIdleTimeout  = 10 * time.Minute
)

const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// TLSMode is how the IMAP connection is encrypted.
type TLSMode string

// TLS modes; the zero value means TLSImplicit.
const (
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS TLSMode = "starttls" // STARTTLS upgrade, required (port 143)
	TLSNone     TLSMode = "none"     // plain text; for tests and local servers
)

// Handler receives every unprocessed message with what it means.
//
// The message is marked processed only when Handle returns nil; an error
// leaves it to be handed over again on a later pass, and so may a crash
// between Handle and the marking. Handle must therefore be idempotent by
// msg.MessageID.
//
// Handle must also check, before applying the command, that the mail
// carries the reply token of in.Command.SupplierOrderNumber (CheckToken),
// that its Authentication-Results do not say it is forged (CheckAuth), and
// that msg.From is one of the registered addresses of the supplier that owns
// the order (the reader has no store, and anybody can write an email with a
// matching subject and From); mail failing a check, and every Interpretation with
// Review set, belongs in the operator review queue. Returning nil after
// queueing it for review is right: review is a result, not a failure.
type Handler interface {
	Handle(ctx context.Context, msg Parsed, in Interpretation) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg Parsed, in Interpretation) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, msg Parsed, in Interpretation) error {
	return f(ctx, msg, in)
}

// Mailbox is an IMAP mailbox that suppliers' replies arrive in.
type Mailbox struct {
	Addr               string // host:port
	Username, Password string
	Mailbox            string // default INBOX
	TLS                TLSMode
	// TLSConfig is used for implicit TLS and STARTTLS; its ServerName
	// defaults to the host of Addr.
	TLSConfig *tls.Config
	// CAFile, when set, is a PEM bundle of CA certificates trusted instead
	// of the system roots (and of TLSConfig.RootCAs); read at each connect.
	CAFile string
	// ProcessedMailbox, when set, is where processed mail is moved (created
	// if missing); otherwise it is flagged \Seen and ProcessedKeyword.
	ProcessedMailbox string
	// PollInterval is the time between passes when the server lacks IDLE,
	// and before retrying a message whose handler failed. Default 30s.
	PollInterval time.Duration
	// IdleTimeout bounds one IDLE; a pass runs after each, as a safety net
	// for missed notifications. Default 10 minutes.
	IdleTimeout time.Duration
	// Domain is the domain of our Message-IDs (email.MessageID).
	Domain string
	Logger *slog.Logger // default slog.Default()

	// idleStarted, if set, is called once the server accepted an IDLE;
	// tests use it to deliver mail while the reader idles.
	idleStarted func()
}

// RunOnce connects, hands every unprocessed message to h, marks those h
// accepted as processed, and disconnects. It returns how many were marked;
// when h failed on some, the error says so and wraps h's errors (as
// *HandlerError).
func (m *Mailbox) RunOnce(ctx context.Context, h Handler) (processed int, err error) {
	if err := m.validate(); err != nil {
		return 0, err
	}
	s, err := m.connect(ctx)
	if err != nil {
		return 0, fmt.Errorf("inbound mail %s: %w", m.Addr, err)
	}
	defer s.close()
	n, failed, err := s.pass(ctx, h)
	if err != nil {
		return n, fmt.Errorf("inbound mail %s %s: %w", m.Addr, m.mailbox(), err)
	}
	if len(failed) > 0 {
		return n, fmt.Errorf("inbound mail %s %s: %d message(s) left unprocessed: %w", m.Addr, m.mailbox(), len(failed), errors.Join(failed...))
	}
	return n, nil
}

// Run processes the mailbox until ctx ends, then returns nil: a pass at
// connection, then after every IDLE notification (or timeout) when the
// server supports IDLE, else every PollInterval. Connection and server
// errors are logged and retried with exponential backoff; it returns an
// error only for an unusable configuration.
func (m *Mailbox) Run(ctx context.Context, h Handler) error {
	if err := m.validate(); err != nil {
		return err
	}
	log := m.logger()
	backoff := minBackoff
	for {
		connected, err := m.serve(ctx, h)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			backoff = minBackoff
		}
		log.Warn("inbound mail: connection failed, reconnecting", "mailbox", m.mailbox(), "addr", m.Addr, "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// serve runs passes on one connection until it fails or ctx ends. connected
// reports whether it got as far as selecting the mailbox, which resets the
// backoff.
func (m *Mailbox) serve(ctx context.Context, h Handler) (connected bool, err error) {
	s, err := m.connect(ctx)
	if err != nil {
		return false, err
	}
	defer s.close()
	idle := s.c.Caps().Has(imap.CapIdle)
	s.log.Info("inbound mail: connected", "mailbox", m.mailbox(), "addr", m.Addr, "idle", idle)
	for {
		_, failed, err := s.pass(ctx, h)
		if err != nil {
			return true, err
		}
		// A failed handler is retried after PollInterval, not after a
		// whole IdleTimeout.
		wait := m.idleTimeout()
		if !idle || len(failed) > 0 {
			wait = min(wait, m.pollInterval())
		}
		if idle {
			err = s.idle(ctx, wait)
		} else {
			err = s.sleep(ctx, wait)
		}
		if err != nil {
			return true, err
		}
	}
}

// idle waits in IDLE until the server announces mail, timeout passes, or
// ctx ends.
func (s *session) idle(ctx context.Context, timeout time.Duration) error {
	cmd, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	if s.m.idleStarted != nil {
		s.m.idleStarted()
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.updates:
	case <-t.C:
	case <-ctx.Done():
	case <-s.c.Closed():
	}
	// Closed even when ctx ended: a running IDLE holds the client, and
	// the LOGOUT on the way out would wait for it.
	if err := cmd.Close(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("stop idle: %w", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// sleep waits for the next poll, noticing a dropped connection early.
func (s *session) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errors.New("connection closed by server")
	}
}

func (m *Mailbox) validate() error {
	switch {
	case m.Addr == "":
		return errors.New("inbound mail: Addr is required")
	case m.Domain == "":
		// Without it no reply could be matched by its headers.
		return errors.New("inbound mail: Domain (of our Message-IDs) is required")
	}
	switch m.TLS {
	case "", TLSImplicit, TLSStartTLS, TLSNone:
		return nil
	default:
		return fmt.Errorf("inbound mail: unknown TLS mode %q (want implicit, starttls or none)", m.TLS)
	}
}

func (m *Mailbox) mailbox() string {
	if m.Mailbox == "" {
		return DefaultMailbox
	}
	return m.Mailbox
}

func (m *Mailbox) tlsMode() TLSMode {
	if m.TLS == "" {
		return TLSImplicit
	}
	return m.TLS
}

func (m *Mailbox) pollInterval() time.Duration {
	if m.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return m.PollInterval
}

func (m *Mailbox) idleTimeout() time.Duration {
	if m.IdleTimeout <= 0 {
		return DefaultIdleTimeout
	}
	return m.IdleTimeout
}

func (m *Mailbox) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.Default()
	}
	return m.Logger
}

func (m *Mailbox) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if m.TLSConfig != nil {
		cfg = m.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(m.Addr); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg
}

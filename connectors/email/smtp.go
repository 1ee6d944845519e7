package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/supplyhub/supplyhub/internal/tlsca"
)

// TLSMode is how an SMTP connection is secured.
type TLSMode string

// TLS modes.
const (
	// TLSStartTLS upgrades a plain connection with STARTTLS and refuses to go
	// on if the server does not offer it. The default.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSMode = "implicit"
	// TLSNone sends everything in clear text; for local relays and tests.
	TLSNone TLSMode = "none"
)

// DefaultSMTPTimeout bounds a whole SMTP send when SMTP.Timeout is zero.
const DefaultSMTPTimeout = time.Minute

// SMTP sends messages to one SMTP server (a submission server or relay).
// The zero TLS mode is STARTTLS; a zero port is 587, 465 or 25 by mode.
type SMTP struct {
	Host string
	Port int
	TLS  TLSMode
	// Username and Password, when Username is set, authenticate with PLAIN,
	// or LOGIN if the server offers only that.
	Username, Password string
	// AllowInsecureAuth permits authenticating without TLS; for tests.
	AllowInsecureAuth bool
	// HELO is the name to greet the server with; "localhost" when empty.
	// Servers that check it want this host's public name.
	HELO string
	// Timeout bounds one whole send, connection to QUIT; DefaultSMTPTimeout
	// when zero. The context can only shorten it.
	Timeout time.Duration
	// TLSConfig is cloned for each connection; ServerName defaults to Host
	// and the system roots are trusted unless RootCAs is set.
	TLSConfig *tls.Config
	// CAFile, when set, is a PEM bundle of CA certificates trusted for the
	// server's certificate instead of the system roots (and of
	// TLSConfig.RootCAs). It is read at each send, so a renewed bundle
	// needs no restart.
	CAFile string
}

var _ Transport = (*SMTP)(nil)

// Validate reports a configuration Send would refuse.
func (s *SMTP) Validate() error {
	if s.Host == "" {
		return errors.New("invalid SMTP configuration: no host")
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("invalid SMTP configuration: port %d", s.Port)
	}
	switch s.mode() {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if s.Username != "" && !s.AllowInsecureAuth {
			return errors.New("invalid SMTP configuration: refusing to send a password without TLS")
		}
	default:
		return fmt.Errorf("invalid SMTP configuration: unknown TLS mode %q (want starttls, implicit or none)", s.TLS)
	}
	return nil
}

func (s *SMTP) mode() TLSMode {
	if s.TLS == "" {
		return TLSStartTLS
	}
	return s.TLS
}

func (s *SMTP) addr() string {
	port := s.Port
	if port == 0 {
		switch s.mode() {
		case TLSImplicit:
			port = 465
		case TLSNone:
			port = 25
		default:
			port = 587
		}
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

func (s *SMTP) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if s.CAFile != "" && s.mode() != TLSNone {
		pool, err := tlsca.Load(s.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}

// Send delivers msg to every address in to, or to none: one refused
// recipient aborts the transaction before DATA, so that a retry cannot
// duplicate the message for the others. Errors name the server and the
// step, and wrap the server's reply (see ServerReply and IsPermanent).
func (s *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	addr := s.addr()
	if err := s.Validate(); err != nil {
		return permanent(fmt.Errorf("smtp send to %s: %w", addr, err))
	}
	if len(to) == 0 {
		return permanent(fmt.Errorf("smtp send to %s: no recipients", addr))
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return permanent(fmt.Errorf("smtp send to %s: %w", addr, err))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	err = s.send(ctx, from, to, msg, tlsCfg)
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The connection was closed under the client; say why first.
		return fmt.Errorf("smtp send to %s: %w: %w", addr, ctxErr, err)
	}
	return fmt.Errorf("smtp send to %s: %w", addr, err)
}

func (s *SMTP) send(ctx context.Context, from string, to []string, msg []byte, tlsCfg *tls.Config) error {
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return fail("connect", err)
	}
	defer raw.Close()
	// go-smtp sets its own per-command deadlines (RFC 5321's minutes) and
	// takes no context, so closing the connection is how the context, bounded
	// by Timeout, stops a send.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	var c *smtp.Client
	hello := "EHLO"
	switch s.mode() {
	case TLSImplicit:
		conn := tls.Client(raw, tlsCfg)
		if err := conn.HandshakeContext(ctx); err != nil {
			return fail("TLS handshake", err)
		}
		c = smtp.NewClient(conn)
	case TLSStartTLS:
		// go-smtp offers STARTTLS only through NewClientStartTLS, whose
		// pre-TLS EHLO says "localhost"; HELO is sent once encrypted, below,
		// which is also when the TLS handshake happens.
		if c, err = smtp.NewClientStartTLS(raw, tlsCfg); err != nil {
			return fail("STARTTLS", err)
		}
		hello = "EHLO after STARTTLS"
	default:
		c = smtp.NewClient(raw)
	}
	defer c.Close()

	helo := s.HELO
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return fail(hello, err)
	}
	if s.Username != "" {
		if err := s.auth(c); err != nil {
			return fail("AUTH", err)
		}
	}
	opts := &smtp.MailOptions{Size: int64(len(msg))}
	if !isASCII(from) || !allASCII(to) {
		opts.UTF8 = true // fails if the server lacks SMTPUTF8, as it should
	}
	if err := c.Mail(from, opts); err != nil {
		return fail("MAIL FROM:<"+from+">", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return fail("RCPT TO:<"+rcpt+">", err)
		}
	}
	w, err := c.Data()
	if err == nil {
		// Closing sends the final dot and reads the server's verdict; after
		// a failed write it would end a truncated message, so it is skipped.
		if _, err = w.Write(msg); err == nil {
			err = w.Close()
		}
	}
	if err != nil {
		return fail("DATA", err)
	}
	// The message is accepted; a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// fail names the step that failed and shows the server's reply in full,
// or says how to trust a private CA when the certificate was refused.
func fail(step string, err error) error {
	if se, ok := errors.AsType[*smtp.SMTPError](err); ok {
		err = &replyError{se}
	}
	err = tlsca.Explain(err, "ca_file")
	return fmt.Errorf("%s: %w", step, err)
}

// auth logs in; Validate has already refused a password without TLS unless
// AllowInsecureAuth.
func (s *SMTP) auth(c *smtp.Client) error {
	switch {
	case c.SupportsAuth(sasl.Plain):
		return c.Auth(sasl.NewPlainClient("", s.Username, s.Password))
	case c.SupportsAuth(sasl.Login):
		return c.Auth(sasl.NewLoginClient(s.Username, s.Password))
	}
	if ok, mechs := c.Extension("AUTH"); ok {
		return fmt.Errorf("server offers neither PLAIN nor LOGIN (AUTH %s)", mechs)
	}
	return errors.New("server does not offer AUTH")
}

// replyError shows the server's whole reply, enhanced status code included,
// which smtp.SMTPError's message leaves out.
type replyError struct{ reply *smtp.SMTPError }

func (e *replyError) Error() string {
	code, text, _ := ServerReply(e.reply)
	return fmt.Sprintf("server replied %d %s", code, text)
}

func (e *replyError) Unwrap() error { return e.reply }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !isASCII(s) {
			return false
		}
	}
	return true
}

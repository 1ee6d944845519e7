package inbound

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/supplyhub/supplyhub/internal/tlsca"
)

const dialTimeout = 30 * time.Second

// session is one logged-in IMAP connection with the mailbox selected.
type session struct {
	m   *Mailbox
	c   *imapclient.Client
	log *slog.Logger
	// updates is signalled (never blocking) when the server announces new
	// messages, which is what ends an IDLE.
	updates chan struct{}
	// keyword is false when the server refuses custom keywords, so that
	// processed mail can only be told apart by \Seen.
	keyword bool
	// stopClose cancels closing the connection when ctx ends.
	stopClose func() bool
}

// connect dials, logs in and selects the mailbox. The connection is closed
// as soon as ctx ends, which unblocks any command in flight.
func (m *Mailbox) connect(ctx context.Context) (*session, error) {
	tlsCfg := m.tlsConfig()
	if m.CAFile != "" && m.tlsMode() != TLSNone {
		pool, err := tlsca.Load(m.CAFile)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", m.Addr, err)
		}
		tlsCfg.RootCAs = pool
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", m.Addr, err)
	}
	s := &session{m: m, log: m.logger(), updates: make(chan struct{}, 1)}
	s.stopClose = context.AfterFunc(ctx, func() { conn.Close() })
	opts := &imapclient.Options{
		TLSConfig: tlsCfg,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.updates <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	switch m.tlsMode() {
	case TLSImplicit:
		tc := tls.Client(conn, opts.TLSConfig)
		if err = tc.HandshakeContext(ctx); err == nil {
			s.c = imapclient.New(tc, opts)
		}
	case TLSStartTLS:
		s.c, err = imapclient.NewStartTLS(conn, opts)
	default:
		s.c = imapclient.New(conn, opts)
	}
	if err != nil {
		s.stopClose()
		conn.Close()
		return nil, fmt.Errorf("%s tls with %s: %w", m.tlsMode(), m.Addr, tlsca.Explain(err, "ca_file"))
	}
	if err := s.open(); err != nil {
		s.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return s, nil
}

func (s *session) open() error {
	m := s.m
	if err := s.c.WaitGreeting(); err != nil {
		return fmt.Errorf("greeting from %s: %w", m.Addr, err)
	}
	if err := s.c.Login(m.Username, m.Password).Wait(); err != nil {
		return fmt.Errorf("login to %s as %s: %w", m.Addr, m.Username, err)
	}
	if m.ProcessedMailbox != "" {
		if err := s.ensureMailbox(m.ProcessedMailbox); err != nil {
			return err
		}
	}
	sel, err := s.c.Select(m.mailbox(), nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", m.mailbox(), err)
	}
	s.keyword = slices.ContainsFunc(sel.PermanentFlags, func(f imap.Flag) bool {
		return f == imap.FlagWildcard || strings.EqualFold(string(f), ProcessedKeyword)
	})
	if m.ProcessedMailbox == "" && !s.keyword {
		s.log.Warn("inbound mail: server does not store custom keywords; marking processed mail \\Seen only, so mail a person has read is skipped",
			"mailbox", m.mailbox())
	}
	return nil
}

// ensureMailbox creates the mailbox processed mail is moved to if missing,
// so that a fresh account works without manual setup.
func (s *session) ensureMailbox(name string) error {
	found, err := s.c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if len(found) > 0 {
		return nil
	}
	if err := s.c.Create(name, nil).Wait(); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

// close logs out politely when the connection still works, and closes it.
func (s *session) close() {
	s.stopClose()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		// A dead server must not hold up a reconnect or shutdown.
	}
	_ = s.c.Close()
}

package ftp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	jftp "github.com/jlaffaye/ftp"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/internal/tlsca"
)

// Session is one logged-in FTP connection, reused for every file of a run.
// Its methods may be called from several goroutines; operations (Put,
// PutIn, List, Get, Move) run one at a time (FTP allows one transfer per
// connection).
type Session struct {
	addr    string
	timeout time.Duration
	sockets sockets

	mu     sync.Mutex // serialises operations and Close
	c      *jftp.ServerConn
	home   string // the remote folder's absolute path, from PWD when List first needs it
	broken error  // set when the connection can no longer be trusted
	closed bool
	// TempList holds the temporary files a failed upload could not
	// remove, for the drop channel to remove through a later session.
	drop.TempList
}

// errClosed is returned by operations after Close.
var errClosed = errors.New("session closed")

// A session tells the drop channel what a cut upload left behind.
var _ drop.TempCleaner = (*Session)(nil)

// Dial connects, negotiates TLS as configured, logs in and changes to the
// remote folder, failing clearly when it does not exist. ctx and the dial
// timeout bound all of it.
func Dial(ctx context.Context, st Settings) (*Session, error) {
	if ps := st.Validate(); len(ps) > 0 {
		return nil, permanent(fmt.Errorf("ftp: invalid settings: %s", problemList(ps)))
	}
	addr := net.JoinHostPort(st.Host, strconv.Itoa(st.port()))
	tlsCfg, err := st.tlsConfig()
	if err != nil {
		return nil, permanent(fmt.Errorf("ftp dial %s: %w", addr, err))
	}
	s := &Session{addr: addr, timeout: st.timeout()}
	dctx, cancel := context.WithTimeout(ctx, st.dialTimeout())
	defer cancel()

	opts := []jftp.DialOption{
		jftp.DialWithDialFunc(s.sockets.dialFunc(dctx, st.dialTimeout(), tlsCfg, st.tlsMode() == TLSImplicit)),
		jftp.DialWithDisabledEPSV(st.DisableEPSV),
	}
	switch st.tlsMode() {
	case TLSExplicit:
		opts = append(opts, jftp.DialWithExplicitTLS(tlsCfg))
	case TLSImplicit:
		// The dial func does the handshake; this makes the library protect
		// the data connections too (PBSZ 0, PROT P).
		opts = append(opts, jftp.DialWithTLS(tlsCfg))
	}
	// The library takes no context after connecting: closing the sockets
	// is what interrupts it.
	stop := context.AfterFunc(dctx, s.sockets.abort)
	err = s.login(addr, st, opts)
	if !stop() && err == nil {
		err = errors.New("interrupted")
	}
	if err != nil {
		s.sockets.abort()
		if dctx.Err() != nil {
			return nil, fmt.Errorf("ftp dial %s: %w (%v)", addr, context.Cause(dctx), err)
		}
		return nil, fmt.Errorf("ftp dial %s: %w", addr, tlsca.Explain(err, "ca_file or ca_cert"))
	}
	return s, nil
}

// login connects, logs in and changes folder; errors name the step.
func (s *Session) login(addr string, st Settings, opts []jftp.DialOption) error {
	c, err := jftp.Dial(addr, opts...)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.c = c
	if err := c.Login(st.User, st.Password); err != nil {
		err = fmt.Errorf("login as %s: %w", st.User, err)
		if _, isReply := replyCode(err); !isReply && !isNetErr(err) {
			// The library reports a refusal of USER by its text alone,
			// without the code; servers refuse that way for unknown or
			// barred users, which retrying will not change.
			err = permanent(err)
		}
		return err
	}
	if dir := st.dir(); dir != "." {
		if err := c.ChangeDir(dir); err != nil {
			return fmt.Errorf("remote dir %q: %w", dir, err)
		}
	}
	return nil
}

// Close says QUIT and ends the session; it is safe to call more than once.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.broken != nil {
		s.sockets.abort()
		return nil
	}
	s.sockets.deadline(time.Now().Add(s.timeout)) // QUIT must not hang on a stuck peer
	if err := s.c.Quit(); err != nil && !isNetErr(err) {
		return fmt.Errorf("ftp quit %s: %w", s.addr, err)
	}
	return nil
}

// do runs op under the session lock, bounded by ctx and the session's
// timeout; errors are prefixed with "ftp " and op. The library takes no
// context, so a time-out or cancellation closes the sockets; that, a lost
// connection, or fn setting s.broken leaves the session unusable, since
// the control connection may be out of step.
func (s *Session) do(ctx context.Context, op string, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("ftp %s: %w", op, errClosed)
	case s.broken != nil:
		return fmt.Errorf("ftp %s: session unusable: %w", op, s.broken)
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	stop := context.AfterFunc(octx, s.sockets.abort)
	err := fn()
	if !stop() {
		s.broken = fmt.Errorf("connection closed: %w", context.Cause(octx))
		if err != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(octx), err)
		}
	} else if err != nil && isNetErr(err) {
		s.broken = err
	}
	if err != nil {
		return fmt.Errorf("ftp %s: %w", op, err)
	}
	return nil
}

// resolve checks and cleans a folder argument: relative to the session's
// remote folder (the working directory), or absolute; "" and "." are the
// remote folder, returned as "".
func resolve(dir string) (string, error) {
	if strings.ContainsAny(dir, "\r\n\x00") {
		// FTP commands are lines: a line break would inject a command.
		return "", errors.New("folder must not contain line breaks or NUL")
	}
	if dir = path.Clean(dir); dir == "." {
		return "", nil
	}
	return dir, nil
}

// tlsConfig returns nil for cleartext. Session tickets are cached because
// many servers (vsftpd by default) only accept a data connection that
// resumes the control connection's TLS session.
func (s Settings) tlsConfig() (*tls.Config, error) {
	if s.tlsMode() == TLSNone {
		return nil, nil
	}
	cfg := &tls.Config{
		ServerName:         s.Host, // also the session cache key, shared by control and data connections
		MinVersion:         tls.VersionTLS12,
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
	}
	pool, err := s.rootCAs()
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// isNetErr reports errors of the connection itself rather than replies.
func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// problemList renders settings problems for an error message.
func problemList(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Key + ": " + p.Msg
	}
	return strings.Join(parts, "; ")
}

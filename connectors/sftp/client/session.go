package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// Session is one logged-in SFTP connection, reused for every file of a run.
// Its methods may be called from several goroutines; operations (Put,
// PutIn, List, Get, Move) run one at a time.
type Session struct {
	addr    string
	dir     string
	timeout time.Duration

	// Server extensions, probed once at Dial.
	posixRename bool
	fsync       bool

	mu     sync.Mutex // serialises operations and Close
	conn   net.Conn
	ssh    *ssh.Client
	sftp   *sftp.Client
	broken error // set once the connection was torn down under an operation
	closed bool
	// TempList holds the temporary files a failed upload could not
	// remove, for the drop channel to remove through a later session.
	drop.TempList
}

// errClosed is returned by operations after Close.
var errClosed = errors.New("session closed")

// A session tells the drop channel what a cut upload left behind.
var _ drop.TempCleaner = (*Session)(nil)

// Dial connects, verifies the host key, logs in, starts the SFTP subsystem
// and checks that the remote folder exists. ctx and the dial timeout bound
// all of it.
func Dial(ctx context.Context, st Settings) (*Session, error) {
	if ps := st.Validate(); len(ps) > 0 {
		return nil, permanent(fmt.Errorf("sftp: invalid settings: %s", problemList(ps)))
	}
	addr := net.JoinHostPort(st.Host, strconv.Itoa(st.port()))
	auth, err := st.authMethods()
	if err != nil {
		return nil, permanent(fmt.Errorf("sftp dial %s: %w", addr, err))
	}
	hostKeyCB, algos, err := st.hostKeyCheck()
	if err != nil {
		return nil, permanent(fmt.Errorf("sftp dial %s: %w", addr, err))
	}
	var hk hostKeyResult
	cfg := &ssh.ClientConfig{
		User: st.User,
		Auth: auth,
		HostKeyCallback: func(a string, r net.Addr, k ssh.PublicKey) error {
			return hk.set(hostKeyCB(a, r, k))
		},
		HostKeyAlgorithms: algos,
	}

	dctx, cancel := context.WithTimeout(ctx, st.dialTimeout())
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sftp dial %s: %w", addr, err)
	}
	// The SSH handshake and SFTP requests take no context: closing the
	// socket is what interrupts them.
	stop := context.AfterFunc(dctx, func() { conn.Close() })
	s, err := open(conn, addr, cfg)
	if err == nil {
		s.dir, s.timeout = st.dir(), st.timeout()
		if err = s.checkDir(); err != nil {
			s.closeAll()
		}
	}
	if !stop() && err == nil {
		s.closeAll()
		err = errors.New("interrupted")
	}
	if err != nil {
		conn.Close()
		if herr := hk.get(); herr != nil {
			return nil, herr // already names the address and the key
		}
		if dctx.Err() != nil {
			return nil, fmt.Errorf("sftp dial %s: %w (%v)", addr, context.Cause(dctx), err)
		}
		return nil, fmt.Errorf("sftp dial %s as %s: %w", addr, st.User, err)
	}
	return s, nil
}

// open runs SSH over conn and starts the SFTP subsystem.
func open(conn net.Conn, addr string, cfg *ssh.ClientConfig) (*Session, error) {
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "unable to authenticate") {
			// x/crypto/ssh has no error type for a refused login, only
			// this text; a wrong key or password will not get better.
			err = permanent(err)
		}
		return nil, err
	}
	sc := ssh.NewClient(c, chans, reqs)
	fc, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		return nil, fmt.Errorf("start sftp subsystem: %w", err)
	}
	s := &Session{addr: addr, conn: conn, ssh: sc, sftp: fc}
	_, s.posixRename = fc.HasExtension("posix-rename@openssh.com")
	v, ok := fc.HasExtension("fsync@openssh.com")
	s.fsync = ok && v == "1"
	return s, nil
}

// hostKeyResult keeps the host key verdict: the callback runs on the SSH
// library's goroutine and its typed error may come back wrapped in text.
type hostKeyResult struct {
	mu  sync.Mutex
	err error
}

func (h *hostKeyResult) set(err error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
	return err
}

func (h *hostKeyResult) get() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// checkDir fails clearly when the remote folder is missing or is a file,
// rather than leaving it to the first Put to fail obscurely.
func (s *Session) checkDir() error {
	fi, err := s.sftp.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("remote dir %q: %w", s.dir, err)
	}
	if !fi.IsDir() {
		return permanent(fmt.Errorf("remote dir %q is not a directory", s.dir))
	}
	return nil
}

// Close ends the session; it is safe to call more than once.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.closeAll()
	if s.broken != nil {
		return nil // torn down under an operation already; errors here say nothing new
	}
	return err
}

func (s *Session) closeAll() error {
	err := s.sftp.Close()
	if cerr := s.ssh.Close(); err == nil {
		err = cerr
	}
	if err != nil && !connGone(err) {
		return fmt.Errorf("sftp close %s: %w", s.addr, err)
	}
	return nil
}

// do runs op under the session lock, bounded by ctx and the session's
// timeout; errors are prefixed with "sftp " and op. SFTP requests take no
// context, so a time-out or cancellation closes the connection: the server
// may still be busy with the request, so the session is unusable from then
// on, and so it is after the connection was lost.
func (s *Session) do(ctx context.Context, op string, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("sftp %s: %w", op, errClosed)
	case s.broken != nil:
		return fmt.Errorf("sftp %s: session unusable: %w", op, s.broken)
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	stop := context.AfterFunc(octx, func() { s.conn.Close() })
	err := fn()
	if !stop() {
		s.broken = fmt.Errorf("connection closed: %w", context.Cause(octx))
		if err != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(octx), err)
		}
	} else if err != nil && connGone(err) {
		s.broken = err
	}
	if err != nil {
		return fmt.Errorf("sftp %s: %w", op, err)
	}
	return nil
}

// resolve returns the remote path of dir: relative to the session's
// folder, or absolute; "" is the session's folder.
func (s *Session) resolve(dir string) (string, error) {
	if strings.ContainsRune(dir, 0) {
		return "", errors.New("folder must not contain NUL")
	}
	if path.IsAbs(dir) {
		return path.Clean(dir), nil
	}
	return path.Join(s.dir, dir), nil
}

// connGone reports errors that only say the connection had already ended.
func connGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, sftp.ErrSSHFxConnectionLost)
}

// problemList renders settings problems for an error message.
func problemList(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Key + ": " + p.Msg
	}
	return strings.Join(parts, "; ")
}

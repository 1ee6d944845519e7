package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Defaults for the zero values of Config.
const (
	DefaultAddr          = ":2222"
	DefaultMaxSessions   = 64
	DefaultIdleTimeout   = 10 * time.Minute
	DefaultMaxFileSize   = 100 << 20
	DefaultMemUploadSize = 256 << 10
	// DefaultHandshakeTimeout is long enough for a slow link and a
	// bcrypt check or two, short enough that a client that never logs in
	// is gone soon.
	DefaultHandshakeTimeout        = 15 * time.Second
	DefaultMaxUnauthenticated      = 128
	DefaultMaxUnauthenticatedPerIP = 10
	DefaultLoginFailures           = 10
	DefaultLoginBan                = 5 * time.Minute
)

// maxChannelsPerConn caps SFTP sessions multiplexed on one connection.
const maxChannelsPerConn = 4

// Config configures the server; zero values take the defaults.
type Config struct {
	// Addr is where ListenAndServe listens; default ":2222".
	Addr string
	// HostKeyPath is where the ed25519 host key is kept; it is created on
	// first start (required). Every replica must be given the same key,
	// or clients will see the host key change between connections.
	HostKeyPath string
	// HostKey, when set, is used instead of HostKeyPath: the daemon keeps
	// the key in the database so every replica presents the same one.
	HostKey ssh.Signer
	// MaxSessions caps concurrent logged-in connections; more are closed
	// right after their login.
	MaxSessions int
	// HandshakeTimeout bounds the SSH handshake and login together, in
	// absolute time from accept: a client that dribbles bytes cannot
	// stretch it.
	HandshakeTimeout time.Duration
	// MaxUnauthenticated caps connections that have not logged in yet;
	// MaxUnauthenticatedPerIP caps them per remote address (IPv6 per
	// /64). They do not count against MaxSessions.
	MaxUnauthenticated      int
	MaxUnauthenticatedPerIP int
	// LoginFailures failed logins from one address within a minute make
	// the server refuse that address's new connections for LoginBan.
	LoginFailures int
	LoginBan      time.Duration
	// IdleTimeout closes a connection that has sent and received nothing
	// for this long.
	IdleTimeout time.Duration
	// MaxFileSize is the largest upload accepted.
	MaxFileSize int64
	// MemUploadSize is how large an upload may grow in memory before it
	// is spooled to a temp file.
	MemUploadSize int64
	// TempDir holds spooled uploads until they are committed; default
	// os.TempDir().
	TempDir string
	// Logger receives connection and file events; default slog.Default().
	Logger *slog.Logger
	// OnRetrieved is called after a supplier deleted a file in /outbound
	// or moved it out of there (the order was picked up).
	OnRetrieved func(ctx context.Context, supplierID int64, name string)
	// OnInbound is called after an upload into /inbound was committed,
	// or a file was renamed into /inbound, under its final name.
	OnInbound func(ctx context.Context, supplierID int64, name string)
	// OnCatalog is OnInbound for /inbound/catalog (catalog feed files).
	OnCatalog func(ctx context.Context, supplierID int64, name string)
}

// Server is the built-in SFTP server.
type Server struct {
	cfg     Config
	storage Storage
	signer  ssh.Signer
	auth    *authenticator
	guard   *guard
	log     *slog.Logger
	slots   chan struct{} // logged-in connections
	started time.Time
	// drops groups concurrent PutOutbound calls into one commit; nil when
	// the storage cannot store a batch.
	drops *groupPutter
}

// New prepares a server: it loads or creates the host key and checks the
// configuration. Accounts authenticate logins; Storage keeps the files.
func New(cfg Config, accounts Accounts, storage Storage) (*Server, error) {
	return newServer(cfg, accounts, storage, bcrypt.DefaultCost)
}

func newServer(cfg Config, accounts Accounts, storage Storage, bcryptCost int) (*Server, error) {
	if accounts == nil || storage == nil {
		return nil, errors.New("sftp server: accounts and storage are required")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxUnauthenticated <= 0 {
		cfg.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	if cfg.MaxUnauthenticatedPerIP <= 0 {
		cfg.MaxUnauthenticatedPerIP = DefaultMaxUnauthenticatedPerIP
	}
	if cfg.LoginFailures <= 0 {
		cfg.LoginFailures = DefaultLoginFailures
	}
	if cfg.LoginBan <= 0 {
		cfg.LoginBan = DefaultLoginBan
	}
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = DefaultMaxFileSize
	}
	if cfg.MemUploadSize <= 0 {
		cfg.MemUploadSize = DefaultMemUploadSize
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger
	if err := os.MkdirAll(cfg.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("sftp server: temp dir: %w", err)
	}
	signer := cfg.HostKey
	if signer == nil {
		var err error
		if signer, err = LoadOrCreateHostKey(cfg.HostKeyPath); err != nil {
			return nil, fmt.Errorf("sftp server: %w", err)
		}
	}
	if fi, err := os.Stat(cfg.HostKeyPath); cfg.HostKey == nil && err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("sftp host key is readable by others; chmod 600 it", "path", cfg.HostKeyPath, "mode", fi.Mode().Perm().String())
	}
	auth, err := newAuthenticator(accounts, log, bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	srv := &Server{
		cfg:     cfg,
		storage: storage,
		signer:  signer,
		auth:    auth,
		guard:   newGuard(cfg.MaxUnauthenticated, cfg.MaxUnauthenticatedPerIP, cfg.LoginFailures, cfg.LoginBan),
		log:     log,
		slots:   make(chan struct{}, cfg.MaxSessions),
		started: time.Now().UTC(),
	}
	if bp, ok := storage.(BatchPutter); ok {
		srv.drops = &groupPutter{bp: bp, single: func(ctx context.Context, f BatchFile) error {
			return storage.Put(ctx, f.SupplierID, f.Folder, f.Name, bytes.NewReader(f.Data), int64(len(f.Data)))
		}}
	}
	return srv, nil
}

// HostKey is the server's public host key, for known_hosts and docs.
func (s *Server) HostKey() ssh.PublicKey { return s.signer.PublicKey() }

// PutOutbound places data as /outbound/name for the supplier, replacing
// any file of that name atomically: a supplier listing or downloading at
// the same moment sees the old file or the new one, whole. It is safe for
// concurrent use, and concurrent calls share commits (see groupPutter);
// it returns once the file is committed.
func (s *Server) PutOutbound(ctx context.Context, supplierID int64, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("sftp put outbound: %w", err)
	}
	var err error
	if s.drops != nil && len(data) <= MaxBatchFile {
		err = s.drops.put(ctx, BatchFile{SupplierID: supplierID, Folder: FolderOutbound, Name: name, Data: data})
	} else {
		err = s.storage.Put(ctx, supplierID, FolderOutbound, name, bytes.NewReader(data), int64(len(data)))
	}
	if err != nil {
		return fmt.Errorf("sftp put outbound %s for supplier %d: %w", name, supplierID, err)
	}
	s.log.Debug("sftp outbound file placed", "supplier", supplierID, "name", name, "bytes", len(data))
	return nil
}

// ListenAndServe listens on Config.Addr and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sftp listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx is done, then closes ln and
// every connection and returns nil once they have all ended. Uploads not
// yet closed by their client are discarded, never half-committed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	s.log.Info("sftp server listening", "addr", ln.Addr().String(), "host_key", ssh.FingerprintSHA256(s.signer.PublicKey()))
	if sw, ok := s.storage.(Sweeper); ok {
		wg.Go(func() { s.sweepLoop(ctx, sw) })
	}
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("sftp accept: %w", err)
			}
			// Out of file descriptors and the like: wait and go on.
			s.log.Error("sftp accept failed", "error", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		// Until it has logged in a connection holds only an
		// unauthenticated slot, never a session slot: clients that
		// never finish their handshake cannot lock suppliers out.
		key := addrKey(c.RemoteAddr())
		if why := s.guard.admit(key); why != "" {
			level := slog.LevelWarn
			if why == "address blocked after failed logins" {
				// The block itself was logged once, when it began.
				level = slog.LevelDebug
			}
			s.log.Log(ctx, level, "sftp connection refused: "+why, "remote", c.RemoteAddr().String())
			c.Close()
			continue
		}
		wg.Go(func() { s.serveConn(ctx, c, key) })
	}
}

func (s *Server) sweepLoop(ctx context.Context, sw Sweeper) {
	t := time.NewTicker(sweepGrace / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := sw.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("sftp storage sweep failed", "error", err)
			}
		}
	}
}

// serveConn runs one SSH connection: handshake, login, then its session
// channels. It returns when the client leaves, the connection idles out,
// or ctx is done.
func (s *Server) serveConn(ctx context.Context, c net.Conn, key netip.Prefix) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	remote := c.RemoteAddr().String()
	sconn, chans, reqs, err := s.handshake(ctx, c, key)
	s.guard.release(key)
	if err != nil {
		return
	}
	defer sconn.Close()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		s.log.Warn("sftp connection refused: too many sessions", "remote", remote, "user", sconn.User(), "max_sessions", s.cfg.MaxSessions)
		return
	}
	p, _ := sconn.Permissions.ExtraData[principalKey{}].(*principal)
	if p == nil {
		// Unreachable: every successful callback sets it.
		s.log.Error("sftp login without principal", "remote", remote)
		return
	}
	log := s.log.With("supplier", p.supplierID, "user", p.username, "remote", remote)
	log.Info("sftp login", "method", p.method, "client", string(sconn.ClientVersion()))
	start := time.Now()
	go ssh.DiscardRequests(reqs)

	var wg sync.WaitGroup
	open := 0
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only SFTP sessions are offered")
			continue
		}
		if open >= maxChannelsPerConn {
			_ = nc.Reject(ssh.ResourceShortage, "too many sessions on one connection")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		open++
		wg.Go(func() { s.serveChannel(ctx, log, p, ch, creqs) })
	}
	wg.Wait()
	log.Info("sftp logout", "duration", time.Since(start).Round(time.Millisecond))
}

// handshake runs the SSH handshake and login under one deadline set at
// the start: it is never pushed forward, however the client trickles its
// bytes. Failed logins are counted against the remote address.
func (s *Server) handshake(ctx context.Context, c net.Conn, key netip.Prefix) (*ssh.ServerConn, <-chan ssh.NewChannel, <-chan *ssh.Request, error) {
	remote := c.RemoteAddr().String()
	ic := newIdleConn(c, 0)
	_ = c.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	pwFailed, keyFailed := 0, 0
	failed := func() {
		if s.guard.fail(key) {
			s.log.Warn("sftp address blocked after failed logins", "remote", remote,
				"failures", s.cfg.LoginFailures, "within", failureWindow, "blocked_for", s.cfg.LoginBan)
		}
	}
	cfg := &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-Supplyhub",
		MaxAuthTries:  6,
		PasswordCallback: func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if s.guard.blocked(key) {
				return nil, errors.New("sftp: address blocked")
			}
			p, err := s.auth.password(ctx, m, pw)
			if err != nil {
				pwFailed++
				failed()
			}
			return p, err
		},
		PublicKeyCallback: func(m ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if s.guard.blocked(key) {
				return nil, errors.New("sftp: address blocked")
			}
			p, err := s.auth.publicKey(ctx, m, k)
			if err != nil {
				keyFailed++
			}
			return p, err
		},
	}
	cfg.AddHostKey(s.signer)
	sconn, chans, reqs, err := ssh.NewServerConn(ic, cfg)
	if err != nil {
		// Clients offer every key they hold, so one refused key is no
		// failure; a connection that offered only keys and got nowhere
		// counts once.
		if pwFailed == 0 && keyFailed > 0 {
			failed()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.log.Info("sftp handshake timed out", "remote", remote, "timeout", s.cfg.HandshakeTimeout)
		} else {
			s.log.Debug("sftp handshake failed", "remote", remote, "error", err)
		}
		return nil, nil, nil, err
	}
	ic.setTimeout(s.cfg.IdleTimeout)
	return sconn, chans, reqs, nil
}

// serveChannel answers a session channel's requests: the "sftp" subsystem
// is started, everything else (shell, exec, pty, env) is refused.
func (s *Server) serveChannel(ctx context.Context, log *slog.Logger, p *principal, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var wg sync.WaitGroup
	started := false
	for req := range reqs {
		ok := false
		switch {
		case req.Type == "subsystem" && !started && subsystemName(req.Payload) == "sftp":
			ok, started = true, true
		case req.Type == "shell" || req.Type == "exec":
			_, _ = ch.Stderr().Write([]byte("This server only offers SFTP.\r\n"))
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
		if ok {
			wg.Go(func() {
				s.serveSFTP(ctx, log, p, ch)
				// Ends the request loop too: the client sees EOF.
				ch.Close()
			})
		}
	}
	wg.Wait()
}

func (s *Server) serveSFTP(ctx context.Context, log *slog.Logger, p *principal, ch ssh.Channel) {
	sess := &session{ctx: ctx, srv: s, supplierID: p.supplierID, user: p.username, log: log, uploads: map[loc]*upload{}}
	rs := sftp.NewRequestServer(ch, sess.handlers())
	if err := rs.Serve(); err != nil && !isClosed(err) {
		log.Debug("sftp session ended", "error", err)
	}
	_ = rs.Close()
}

// fire calls a hook with a context that outlives the client's connection:
// the change it reports is already committed, so it must not be lost
// because the client hung up right after. A panicking hook is logged and
// does not take the session down.
// fireArrived fires the hook of the folder a file arrived in under its
// final name: OnInbound for /inbound, OnCatalog for /inbound/catalog.
func (s *Server) fireArrived(ctx context.Context, log *slog.Logger, supplierID int64, at loc) {
	if isTempName(at.name) {
		return
	}
	switch at.folder {
	case FolderInbound:
		s.fire(ctx, log, "OnInbound", s.cfg.OnInbound, supplierID, at.name)
	case FolderCatalog:
		s.fire(ctx, log, "OnCatalog", s.cfg.OnCatalog, supplierID, at.name)
	}
}

func (s *Server) fire(ctx context.Context, log *slog.Logger, which string, hook func(context.Context, int64, string), supplierID int64, name string) {
	if hook == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			log.Error("sftp hook panicked", "hook", which, "name", name, "panic", r)
		}
	}()
	hook(context.WithoutCancel(ctx), supplierID, name)
}

// subsystemName decodes the SSH string in a "subsystem" request.
func subsystemName(payload []byte) string {
	if len(payload) < 4 {
		return ""
	}
	n := binary.BigEndian.Uint32(payload)
	if uint64(n) > uint64(len(payload)-4) {
		return ""
	}
	return string(payload[4 : 4+n])
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed)
}

// idleConn closes a connection that has had no traffic for timeout by
// pushing its deadline forward on every read and write. With a zero
// timeout it leaves the deadline alone.
type idleConn struct {
	net.Conn
	timeout atomic.Int64 // nanoseconds
}

func newIdleConn(c net.Conn, timeout time.Duration) *idleConn {
	ic := &idleConn{Conn: c}
	if timeout > 0 {
		ic.setTimeout(timeout)
	}
	return ic
}

func (c *idleConn) setTimeout(d time.Duration) {
	c.timeout.Store(int64(d))
	_ = c.Conn.SetDeadline(time.Now().Add(d))
}

func (c *idleConn) Read(b []byte) (int, error) {
	c.touch()
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	c.touch()
	return c.Conn.Write(b)
}

func (c *idleConn) touch() {
	if d := time.Duration(c.timeout.Load()); d > 0 {
		_ = c.Conn.SetDeadline(time.Now().Add(d))
	}
}

package ftp

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"time"
)

// sockets tracks the raw control and data connections the library opens
// through dialFunc, so a time-out or cancellation can close them: the
// library itself honours no context once connected.
type sockets struct {
	mu   sync.Mutex
	ctrl net.Conn
	data net.Conn // the latest data connection
}

// dialFunc opens the control connection first (under ctx) and data
// connections after it. With TLS the data connections are wrapped here,
// since the library leaves that to a custom dial func; with implicit TLS
// the control connection is too.
func (k *sockets) dialFunc(ctx context.Context, timeout time.Duration, cfg *tls.Config, implicit bool) func(network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return func(network, addr string) (net.Conn, error) {
		k.mu.Lock()
		first := k.ctrl == nil
		k.mu.Unlock()
		dctx := context.Background()
		if first {
			dctx = ctx
		}
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		if first {
			k.ctrl = raw
		} else {
			k.data = raw
		}
		k.mu.Unlock()
		switch {
		case cfg == nil:
			return raw, nil
		case first && implicit:
			return tls.Client(raw, cfg), nil
		case !first:
			return &tlsDataConn{Conn: tls.Client(raw, cfg), raw: raw, drain: timeout}, nil
		}
		return raw, nil
	}
}

// tlsDataConn closes a TLS data connection gracefully. With TLS 1.3 the
// server sends session tickets the uploading client never reads; closing
// a socket with unread data makes the kernel send a reset, which discards
// the upload's tail still queued at the server (vsftpd and ProFTPD then
// answer "426 Failure reading network stream"). So Close sends
// close_notify and FIN, reads until the server's own close_notify, then
// closes. The embedded *tls.Conn keeps Handshake visible to the library,
// which calls it for empty files.
type tlsDataConn struct {
	*tls.Conn
	raw   net.Conn
	drain time.Duration
}

// Close shuts the TLS session down both ways before closing the socket.
func (c *tlsDataConn) Close() error {
	if err := c.Conn.CloseWrite(); err == nil {
		if tc, ok := c.raw.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		_ = c.raw.SetReadDeadline(time.Now().Add(c.drain))
		_, _ = io.Copy(io.Discard, c.Conn)
	}
	return c.Conn.Close()
}

// abort closes every connection, interrupting whatever is blocked on them.
func (k *sockets) abort() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range []net.Conn{k.ctrl, k.data} {
		if c != nil {
			_ = c.Close()
		}
	}
}

// deadline bounds further I/O on the control connection.
func (k *sockets) deadline(t time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ctrl != nil {
		_ = k.ctrl.SetDeadline(t)
	}
}

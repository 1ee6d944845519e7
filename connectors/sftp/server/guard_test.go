package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// slowConn is a client that sends its SSH banner one byte at a time and
// never finishes it: the slowloris of SSH.
type slowConn struct {
	conn   net.Conn
	opened time.Time     // when the TCP connection was made
	banner string        // what the server said, "" if it closed first
	closed chan struct{} // closed when the server has closed the connection
	at     time.Time     // when closed was closed
}

// openSlow connects from the local address (a loopback IP, "" for any),
// reads the server's banner and starts dribbling a byte every 50 ms.
func openSlow(t *testing.T, addr, local string) *slowConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { c.Close() })
	sc := &slowConn{conn: c, opened: time.Now(), closed: make(chan struct{})}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	_ = c.SetReadDeadline(time.Time{})
	sc.banner = strings.TrimSpace(line)
	go func() {
		// The server sends nothing more before the client's banner, so
		// a read returns only when the connection ends.
		_, _ = io.Copy(io.Discard, c)
		sc.at = time.Now()
		close(sc.closed)
	}()
	go func() {
		// 248 bytes at 50 ms: 12 s, far longer than the test deadline.
		msg := "SSH-2.0-" + strings.Repeat("x", 240)
		for i := range len(msg) {
			if _, err := c.Write([]byte{msg[i]}); err != nil {
				return
			}
			select {
			case <-sc.closed:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return sc
}

func (s *slowConn) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// dialFrom logs in with pkg/sftp from the local address; the connection
// is closed when the test ends.
func (e *env) dialFrom(local, user string, auth ...ssh.AuthMethod) (*sftp.Client, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", e.addr)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: ssh.FixedHostKey(e.srv.HostKey()), Timeout: 10 * time.Second}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	sc, chans, reqs, err := ssh.NewClientConn(c, e.addr, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	conn := ssh.NewClient(sc, chans, reqs)
	cl, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	e.t.Cleanup(func() { cl.Close(); conn.Close() })
	return cl, nil
}

// TestSlowHandshakesDoNotLockOut is the slowloris case: many connections
// that dribble a banner must neither take the session slots nor outlive
// the handshake timeout, however often they send a byte.
func TestSlowHandshakesDoNotLockOut(t *testing.T) {
	t.Parallel()
	// Long enough that a loaded machine logs the supplier in before the
	// first slow one is cut.
	const timeout = 3 * time.Second
	e := newEnv(t, "mem", func(c *Config) {
		c.MaxSessions = 4
		c.HandshakeTimeout = timeout
		c.MaxUnauthenticated = 100
		c.MaxUnauthenticatedPerIP = 100
	})
	var slow []*slowConn
	for range 20 {
		slow = append(slow, openSlow(t, e.addr, ""))
	}
	for i, s := range slow {
		if s.banner != "SSH-2.0-Supplyhub" {
			t.Errorf("slow connection %d: server banner %q: it was not even accepted", i, s.banner)
		}
	}

	// A supplier logs in at once while they are all open.
	loginStart := time.Now()
	c, err := e.dialFrom("", "31", ssh.Password(passA))
	if err != nil {
		t.Fatalf("supplier login while 20 slow handshakes are open: %v", err)
	}
	if _, err := c.ReadDir("/outbound"); err != nil {
		t.Fatalf("supplier session: %v", err)
	}
	if d := time.Since(loginStart); d > time.Second {
		t.Errorf("supplier login took %v", d)
	}
	for i, s := range slow {
		if s.isClosed() {
			t.Fatalf("slow connection %d closed after %v, before the supplier logged in: the test proves nothing", i, s.at.Sub(s.opened))
		}
	}

	// Each slow one is cut at the absolute deadline, though it sent a
	// byte every 50 ms.
	deadline := time.After(timeout + 5*time.Second)
	for i, s := range slow {
		select {
		case <-s.closed:
		case <-deadline:
			t.Fatalf("slow connection %d still open %v after it was opened (handshake timeout %v)", i, time.Since(s.opened), timeout)
		}
		if d := s.at.Sub(s.opened); d < timeout-100*time.Millisecond || d > timeout+2*time.Second {
			t.Errorf("slow connection %d closed after %v, want about %v", i, d, timeout)
		}
	}
	if _, err := c.ReadDir("/outbound"); err != nil {
		t.Fatalf("supplier session after the slow ones were cut: %v", err)
	}
	if !strings.Contains(e.logs.String(), "handshake timed out") {
		t.Error("cut handshakes not logged")
	}
}

// TestUnauthenticatedLimits refuses a fourth unauthenticated connection
// from one address, and any once the overall cap is reached, while other
// addresses and logged-in suppliers are unaffected.
func TestUnauthenticatedLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", func(c *Config) {
		c.HandshakeTimeout = 20 * time.Second
		c.MaxUnauthenticated = 5
		c.MaxUnauthenticatedPerIP = 3
	})
	for i := range 3 {
		if s := openSlow(t, e.addr, "127.0.0.2"); s.banner == "" {
			t.Fatalf("slow connection %d from 127.0.0.2 refused under the per-address limit", i)
		}
	}
	s := openSlow(t, e.addr, "127.0.0.2")
	if s.banner != "" {
		t.Fatalf("fourth unauthenticated connection from 127.0.0.2 accepted (banner %q)", s.banner)
	}
	if !strings.Contains(e.logs.String(), "too many unauthenticated connections from this address") {
		t.Error("per-address refusal not logged")
	}
	// Another address still gets in, and can log in.
	if _, err := e.dialFrom("127.0.0.1", "31", ssh.Password(passA)); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	// The overall cap: 3 held from .2, 2 more from .3 fill it.
	for i := range 2 {
		if s := openSlow(t, e.addr, "127.0.0.3"); s.banner == "" {
			t.Fatalf("slow connection %d from 127.0.0.3 refused under the overall limit", i)
		}
	}
	if s := openSlow(t, e.addr, "127.0.0.4"); s.banner != "" {
		t.Fatalf("unauthenticated connection over the overall cap accepted (banner %q)", s.banner)
	}
}

// TestLoginFailuresBlockAddress: after LoginFailures wrong passwords from
// one address, even the right password from there is refused until the
// ban ends; other addresses log in all along.
func TestLoginFailuresBlockAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", func(c *Config) {
		c.LoginFailures = 3
		c.LoginBan = 2 * time.Second
	})
	const bad = "127.0.0.2"
	for i := range 3 {
		if _, err := e.dialFrom(bad, "31", ssh.Password("wrong-password-123")); err == nil {
			t.Fatalf("attempt %d: wrong password accepted", i)
		}
	}
	banned := time.Now()
	if _, err := e.dialFrom(bad, "31", ssh.Password(passA)); err == nil {
		t.Fatal("right password from a blocked address accepted")
	}
	if !strings.Contains(e.logs.String(), "sftp address blocked after failed logins") {
		t.Error("block not logged")
	}
	if _, err := e.dialFrom("127.0.0.1", "31", ssh.Password(passA)); err != nil {
		t.Fatalf("login from another address during the block: %v", err)
	}
	// The block ends.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.dialFrom(bad, "31", ssh.Password(passA))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still blocked %v after the 2s ban began: %v", time.Since(banned), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d := time.Since(banned); d < 1500*time.Millisecond {
		t.Errorf("block lifted after %v, want 2s", d)
	}
}

package ftp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testServer is a real FTP server process started by a test.
type testServer struct {
	name     string // server program, for logs
	host     string
	port     int
	user     string
	password string
	root     string // local folder the client sees as "/"
	upload   string // local path of the writable "/in"
	caPEM    string // CA that signed the server certificate
	logFile  string // the server's protocol log
	cmd      *exec.Cmd
	log      *lockedBuffer
	exited   chan struct{}
}

// settings returns working settings for the server in the given TLS mode.
func (s *testServer) settings(mode string) Settings {
	st := Settings{
		Host: s.host, Port: s.port, User: s.user, Password: s.password,
		TLS: mode, Dir: "/in", DialTimeout: "10s", Timeout: "10s",
	}
	if mode != TLSNone {
		st.CACert = s.caPEM
	}
	return st
}

// start runs the server, waits for its port and stops it at cleanup.
func (s *testServer) start(t *testing.T, bin string, args ...string) {
	t.Helper()
	s.log, s.exited = &lockedBuffer{}, make(chan struct{})
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", s.name, s.log.String())
		}
	})
	waitListening(t, net.JoinHostPort(s.host, strconv.Itoa(s.port)), s.exited, s.log)
}

// kill stops the server and every per-connection process it forked.
func (s *testServer) kill() {
	select {
	case <-s.exited:
		return // reaped: its pid may already belong to someone else
	default:
	}
	kids := descendants(s.cmd.Process.Pid)
	_ = s.cmd.Process.Kill()
	for _, pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	<-s.exited
}

// serverDir makes a folder that the unprivileged user an FTP server
// switches to can enter (t.TempDir's parents are private to root).
func serverDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "supplyhub-ftp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// uploadDir creates root/in owned by uid and gid, where the server's
// user may write, while root itself stays read-only to it.
func uploadDir(t *testing.T, root string, uid, gid int) string {
	t.Helper()
	in := filepath.Join(root, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(in, uid, gid); err != nil {
		t.Fatal(err)
	}
	return in
}

// writeCerts writes a CA and a server certificate for 127.0.0.1 signed by
// it into dir, and returns the CA's PEM and the cert and key paths.
func writeCerts(t *testing.T, dir string) (caPEM, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "supplyhub test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})), certFile, keyFile
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freePortRange finds n consecutive free loopback ports for passive mode.
func freePortRange(t *testing.T, n int) (first, last int) {
	t.Helper()
	for range 100 {
		first = 20000 + mrand.IntN(30000)
		ok := true
		for p := first; p < first+n && ok; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return first, first + n - 1
		}
	}
	t.Fatalf("no %d consecutive free ports", n)
	return 0, 0
}

// waitListening polls addr until it accepts a connection, the server
// exits, or ten seconds pass.
func waitListening(t *testing.T, addr string, exited <-chan struct{}, log fmt.Stringer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("server exited before listening on %s:\n%s", addr, log)
		case <-ctx.Done():
			t.Fatalf("server not listening on %s after 10s: %v\n%s", addr, err, log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// descendants lists the processes below pid, found through /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name may hold spaces; fields after ')' are fixed.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for p, pp := range parent {
			if pp == cur {
				out = append(out, p)
				queue = append(queue, p)
			}
		}
	}
	return out
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer collects a server's output from its copying goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

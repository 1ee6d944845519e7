package client

import (
	"bytes"
	"context"
	"fmt"
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

const sshdPath = "/usr/sbin/sshd"

// testSSHD is a real OpenSSH sshd serving internal-sftp to root, chrooted
// to a folder of its own, on a free loopback port.
type testSSHD struct {
	host, port  string
	dir         string // config, keys, logs
	chroot      string // what the client sees as "/"
	clientKey   string // authorised private key (OpenSSH PEM)
	authorized  string // authorized_keys path, read at every login
	hostKeyPub  string // path of the host public key
	fingerprint string // host key as ssh-keygen -lf prints it
	cmd         *exec.Cmd
	log         *lockedBuffer
	exited      chan struct{}
}

// startSSHD starts sshd and waits until it accepts connections; it is
// stopped when the test ends.
func startSSHD(t *testing.T) *testSSHD {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		t.Skipf("%s not installed (apt-get install openssh-server): %v", sshdPath, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("sshd with ChrootDirectory needs root")
	}
	d := &testSSHD{host: "127.0.0.1", dir: t.TempDir(), log: &lockedBuffer{}, exited: make(chan struct{})}
	d.chroot = chrootDir(t)
	if err := os.Mkdir(filepath.Join(d.chroot, "outbound"), 0o755); err != nil {
		t.Fatal(err)
	}
	// sshd insists on its privilege separation folder.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	hostKey := filepath.Join(d.dir, "ssh_host_ed25519_key")
	clientKey := filepath.Join(d.dir, "client_ed25519")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "testhost", "-f", hostKey)
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "supplyhub", "-f", clientKey)
	d.hostKeyPub = hostKey + ".pub"
	d.clientKey = readFile(t, clientKey)
	d.fingerprint = fingerprintOf(t, d.hostKeyPub)
	d.authorized = filepath.Join(d.dir, "authorized_keys")
	writeFile(t, d.authorized, readFile(t, clientKey+".pub"))
	d.port = freePort(t)

	cfg := filepath.Join(d.dir, "sshd_config")
	writeFile(t, cfg, strings.Join([]string{
		"Port " + d.port,
		"ListenAddress " + d.host,
		"HostKey " + hostKey,
		"PidFile " + filepath.Join(d.dir, "sshd.pid"),
		"AuthorizedKeysFile " + d.authorized,
		"StrictModes no",
		"UsePAM no",
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication yes", // so a password is checked and refused
		"KbdInteractiveAuthentication no",
		"LogLevel VERBOSE",
		"Subsystem sftp internal-sftp",
		"Match User root",
		"\tChrootDirectory " + d.chroot,
		"\tForceCommand internal-sftp",
		"\tAllowTcpForwarding no",
		"\tX11Forwarding no",
		"",
	}, "\n"))
	d.cmd = exec.Command(sshdPath, "-D", "-e", "-f", cfg)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		d.kill()
		if t.Failed() {
			t.Logf("sshd log:\n%s", d.log.String())
		}
	})
	waitListening(t, net.JoinHostPort(d.host, d.port), d.exited, d.log)
	return d
}

// settings returns working key-auth settings pinned by fingerprint.
func (d *testSSHD) settings() Settings {
	p, _ := strconv.Atoi(d.port)
	return Settings{
		Host: d.host, Port: p, User: "root", PrivateKey: d.clientKey,
		HostKeyFingerprint: d.fingerprint, Dir: "/outbound",
		DialTimeout: "10s", Timeout: "10s",
	}
}

// kill stops sshd and every session process it forked: per-connection
// children call setsid, so a process-group kill would miss them.
func (d *testSSHD) kill() {
	select {
	case <-d.exited:
		return // reaped: its pid may already belong to someone else
	default:
	}
	kids := descendants(d.cmd.Process.Pid)
	_ = d.cmd.Process.Kill()
	for _, pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	<-d.exited
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

// chrootDir makes a folder sshd accepts as ChrootDirectory: it and every
// folder above it root-owned and not group or world writable, which rules
// out the usual /tmp.
func chrootDir(t *testing.T) string {
	t.Helper()
	home, _ := os.UserHomeDir()
	for _, base := range []string{os.TempDir(), "/run", home} {
		if base == "" || !chrootSafe(base) {
			continue
		}
		dir, err := os.MkdirTemp(base, "supplyhub-sftp-chroot-")
		if err != nil {
			continue
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	t.Skip("no root-owned, non-world-writable folder for the sshd chroot")
	return ""
}

// chrootSafe reports whether dir and its parents pass sshd's chroot checks.
func chrootSafe(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
			return false
		}
		if dir == "/" {
			return true
		}
		dir = filepath.Dir(dir)
	}
}

// fingerprintOf runs ssh-keygen -lf, as an operator would, and returns the
// "SHA256:…" field.
func fingerprintOf(t *testing.T, pub string) string {
	t.Helper()
	out := run(t, "ssh-keygen", "-lf", pub)
	f := strings.Fields(out)
	if len(f) < 2 || !strings.HasPrefix(f[1], "SHA256:") {
		t.Fatalf("ssh-keygen -lf printed %q", out)
	}
	return f[1]
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
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

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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

package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// benchKinds are the storages benchmarked: the database kinds storetest
// offers (PostgreSQL when SUPPLYHUB_TEST_POSTGRES_URL is set) and memory
// as the protocol-only ceiling.
func benchKinds() []string { return append(storetest.Kinds(), "mem") }

func quiet(c *Config) { c.Logger = slog.New(slog.DiscardHandler) }

// csvBody is a 1.5 KiB order file.
func csvBody() []byte {
	var b bytes.Buffer
	b.WriteString("number,sku,name,quantity,unit_price\n")
	for b.Len() < 1536-40 {
		b.WriteString("22-31,HAM-1,Claw hammer 16oz,2,1299\n")
	}
	return b.Bytes()
}

// BenchmarkUploadTempRename is the supplier's side of a CSV drop: upload
// 1.5 KiB as a temp name over one connection, then posix-rename it to its
// final name (which commits and fires OnInbound).
func BenchmarkUploadTempRename(b *testing.B) {
	for _, kind := range benchKinds() {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, kind, quiet)
			c := e.clientA()
			body := csvBody()
			b.ResetTimer()
			for i := range b.N {
				tmp := fmt.Sprintf("/inbound/%d.csv.tmp", i)
				f, err := c.Create(tmp)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(body); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
				if err := c.PosixRename(tmp, strings.TrimSuffix(tmp, ".tmp")); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkPutOutboundAndDownload is the order side: the daemon drops a
// 1.5 KiB CSV with PutOutbound, the supplier downloads it over one
// connection and picks it up by moving it to /archive (OnRetrieved).
func BenchmarkPutOutboundAndDownload(b *testing.B) {
	for _, kind := range benchKinds() {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, kind, quiet)
			c := e.clientA()
			body := csvBody()
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprintf("%d-31.csv", i)
				if err := e.srv.PutOutbound(ctx, e.a, name, body); err != nil {
					b.Fatal(err)
				}
				f, err := c.Open("/outbound/" + name)
				if err != nil {
					b.Fatal(err)
				}
				got, err := io.ReadAll(f)
				f.Close()
				if err != nil || len(got) != len(body) {
					b.Fatalf("download: %d bytes, %v", len(got), err)
				}
				if err := c.PosixRename("/outbound/"+name, "/archive/"+name); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkLargeFile moves one 100 MB file up and down with pkg/sftp's
// client (concurrent requests), through the built-in server on each
// storage and, when it can be started, through OpenSSH's sshd with
// internal-sftp writing to local disk.
func BenchmarkLargeFile(b *testing.B) {
	const size = 100 << 20
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	type target struct {
		name string
		dial func(b *testing.B) (*sftp.Client, string)
	}
	var targets []target
	for _, kind := range benchKinds() {
		targets = append(targets, target{"builtin-" + kind, func(b *testing.B) (*sftp.Client, string) {
			e := newEnv(b, kind, quiet)
			conn, err := ssh.Dial("tcp", e.addr, &ssh.ClientConfig{User: "31", Auth: []ssh.AuthMethod{ssh.Password(passA)},
				HostKeyCallback: ssh.FixedHostKey(e.srv.HostKey())})
			if err != nil {
				b.Fatal(err)
			}
			return bigClient(b, conn), "/archive/big.bin"
		}})
	}
	targets = append(targets, target{"openssh", func(b *testing.B) (*sftp.Client, string) {
		return startSSHD(b), filepath.Join(b.TempDir(), "big.bin")
	}})
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			c, remote := tg.dial(b)
			b.Run("upload", func(b *testing.B) {
				b.SetBytes(size)
				for range b.N {
					f, err := c.Create(remote)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					if err := f.Close(); err != nil { // the built-in server commits here
						b.Fatal(err)
					}
				}
			})
			b.Run("download", func(b *testing.B) {
				b.SetBytes(size)
				for range b.N {
					f, err := c.Open(remote)
					if err != nil {
						b.Fatal(err)
					}
					n, err := f.WriteTo(io.Discard)
					f.Close()
					if err != nil || n != size {
						b.Fatalf("download: %d bytes, %v", n, err)
					}
				}
			})
		})
	}
}

// startSSHD runs OpenSSH's sshd on a free loopback port with its own host
// key, config and authorized_keys in a temp dir, serving internal-sftp
// to the current user, and returns a logged-in client. It skips when
// sshd is not installed or we are not root (sshd needs root to log a
// user in).
func startSSHD(b *testing.B) *sftp.Client {
	b.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/sshd"); err2 != nil {
			b.Skip("sshd not installed: apt-get install -y openssh-server")
		}
		sshd = "/usr/sbin/sshd"
	}
	if os.Geteuid() != 0 {
		b.Skip("sshd comparison needs root")
	}
	// sshd insists on its privilege separation folder, which the
	// package's service start would create.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		b.Skipf("sshd: %v", err)
	}
	dir := b.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	if _, err := LoadOrCreateHostKey(hostKey); err != nil {
		b.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	cfg := strings.Join([]string{
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"StrictModes no", // the temp dir is not root-owned 0755 all the way up
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"UsePAM no",
		"PidFile none",
		"Subsystem sftp internal-sftp",
		"LogLevel ERROR",
	}, "\n") + "\n"
	cfgPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfgPath, "-p", port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Skipf("start sshd: %v", err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	user := os.Getenv("USER")
	if user == "" {
		user = "root"
	}
	ccfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
	var conn *ssh.Client
	for deadline := time.Now().Add(10 * time.Second); ; {
		conn, err = ssh.Dial("tcp", addr, ccfg)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Skipf("sshd did not accept a login: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return bigClient(b, conn)
}

// bigClient is pkg/sftp's client with concurrent writes as well as reads,
// the fastest way it moves one large file.
func bigClient(b *testing.B, conn *ssh.Client) *sftp.Client {
	c, err := sftp.NewClient(conn, sftp.UseConcurrentWrites(true))
	if err != nil {
		conn.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// BenchmarkPutOutbound measures the drop itself: one 1.5 KiB CSV committed
// into a supplier's /outbound per iteration, as the hosted drop channel
// does for each supplier order (no client download in the loop).
func BenchmarkPutOutbound(b *testing.B) {
	for _, kind := range benchKinds() {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, kind, quiet)
			body := csvBody()
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if err := e.srv.PutOutbound(ctx, e.a, fmt.Sprintf("%d-31.csv", i), body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

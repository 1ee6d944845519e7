package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// daemon is a supplyhub serve subprocess: a process of its own, so its
// CPU time and peak RSS in /proc are the daemon's alone.
type daemon struct {
	cmd      *exec.Cmd
	dataDir  string
	url      string
	sftpAddr string
	opsAddr  string
	logs     *syncBuffer
	done     chan error
}

// syncBuffer is a bytes.Buffer safe for the subprocess's two pipes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildBinary builds ./cmd/supplyhub into dir.
func buildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "supplyhub")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/supplyhub").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build ./cmd/supplyhub (run from the repository root or give --binary): %w\n%s", err, out)
	}
	return bin, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// writeConfig writes the run's configuration: retailer bench and one
// supplier per channel entry, aimed at this tool's receivers.
func writeConfig(dataDir string, sups []supplier, hooks *hookServer, secrets map[string]string, sink *mailSink) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\nlog: {level: warn, format: text}\ndemo: {write_keys: true}\n", dataDir)
	b.WriteString("webhooks: {allow_private: [\"127.0.0.0/8\"]}\n")
	if sink != nil {
		fmt.Fprintf(&b, "mail: {from: \"Bench <hub@bench.test>\", transport: smtp, smtp: {host: 127.0.0.1, port: %d, tls: none}}\n", sink.port())
	}
	b.WriteString("retailers:\n  - {code: bench, name: Bench Store, email: store@bench.test}\nsuppliers:\n")
	for _, s := range sups {
		var ch string
		switch s.Channel {
		case "webhook":
			ch = fmt.Sprintf("{type: webhook, url: %q, secret: %q}", hooks.url(s.Code), secrets[s.Code])
		case "sftp":
			ch = "{type: sftp, hosted: true}"
		case "email":
			ch = "{type: email}"
		case "api":
			ch = "{type: api}"
		}
		fmt.Fprintf(&b, "  - {code: %q, name: %q, email: \"%s@bench.test\", channels: [%s]}\n", s.Code, s.Code, s.Code, ch)
	}
	path := filepath.Join(dataDir, "supplyhub.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	return path, nil
}

// startDaemon runs serve and waits for /readyz.
func startDaemon(ctx context.Context, bin, cfgPath, dataDir, dbURL string, pprof bool) (*daemon, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	sftpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	opsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	d := &daemon{dataDir: dataDir, url: "http://" + addr, sftpAddr: sftpAddr, opsAddr: opsAddr,
		logs: &syncBuffer{}, done: make(chan error, 1)}
	d.cmd = exec.Command(bin, "serve")
	d.cmd.Env = append(os.Environ(), "SUPPLYHUB_CONFIG="+cfgPath, "SUPPLYHUB_HTTP_ADDR="+addr,
		"SUPPLYHUB_SFTP_ADDR="+sftpAddr, "SUPPLYHUB_HTTP_OPS_ADDR="+opsAddr, "SUPPLYHUB_HTTP_RATE_LIMIT=0",
		fmt.Sprintf("SUPPLYHUB_HTTP_PPROF=%t", pprof))
	if dbURL != "" {
		d.cmd.Env = append(d.cmd.Env, "SUPPLYHUB_DATABASE_URL="+dbURL)
	}
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(d.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d, nil
			}
		}
		select {
		case err := <-d.done:
			d.done <- err
			return nil, fmt.Errorf("serve exited before ready: %v\n%s", err, d.logs.String())
		case <-ctx.Done():
			d.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("serve not ready after 60s:\n%s", d.logs.String())
		}
	}
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

// secret reads a file the daemon wrote under demo-keys/.
func (d *daemon) secret(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(d.dataDir, "demo-keys", name))
	if err != nil {
		return "", fmt.Errorf("read demo key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// stop sends SIGTERM and waits up to 30 s, then kills.
func (d *daemon) stop() error {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		d.done <- err
		return err
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		err := <-d.done
		d.done <- err
		return fmt.Errorf("serve did not stop within 30s of SIGTERM")
	}
}

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the supplyhub binary built once for the process tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "supplyhub-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "supplyhub")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build supplyhub: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a supplyhub serve subprocess.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

// testConfig writes a config with retailer acme and suppliers 31 and 40
// (file channels) and returns its path.
func testConfig(t *testing.T, dataDir string) string {
	t.Helper()
	cfg := `data_dir: ` + dataDir + `
log: {level: warn, format: text}
retailers:
  - {code: acme, name: Acme}
suppliers:
  - {code: "31", name: Tools, channels: [{type: file}]}
  - {code: "40", name: Paint, commission_rate: "5", channels: [{type: file}]}
`
	path := filepath.Join(dataDir, "supplyhub.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func command(t *testing.T, cfgPath, dbURL string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SUPPLYHUB_CONFIG="+cfgPath, "SUPPLYHUB_DATABASE_URL="+dbURL, "SUPPLYHUB_SFTP_ADDR=", "SUPPLYHUB_HTTP_RATE_LIMIT=0")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// startServe runs serve, with env added to its environment, and waits for
// /readyz.
func startServe(t *testing.T, cfgPath, dbURL string, env ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	cmd := command(t, cfgPath, dbURL, append([]string{"SUPPLYHUB_HTTP_ADDR=" + addr}, env...), "serve")
	p := &proc{cmd: cmd, url: "http://" + addr, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("serve logs:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("serve exited before ready: %v\n%s", err, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 30s:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createKey runs "supplyhub key create" and returns what it printed on stdout.
func createKey(t *testing.T, cfgPath, dbURL string, args ...string) string {
	t.Helper()
	cmd := command(t, cfgPath, dbURL, nil, append([]string{"key", "create"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("key create: %v\n%s", err, stderr.String())
	}
	key := strings.TrimSpace(stdout.String())
	if strings.ContainsAny(key, " \n") || !strings.HasPrefix(key, "sh_") {
		t.Fatalf("key create printed more than a key: %q", stdout.String())
	}
	return key
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not stop within 20s of SIGTERM")
	}
}

func (p *proc) kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

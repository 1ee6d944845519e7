package server

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

// needBinary skips the test, saying how to get the binary, when a stock
// client is not installed.
func needBinary(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed: apt-get install -y %s", name, pkg)
	}
	return p
}

// runClient runs a stock client with a deadline and HOME in a temp dir,
// so the user's own ~/.ssh (keys, known_hosts, config) plays no part.
func runClient(t *testing.T, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s\n%s", name, strings.Join(args, " "), out)
	return string(out), err
}

func TestOpenSSHClient(t *testing.T) {
	t.Parallel()
	bin := needBinary(t, "sftp", "openssh-client")
	e := newEnv(t, store.KindSQLite, nil)
	e.putOutbound(e.a, "22-31.csv", "number,sku\n22-31,HAM-1\n")
	e.putOutbound(e.a, "23-31.csv", "number,sku\n23-31,SAW-2\n")
	dir := t.TempDir()
	status := filepath.Join(dir, "status.csv")
	if err := os.WriteFile(status, []byte("22-31,shipped\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-b", "-", "-P", e.port(), "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
		"-i", e.keyPathA, "31@127.0.0.1"}
	batch := strings.Join([]string{
		"ls -l /outbound",
		"get /outbound/22-31.csv " + filepath.Join(dir, "order.csv"),
		"put " + status + " /inbound/status.csv.tmp",
		"rename /inbound/status.csv.tmp /inbound/status.csv",
		"put -p " + status + " /archive/kept.csv", // preserves times: setstat
		"rm /outbound/22-31.csv",
		"rename /outbound/23-31.csv /archive/23-31.csv",
		"cd /inbound",
		"cd ..",
		"pwd",
		"ls /",
		"-mkdir /inbound/sub", // refused; "-" lets the batch go on
		"-get /../../etc/passwd " + filepath.Join(dir, "passwd"),
		"-symlink /outbound /inbound/link",
	}, "\n") + "\n"
	out, err := runClient(t, batch, bin, args...)
	if err != nil {
		t.Fatalf("sftp batch failed: %v", err)
	}
	for _, want := range []string{"22-31.csv", "Remote working directory: /", "outbound"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "order.csv")); err != nil || string(b) != "number,sku\n22-31,HAM-1\n" {
		t.Errorf("downloaded order: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "passwd")); err == nil {
		t.Error("escaped the jail: got /etc/passwd")
	}
	ctx := context.Background()
	if fi, err := e.storage.Stat(ctx, e.a, FolderInbound, "status.csv"); err != nil || fi.Size != 14 {
		t.Errorf("uploaded status: %+v %v", fi, err)
	}
	for _, name := range []string{"kept.csv", "23-31.csv"} {
		if _, err := e.storage.Stat(ctx, e.a, FolderArchive, name); err != nil {
			t.Errorf("/archive/%s: %v", name, err)
		}
	}
	want := []string{"inbound 1 status.csv", "retrieved 1 22-31.csv", "retrieved 1 23-31.csv"}
	if got := e.hooks.take(); !slices.Equal(got, want) {
		t.Errorf("hooks %v, want %v", got, want)
	}

	// A command that fails stops a batch with a non-zero exit.
	if _, err := runClient(t, "get /outbound/missing.csv "+filepath.Join(dir, "x")+"\n", bin, args...); err == nil {
		t.Error("get of a missing file succeeded")
	}
	if _, err := runClient(t, "put "+status+" /outbound/fake.csv\n", bin, args...); err == nil {
		t.Error("put into /outbound succeeded")
	}
}

func TestLFTPClient(t *testing.T) {
	t.Parallel()
	bin := needBinary(t, "lftp", "lftp")
	needBinary(t, "ssh", "openssh-client") // lftp's sftp runs over ssh
	e := newEnv(t, store.KindSQLite, nil)
	e.putOutbound(e.a, "22-31.csv", "number,sku\n22-31,HAM-1\n")
	dir := t.TempDir()
	status := filepath.Join(dir, "status.csv")
	if err := os.WriteFile(status, []byte("22-31,shipped\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := strings.Join([]string{
		"set sftp:auto-confirm yes",
		`set sftp:connect-program "ssh -a -x -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o PubkeyAuthentication=no"`,
		"set net:max-retries 1",
		"set net:timeout 15",
		"set cmd:fail-exit yes",
		"open -u 31," + passA + " sftp://127.0.0.1:" + e.port(),
		"ls /outbound",
		"get /outbound/22-31.csv -o " + filepath.Join(dir, "order.csv"),
		"put " + status + " -o /inbound/status.csv",
		"mv /outbound/22-31.csv /archive/22-31.csv",
		"cls -1 /archive",
	}, "; ")
	out, err := runClient(t, "", bin, "-c", script)
	if err != nil {
		t.Fatalf("lftp failed: %v", err)
	}
	if !strings.Contains(out, "22-31.csv") {
		t.Error("listing lacks 22-31.csv")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "order.csv")); err != nil || !bytes.Equal(b, []byte("number,sku\n22-31,HAM-1\n")) {
		t.Errorf("downloaded order: %q %v", b, err)
	}
	if fi, err := e.storage.Stat(context.Background(), e.a, FolderInbound, "status.csv"); err != nil || fi.Size != 14 {
		t.Errorf("uploaded status: %+v %v", fi, err)
	}
	want := []string{"inbound 1 status.csv", "retrieved 1 22-31.csv"}
	if got := e.hooks.take(); !slices.Equal(got, want) {
		t.Errorf("hooks %v, want %v", got, want)
	}

	// A wrong password fails instead of hanging on a prompt.
	bad := strings.Replace(script, "31,"+passA, "31,wrong-password", 1)
	if _, err := runClient(t, "", bin, "-c", bad); err == nil {
		t.Error("lftp logged in with a wrong password")
	}
}

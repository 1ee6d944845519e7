package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// runCLI runs one supplyhub command and returns its exit code, stdout and
// stderr.
func runCLI(t *testing.T, cfgPath, dbURL string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := command(t, cfgPath, dbURL, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("%v: %v", args, err)
	return 0, "", ""
}

func getStatus(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/orders", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestKeyListAndRevoke lists keys and revokes one by its hint while two
// serve processes run on the database (PostgreSQL; SQLite allows one serve
// per database, and the CLI is then the other process): both refuse it on
// the next request.
func TestKeyListAndRevoke(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, kind string) {
		dbURL := storetest.URL(t, kind)
		cfgPath := testConfig(t, t.TempDir())
		a := startServe(t, cfgPath, dbURL)
		b := a
		if kind == store.KindPostgres {
			b = startServe(t, cfgPath, dbURL)
		}
		key := createKey(t, cfgPath, dbURL, "--retailer", "acme", "--name", "shop backend")
		createKey(t, cfgPath, dbURL, "--supplier", "31")
		for _, p := range []*proc{a, b} {
			if code := getStatus(t, p.url, key); code != 200 {
				t.Fatalf("before revoking: %d", code)
			}
		}

		code, out, errOut := runCLI(t, cfgPath, dbURL, nil, "key", "list", "--json")
		var keys []struct {
			ID         int64
			Kind       string
			Owner      string
			Name       string
			Hint       string
			LastUsedAt *time.Time `json:"last_used_at"`
			RevokedAt  *time.Time `json:"revoked_at"`
		}
		if err := json.Unmarshal([]byte(out), &keys); code != 0 || err != nil || len(keys) != 2 {
			t.Fatalf("key list --json: exit %d, %v:\n%s%s", code, err, out, errOut)
		}
		if strings.Contains(out, key[9:]) {
			t.Fatal("key list shows the secret part of a key")
		}
		k := keys[0]
		if k.Kind != "retailer" || k.Owner != "acme" || k.Name != "shop backend" || !strings.HasPrefix(key, strings.TrimSuffix(k.Hint, "…")) ||
			k.LastUsedAt == nil || k.RevokedAt != nil {
			t.Errorf("listed %+v", k)
		}
		code, out, _ = runCLI(t, cfgPath, dbURL, nil, "key", "list", "--supplier", "31")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "supplier") || strings.Contains(out, "acme") {
			t.Errorf("key list --supplier 31: exit %d\n%s", code, out)
		}

		code, out, errOut = runCLI(t, cfgPath, dbURL, nil, "key", "revoke", strings.TrimSuffix(k.Hint, "…"))
		if code != 0 || out != "" || !strings.Contains(errOut, "revoked retailer key") {
			t.Fatalf("key revoke: exit %d %q %q", code, out, errOut)
		}
		for name, p := range map[string]*proc{"replica a": a, "replica b": b} {
			if code := getStatus(t, p.url, key); code != 401 {
				t.Errorf("%s after revoking: %d, want 401", name, code)
			}
		}

		for _, c := range []struct {
			args []string
			code int
			msg  string
		}{
			{[]string{"key", "revoke", key}, 1, "already revoked"},
			{[]string{"key", "revoke", "999999"}, 1, "no API key matches"},
			{[]string{"key", "revoke", "sh_x_zzzz"}, 1, "no API key matches"},
			{[]string{"key", "revoke", "sh_"}, 2, "neither a key id"}, // too short to name one key
			{[]string{"key", "revoke", "bogus"}, 2, "neither a key id"},
			{[]string{"key", "revoke"}, 2, "needs the key's id"},
			{[]string{"key", "list", "--retailer", "nope"}, 2, "nope"},
			{[]string{"key", "list", "--retailer", "acme", "--supplier", "31"}, 2, "not both"},
		} {
			code, _, errOut := runCLI(t, cfgPath, dbURL, nil, c.args...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Errorf("%v: exit %d, want %d with %q: %s", c.args, code, c.code, c.msg, errOut)
			}
		}
	})
}

// TestSFTPKeyRemove authorizes a key, logs in with it over SSH, lists it,
// removes it and sees the next login refused.
func TestSFTPKeyRemove(t *testing.T) {
	if testing.Short() {
		t.Skip("process test skipped in -short mode")
	}
	dataDir := t.TempDir()
	cfgPath := testConfig(t, dataDir)
	dbURL := "sqlite:" + filepath.Join(dataDir, "supplyhub.db")
	sftpAddr := freeAddr(t)
	env := []string{"SUPPLYHUB_SFTP_ADDR=" + sftpAddr}

	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	signer, _ := ssh.NewSignerFromKey(priv)
	pubFile := filepath.Join(dataDir, "id_ed25519.pub")
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " ops@example\n"
	if err := os.WriteFile(pubFile, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	fp := ssh.FingerprintSHA256(sshPub)

	startServe(t, cfgPath, dbURL, env...) // creates the configured suppliers
	if code, _, errOut := runCLI(t, cfgPath, dbURL, env, "sftp", "key", "add", "--supplier", "31", "--file", pubFile); code != 0 {
		t.Fatalf("sftp key add: %d %s", code, errOut)
	}
	login := func() error { return sftpLogin(sftpAddr, "31", ssh.PublicKeys(signer)) }
	if err := login(); err != nil {
		t.Fatalf("login with the authorized key: %v", err)
	}

	code, out, errOut := runCLI(t, cfgPath, dbURL, env, "sftp", "key", "list", "--supplier", "31")
	if code != 0 || !strings.Contains(out, fp) || !strings.Contains(out, "ops@example") || !strings.Contains(out, "ssh-ed25519") {
		t.Fatalf("sftp key list: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, cfgPath, dbURL, env, "sftp", "key", "remove", "--supplier", "31", fp)
	if code != 0 || !strings.Contains(errOut, "removed") {
		t.Fatalf("sftp key remove: exit %d %s", code, errOut)
	}
	if err := login(); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("login with the removed key: %v, want an authentication failure", err)
	}
	if _, out, _ := runCLI(t, cfgPath, dbURL, env, "sftp", "key", "list", "--supplier", "31"); strings.Contains(out, fp) {
		t.Errorf("removed key still listed:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"sftp", "key", "remove", "--supplier", "31", fp}, 1, "has no SFTP key"},
		{[]string{"sftp", "key", "remove", "--supplier", "31", "MD5:aa"}, 2, "not a SHA256"},
		{[]string{"sftp", "key", "remove", "--supplier", "31"}, 2, "fingerprint"},
		{[]string{"sftp", "key", "list"}, 2, "--supplier is required"},
		{[]string{"sftp", "key", "list", "--supplier", "99"}, 2, "99"},
	} {
		code, _, errOut := runCLI(t, cfgPath, dbURL, env, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, want %d with %q: %s", c.args, code, c.code, c.msg, errOut)
		}
	}
}

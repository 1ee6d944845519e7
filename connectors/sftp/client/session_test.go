package client

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop/droptest"
)

func dial(t *testing.T, st Settings) *Session {
	t.Helper()
	s, err := Dial(context.Background(), st)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPutLandsWholeAndReplaces(t *testing.T) {
	d := startSSHD(t)
	s := dial(t, d.settings())
	out := filepath.Join(d.chroot, "outbound")
	final := filepath.Join(out, "22-31.csv")

	// Big enough that the upload takes many packets, so a reader polling
	// the final name would catch a half-written file if there were one.
	v1 := bytes.Repeat([]byte("22-31;SKU-1;2\n"), 300_000)
	v2 := bytes.Repeat([]byte("22-31;SKU-2;5\n"), 280_000)
	stop := droptest.WatchPartial(final, v1, v2)
	if err := s.Put(context.Background(), "22-31.csv", v1); err != nil {
		t.Fatalf("Put: %v", err)
	}
	droptest.AssertOnly(t, out, map[string][]byte{"22-31.csv": v1})
	if err := s.Put(context.Background(), "22-31.csv", v2); err != nil {
		t.Fatalf("re-Put: %v", err)
	}
	reads, partial := stop()
	if partial > 0 {
		t.Fatalf("a reader saw a partial file %d times out of %d reads", partial, reads)
	}
	t.Logf("a concurrent reader saw only whole files in %d reads", reads)
	if err := s.Put(context.Background(), "22-32.json", []byte("{}\n")); err != nil {
		t.Fatalf("second file on the same session: %v", err)
	}
	if err := s.Put(context.Background(), "empty.csv", nil); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	droptest.AssertOnly(t, out, map[string][]byte{"22-31.csv": v2, "22-32.json": []byte("{}\n"), "empty.csv": {}})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Put(context.Background(), "late.csv", nil); !errors.Is(err, errClosed) {
		t.Fatalf("Put after Close: %v, want %v", err, errClosed)
	}
}

func TestRenameFallbackWithoutPosixRename(t *testing.T) {
	d := startSSHD(t)
	s := dial(t, d.settings())
	if !s.posixRename {
		t.Fatal("OpenSSH should offer posix-rename@openssh.com")
	}
	// Plain SFTP rename, as servers without the extension do it: OpenSSH
	// refuses it when the target exists, so this exercises remove+rename.
	s.posixRename = false
	for _, v := range []string{"one\n", "two\n"} {
		if err := s.Put(context.Background(), "a.csv", []byte(v)); err != nil {
			t.Fatalf("Put %q: %v", v, err)
		}
	}
	droptest.AssertOnly(t, filepath.Join(d.chroot, "outbound"), map[string][]byte{"a.csv": []byte("two\n")})
}

func TestHostKeyFromKnownHosts(t *testing.T) {
	d := startSSHD(t)
	// What an operator pastes: ssh-keyscan output, here with hashed names.
	scan := run(t, "ssh-keyscan", "-H", "-t", "ed25519", "-p", d.port, d.host)
	st := d.settings()
	st.HostKeyFingerprint, st.KnownHosts = "", scan
	s := dial(t, st)
	if err := s.Put(context.Background(), "k.csv", []byte("k")); err != nil {
		t.Fatal(err)
	}

	// The same key listed for another host does not vouch for this one.
	other := strings.Fields(readFile(t, d.hostKeyPub))
	st.KnownHosts = "supplier.example " + other[0] + " " + other[1] + "\n"
	_, err := Dial(context.Background(), st)
	var he *HostKeyError
	if !errors.As(err, &he) || he.Fingerprint != d.fingerprint || !strings.Contains(he.Reason, "not in known_hosts") {
		t.Fatalf("Dial with known_hosts for another host: %v", err)
	}
}

func TestHostKeyMismatchRefused(t *testing.T) {
	d := startSSHD(t)
	other := filepath.Join(t.TempDir(), "other")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other)
	otherPub := readFile(t, other+".pub")
	f := strings.Fields(otherPub)
	port := d.port

	for _, tc := range []struct {
		name   string
		edit   func(*Settings)
		reason string
	}{
		{"fingerprint", func(s *Settings) { s.HostKeyFingerprint = fingerprintOf(t, other+".pub") }, "does not match host_key_fingerprint"},
		{"known_hosts", func(s *Settings) {
			s.HostKeyFingerprint = ""
			s.KnownHosts = "[" + d.host + "]:" + port + " " + f[0] + " " + f[1] + "\n"
		}, "known_hosts has a different key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := d.settings()
			tc.edit(&st)
			s, err := Dial(context.Background(), st)
			if err == nil {
				s.Close()
				t.Fatal("Dial accepted a server whose host key is not pinned")
			}
			var he *HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("error %v (%T) is not a *HostKeyError", err, err)
			}
			if he.Fingerprint != d.fingerprint || !strings.Contains(err.Error(), d.fingerprint) {
				t.Fatalf("error %q should name the presented fingerprint %s", err, d.fingerprint)
			}
			if !strings.Contains(he.Reason, tc.reason) {
				t.Fatalf("reason %q, want %q", he.Reason, tc.reason)
			}
			if !IsPermanent(err) {
				t.Fatal("a host key mismatch should be permanent")
			}
			t.Log(err)
		})
	}
}

func TestMissingHostKeySettingRefused(t *testing.T) {
	st := Settings{Host: "127.0.0.1", User: "root", Password: "x"}
	ps := st.Validate()
	if len(ps) != 1 || ps[0].Key != "known_hosts" {
		t.Fatalf("Validate = %v, want one known_hosts problem", ps)
	}
	// Port 1 would refuse a connection; Dial must not even try.
	st.Port = 1
	_, err := Dial(context.Background(), st)
	if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "host key verification is mandatory") {
		t.Fatalf("Dial without host key setting: %v", err)
	}
}

func TestMissingRemoteDir(t *testing.T) {
	d := startSSHD(t)
	st := d.settings()
	st.Dir = "/nope"
	_, err := Dial(context.Background(), st)
	if err == nil || !strings.Contains(err.Error(), `remote dir "/nope"`) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Dial with a missing dir: %v", err)
	}
	if !IsPermanent(err) {
		t.Fatalf("missing dir should be permanent: %v", err)
	}
	t.Log(err)
}

func TestAuthRefusedIsPermanent(t *testing.T) {
	d := startSSHD(t)
	st := d.settings()
	// Root may only log in by key on this server, so the password fails.
	st.PrivateKey, st.Password = "", "not-the-password"
	_, err := Dial(context.Background(), st)
	if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("Dial with a refused password: %v", err)
	}
	t.Log(err)
}

func TestEncryptedKeyFile(t *testing.T) {
	d := startSSHD(t)
	key := filepath.Join(t.TempDir(), "enc")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-a", "2", "-N", "open sesame", "-f", key) // few KDF rounds: fast under -race
	f, err := os.OpenFile(d.authorized, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(readFile(t, key+".pub"))
	f.Close()

	st := d.settings()
	st.PrivateKey, st.PrivateKeyFile, st.Passphrase = "", key, "open sesame"
	s := dial(t, st)
	if err := s.Put(context.Background(), "enc.csv", []byte("x")); err != nil {
		t.Fatal(err)
	}

	st.Passphrase = "wrong"
	if _, err := Dial(context.Background(), st); err == nil || !IsPermanent(err) {
		t.Fatalf("Dial with a wrong passphrase: %v", err)
	}
}

func TestConnectionDropMidSession(t *testing.T) {
	d := startSSHD(t)
	s := dial(t, d.settings())
	if err := s.Put(context.Background(), "before.csv", []byte("1")); err != nil {
		t.Fatal(err)
	}
	d.kill()
	err := s.Put(context.Background(), "after.csv", []byte("2"))
	if err == nil {
		t.Fatal("Put succeeded after sshd was killed")
	}
	if IsPermanent(err) {
		t.Fatalf("a dropped connection should be temporary: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "sftp put after.csv: ") {
		t.Fatalf("error should name the operation and file: %v", err)
	}
	t.Log(err)
	err = s.Put(context.Background(), "again.csv", []byte("3"))
	if err == nil || !strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("Put on a dropped session: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close after the drop: %v", err)
	}
}

func TestCancelledPutBreaksSession(t *testing.T) {
	d := startSSHD(t)
	s := dial(t, d.settings())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Put(ctx, "c.csv", []byte("x"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	err = s.Put(context.Background(), "c.csv", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("Put after a cancelled Put: %v", err)
	}
}

func TestDialHonoursContext(t *testing.T) {
	d := startSSHD(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := Dial(ctx, d.settings()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial with an expired context: %v", err)
	}
}

func TestPutRejectsBadNames(t *testing.T) {
	s := &Session{} // names are checked before any network use
	for _, name := range []string{"", "a/b", `a\b`, "a\x00b", "..", "../x", "x..y", ".", strings.Repeat("n", 201)} {
		err := s.Put(context.Background(), name, nil)
		if err == nil || !IsPermanent(err) {
			t.Errorf("Put(%q) = %v, want a permanent error", name, err)
		}
	}
}

package ftp

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

// TestPutEachTLSMode uploads, replaces and adds files in each TLS mode.
func TestPutEachTLSMode(t *testing.T) {
	for _, mode := range []string{TLSNone, TLSExplicit, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := startVsftpd(t, mode)
			s := dial(t, srv.settings(mode))
			final := filepath.Join(srv.upload, "22-31.csv")
			// Big enough to take many writes, so a reader polling the final
			// name would catch a half-written file if there were one.
			v1 := bytes.Repeat([]byte("22-31;SKU-1;2\n"), 150_000)
			v2 := bytes.Repeat([]byte("22-31;SKU-2;5\n"), 140_000)
			stop := droptest.WatchPartial(final, v1, v2)
			if err := s.Put(context.Background(), "22-31.csv", v1); err != nil {
				t.Fatalf("Put: %v", err)
			}
			droptest.AssertOnly(t, srv.upload, map[string][]byte{"22-31.csv": v1})
			if err := s.Put(context.Background(), "22-31.csv", v2); err != nil {
				t.Fatalf("re-Put: %v", err)
			}
			if reads, partial := stop(); partial > 0 {
				t.Fatalf("a reader saw a partial file %d times out of %d reads", partial, reads)
			}
			if err := s.Put(context.Background(), "22-32.json", []byte("{}\n")); err != nil {
				t.Fatalf("second file on the same session: %v", err)
			}
			if err := s.Put(context.Background(), "empty.csv", nil); err != nil {
				t.Fatalf("empty file: %v", err)
			}
			droptest.AssertOnly(t, srv.upload, map[string][]byte{"22-31.csv": v2, "22-32.json": []byte("{}\n"), "empty.csv": {}})
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Put(context.Background(), "late.csv", nil); !errors.Is(err, errClosed) {
				t.Fatalf("Put after Close: %v, want %v", err, errClosed)
			}
		})
	}
}

func TestPASVWhenEPSVDisabled(t *testing.T) {
	srv := startVsftpd(t, TLSExplicit)
	st := srv.settings(TLSExplicit)
	st.DisableEPSV = true
	s := dial(t, st)
	if err := s.Put(context.Background(), "p.csv", []byte("pasv")); err != nil {
		t.Fatal(err)
	}
	droptest.AssertOnly(t, srv.upload, map[string][]byte{"p.csv": []byte("pasv")})
	log, _ := os.ReadFile(srv.logFile)
	if !bytes.Contains(log, []byte(`"PASV"`)) || bytes.Contains(log, []byte(`"EPSV"`)) {
		t.Fatalf("expected PASV and no EPSV in the server log:\n%s", log)
	}
}

func TestBadPasswordIsPermanent(t *testing.T) {
	srv := startVsftpd(t, TLSExplicit)
	st := srv.settings(TLSExplicit)
	st.Password = "wrong@example.com"
	_, err := Dial(context.Background(), st)
	if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("Dial with a wrong password: %v", err)
	}
	t.Log(err)
}

func TestMissingDirectory(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	st := srv.settings(TLSNone)
	st.Dir = "/nope"
	_, err := Dial(context.Background(), st)
	if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), `remote dir "/nope": 550`) {
		t.Fatalf("Dial with a missing dir: %v", err)
	}
	t.Log(err)
}

func TestStorRefusedNamesServerReply(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	st := srv.settings(TLSNone)
	st.Dir = "/" // the chroot's root belongs to root: the user may not write there
	s := dial(t, st)
	err := s.Put(context.Background(), "22-31.csv", []byte("x"))
	if err == nil || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "ftp put 22-31.csv: stor .22-31.csv.") ||
		!strings.Contains(err.Error(), ": 553 ") {
		t.Fatalf("Put into a read-only folder: %v", err)
	}
	t.Log(err)
	// A refused STOR leaves the control connection in step.
	st.Dir = "/in"
	if err := s.Put(context.Background(), "after.csv", []byte("y")); err == nil {
		t.Fatal("Put into the read-only folder succeeded")
	} else if strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("a 553 reply should not break the session: %v", err)
	}
}

func TestRenameBlockedCleansUp(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	// A non-empty folder where the file should go: RNTO fails, DELE of a
	// folder fails, and the temporary file must not stay behind.
	blocker := filepath.Join(srv.upload, "22-31.csv")
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := dial(t, srv.settings(TLSNone))
	err := s.Put(context.Background(), "22-31.csv", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "rename .22-31.csv.") {
		t.Fatalf("Put onto a folder: %v", err)
	}
	t.Log(err)
	entries, _ := os.ReadDir(srv.upload)
	if len(entries) != 1 {
		t.Fatalf("upload folder holds %d entries, want only the blocking folder", len(entries))
	}
}

func TestWrongCAIsPermanent(t *testing.T) {
	srv := startVsftpd(t, TLSExplicit)
	st := srv.settings(TLSExplicit)
	other, _, _ := writeCerts(t, t.TempDir())
	for name, ca := range map[string]string{"other CA": other, "system roots": ""} {
		t.Run(name, func(t *testing.T) {
			st.CACert = ca
			_, err := Dial(context.Background(), st)
			if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("Dial with an untrusted certificate: %v", err)
			}
			t.Log(err)
		})
	}
}

// TestCAFile uploads over explicit TLS to vsftpd, whose certificate a
// test CA signed: refused with a certificate error without ca_file (the
// system roots), accepted with the CA in a file.
func TestCAFile(t *testing.T) {
	srv := startVsftpd(t, TLSExplicit)
	st := srv.settings(TLSExplicit)
	st.CACert = ""
	_, err := Dial(context.Background(), st)
	if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("without ca_file: %v, want a permanent certificate error naming ca_file", err)
	}
	t.Log(err)
	st.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, st.CAFile, srv.caPEM)
	s := dial(t, st)
	if err := s.Put(context.Background(), "ca.txt", []byte("trusted")); err != nil {
		t.Fatalf("Put with ca_file: %v", err)
	}
	droptest.AssertOnly(t, srv.upload, map[string][]byte{"ca.txt": []byte("trusted")})
}

func TestTLSModeMismatchIsPermanent(t *testing.T) {
	srv := startVsftpd(t, TLSNone) // no TLS at all
	for _, mode := range []string{TLSImplicit, TLSExplicit} {
		t.Run(mode, func(t *testing.T) {
			st := srv.settings(mode)
			st.DialTimeout = "3s"
			_, err := Dial(context.Background(), st)
			if err == nil || !IsPermanent(err) {
				t.Fatalf("%s TLS to a cleartext-only server: %v", mode, err)
			}
			t.Log(err)
		})
	}
}

func TestConnectionDropMidSession(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	s := dial(t, srv.settings(TLSNone))
	if err := s.Put(context.Background(), "before.csv", []byte("1")); err != nil {
		t.Fatal(err)
	}
	srv.kill()
	err := s.Put(context.Background(), "after.csv", []byte("2"))
	if err == nil || IsPermanent(err) || !strings.HasPrefix(err.Error(), "ftp put after.csv: ") {
		t.Fatalf("Put after the server died: %v", err)
	}
	t.Log(err)
	if err := s.Put(context.Background(), "again.csv", []byte("3")); err == nil || !strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("Put on a dropped session: %v", err)
	}
}

func TestCancelledPutBreaksSession(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	s := dial(t, srv.settings(TLSNone))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "c.csv", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	if err := s.Put(context.Background(), "c.csv", []byte("x")); err == nil || !strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("Put after a cancelled Put: %v", err)
	}
}

func TestDialHonoursContext(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := Dial(ctx, srv.settings(TLSNone)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial with an expired context: %v", err)
	}
}

func TestPutRejectsBadNames(t *testing.T) {
	s := &Session{} // names are checked before any network use
	for _, name := range []string{"", "a/b", `a\b`, "a\x00b", "..", "../x", "x..y", ".", strings.Repeat("n", 201)} {
		if err := s.Put(context.Background(), name, nil); err == nil || !IsPermanent(err) {
			t.Errorf("Put(%q) = %v, want a permanent error", name, err)
		}
	}
}

package ftp

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop/droptest"
)

// statusContent is a supplier status file with non-ASCII text.
var statusContent = []byte("order;status;note\n22-31;shipped;Müller GmbH, Straße 5 — 12 € ✓ 日本\n")

// inboundFixture fills /in/inbound on the server: two status files, the
// supplier's and our temporary files, a folder, a symbolic link and a
// FIFO, all writable by the server's user. It returns the inbound folder
// and the files' modification time (to the minute, as LIST shows it).
func inboundFixture(t *testing.T, srv *testServer) (string, time.Time) {
	t.Helper()
	fi, err := os.Stat(srv.upload)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	in := filepath.Join(srv.upload, "inbound")
	for _, d := range []string{in, filepath.Join(in, "archive")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, int(st.Uid), int(st.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	mtime := time.Now().Add(-time.Hour).Truncate(time.Minute).UTC()
	for name, data := range map[string]string{
		"b-status.csv":         string(statusContent),
		"a-status.csv":         "22-32;open\n",
		"ä-status.csv":         "",
		".b-status.csv.tmp":    "half",
		".22-31.csv.1a2b.tmp":  "ours",
		"archive/old.csv":      "old",
		"archive/a-status.csv": "archived earlier\n",
	} {
		p := filepath.Join(in, name)
		writeFile(t, p, data)
		if err := os.Chmod(p, 0o644); err != nil { // anonymous FTP reads world-readable files only
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a-status.csv", filepath.Join(in, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(in, "fifo.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	return in, mtime
}

func names(files []RemoteFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

// TestDownloadEachTLSMode lists and reads files over each TLS mode's data
// connections.
func TestDownloadEachTLSMode(t *testing.T) {
	for _, mode := range []string{TLSNone, TLSExplicit, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := startVsftpd(t, mode)
			_, mtime := inboundFixture(t, srv)
			s := dial(t, srv.settings(mode))
			ctx := context.Background()

			files, err := s.List(ctx, "inbound")
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got, want := names(files), []string{"a-status.csv", "b-status.csv", "ä-status.csv"}; !slices.Equal(got, want) {
				t.Fatalf("List = %q, want %q", got, want)
			}
			if f := files[1]; f.Size != int64(len(statusContent)) || !f.ModTime.Equal(mtime) {
				t.Fatalf("b-status.csv listed as %+v, want %d bytes at %v", f, len(statusContent), mtime)
			}
			got, err := s.Get(ctx, "inbound", "b-status.csv", int64(len(statusContent)))
			if err != nil || !bytes.Equal(got, statusContent) {
				t.Fatalf("Get = %q, %v; want %q", got, err, statusContent)
			}
			if got, err := s.Get(ctx, "/in/inbound", "ä-status.csv", 0); err != nil || len(got) != 0 {
				t.Fatalf("Get of an empty file = %q, %v", got, err)
			}
		})
	}
}

func TestListFolders(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	_, _ = inboundFixture(t, srv)
	s := dial(t, srv.settings(TLSNone))
	ctx := context.Background()

	for _, dir := range []string{"inbound", "/in/inbound", "./inbound/"} {
		files, err := s.List(ctx, dir)
		if want := []string{"a-status.csv", "b-status.csv", "ä-status.csv"}; err != nil || !slices.Equal(names(files), want) {
			t.Fatalf("List(%q) = %q, %v; want %q", dir, names(files), err, want)
		}
	}
	if files, err := s.List(ctx, "inbound/archive"); err != nil || !slices.Equal(names(files), []string{"a-status.csv", "old.csv"}) {
		t.Fatalf("List of the archive = %q, %v", names(files), err)
	}
	_, err := s.List(ctx, "nope")
	if !errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "ftp list nope: cwd nope: 550 ") {
		t.Fatalf("List of a missing folder: %v", err)
	}
	t.Log(err)
	// Listing another folder changed into it and back: the configured
	// folder is still where files go and what "" lists.
	if err := s.Put(ctx, "after-list.csv", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(srv.upload, "after-list.csv")); err != nil {
		t.Fatalf("Put after List went elsewhere: %v", err)
	}
	if files, err := s.List(ctx, ""); err != nil || !slices.Equal(names(files), []string{"after-list.csv"}) {
		t.Fatalf(`List("") = %q, %v`, names(files), err)
	}
}

func TestGetRefusals(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	_, _ = inboundFixture(t, srv)
	s := dial(t, srv.settings(TLSNone))
	ctx := context.Background()
	n := int64(len(statusContent))

	_, err := s.Get(ctx, "inbound", "b-status.csv", n-1)
	if !errors.Is(err, ErrTooLarge) || !IsPermanent(err) || !strings.Contains(err.Error(), "78 bytes, over the 77-byte limit") {
		t.Fatalf("Get over the limit: %v", err)
	}
	t.Log(err)
	_, err = s.Get(ctx, "inbound", "missing.csv", n)
	if !errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "ftp get inbound/missing.csv: retr: 550 ") {
		t.Fatalf("Get of a missing file: %v", err)
	}
	t.Log(err)
	for _, name := range []string{"archive", "fifo.csv"} {
		if _, err := s.Get(ctx, "inbound", name, n); err == nil || strings.Contains(err.Error(), "session unusable") {
			t.Fatalf("Get(%s): %v", name, err)
		} else {
			t.Logf("Get(%s): %v", name, err)
		}
	}
	// Refusals leave the session usable.
	if _, err := s.Get(ctx, "inbound", "a-status.csv", n); err != nil {
		t.Fatalf("Get after refusals: %v", err)
	}
}

func TestMoveOnVsftpd(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	in, _ := inboundFixture(t, srv)
	s := dial(t, srv.settings(TLSNone))
	ctx := context.Background()
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(in, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	if err := s.Move(ctx, "inbound", "a-status.csv", "inbound/archive"); err != nil {
		t.Fatalf("Move over an archived file: %v", err)
	}
	if got := read("archive/a-status.csv"); got != "22-32;open\n" {
		t.Fatalf("archived file holds %q", got)
	}
	if _, err := os.Lstat(filepath.Join(in, "a-status.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("source still there: %v", err)
	}
	if err := s.Move(ctx, "/in/inbound", "b-status.csv", "/in"); err != nil {
		t.Fatalf("Move by absolute paths: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(srv.upload, "b-status.csv")); err != nil || !bytes.Equal(b, statusContent) {
		t.Fatalf("moved file: %q, %v", b, err)
	}

	// A missing source is "not exist" and costs the target nothing.
	err := s.Move(ctx, "inbound", "old.csv", "inbound/archive")
	if !errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "ftp move inbound/old.csv to inbound/archive: rename ") {
		t.Fatalf("Move of a missing file: %v", err)
	}
	t.Log(err)
	if got := read("archive/old.csv"); got != "old" {
		t.Fatalf("failed Move touched the target: %q", got)
	}
	// A missing target folder is not "file not found".
	err = s.Move(ctx, "inbound", "ä-status.csv", "inbound/nope")
	if err == nil || errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("Move into a missing folder: %v", err)
	}
	t.Log(err)
	if _, err := os.Stat(filepath.Join(in, "ä-status.csv")); err != nil {
		t.Fatalf("source lost: %v", err)
	}
	if err := s.Move(ctx, "inbound", "ä-status.csv", "inbound/."); err == nil || !IsPermanent(err) {
		t.Fatalf("Move onto itself: %v", err)
	}
}

func TestPutInAnotherFolder(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	in, _ := inboundFixture(t, srv)
	s := dial(t, srv.settings(TLSNone))
	report := []byte("b-status.csv: unknown order 22-99 — übersprungen\n")
	if err := s.PutIn(context.Background(), "inbound/archive", "b-status.csv.txt", report); err != nil {
		t.Fatalf("PutIn: %v", err)
	}
	droptest.AssertOnly(t, filepath.Join(in, "archive"), map[string][]byte{
		"b-status.csv.txt": report, "old.csv": []byte("old"), "a-status.csv": []byte("archived earlier\n"),
	})
	if err := s.PutIn(context.Background(), "inbound/nope", "x.txt", nil); err == nil || !IsPermanent(err) {
		t.Fatalf("PutIn into a missing folder: %v", err)
	}
}

func TestCancelledListBreaksSession(t *testing.T) {
	srv := startVsftpd(t, TLSNone)
	s := dial(t, srv.settings(TLSNone))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("List with a cancelled context: %v", err)
	}
	if _, err := s.Get(context.Background(), "", "x.csv", 10); err == nil || !strings.Contains(err.Error(), "session unusable") {
		t.Fatalf("Get after a cancelled List: %v", err)
	}
	s.Close()
	if _, err := s.List(context.Background(), ""); !errors.Is(err, errClosed) {
		t.Fatalf("List after Close: %v", err)
	}
}

func TestMoveDeletesTargetWhenRenameRefusesOverwrite(t *testing.T) {
	srv := startNoOverwriteServer(t)
	srv.mu.Lock()
	srv.files["inbound/a.csv"] = []byte("new")
	srv.files["archive/a.csv"] = []byte("old")
	srv.files["archive/gone.csv"] = []byte("keep")
	srv.mu.Unlock()
	s := dial(t, srv.settings())
	if err := s.Move(context.Background(), "inbound", "a.csv", "archive"); err != nil {
		t.Fatalf("Move: %v", err)
	}
	// The source is gone: its RNFR fails with a 5xx reply too, and SIZE
	// must keep that from deleting the target.
	err := s.Move(context.Background(), "inbound", "gone.csv", "archive")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Move of a missing file: %v", err)
	}
	srv.mu.Lock()
	got := map[string]string{}
	for k, v := range srv.files {
		got[k] = string(v)
	}
	srv.mu.Unlock()
	if len(got) != 2 || got["archive/a.csv"] != "new" || got["archive/gone.csv"] != "keep" {
		t.Fatalf("server holds %v", got)
	}
	var seq []string
	for _, c := range srv.commands() {
		if verb, _, _ := strings.Cut(c, " "); verb == "RNFR" || verb == "RNTO" || verb == "DELE" || verb == "SIZE" {
			seq = append(seq, c)
		}
	}
	want := "RNFR inbound/a.csv,RNTO archive/a.csv,SIZE inbound/a.csv,DELE archive/a.csv,RNFR inbound/a.csv,RNTO archive/a.csv," +
		"RNFR inbound/gone.csv,SIZE inbound/gone.csv"
	if got := strings.Join(seq, ","); got != want {
		t.Fatalf("commands %s, want %s", got, want)
	}
}

func TestGetLimitWhenSizeLies(t *testing.T) {
	srv := startNoOverwriteServer(t)
	srv.mu.Lock()
	srv.sizeLies = true
	srv.files["big.csv"] = bytes.Repeat([]byte("x"), 4<<20)
	srv.files["small.csv"] = []byte("ok")
	srv.mu.Unlock()
	s := dial(t, srv.settings())
	_, err := s.Get(context.Background(), "", "big.csv", 1000)
	if !errors.Is(err, ErrTooLarge) || !IsPermanent(err) {
		t.Fatalf("Get of a file larger than SIZE said: %v", err)
	}
	t.Log(err)
	// The abandoned transfer's reply was read: the session is in step.
	if got, err := s.Get(context.Background(), "", "small.csv", 1000); err != nil || string(got) != "ok" {
		t.Fatalf("Get after an abandoned transfer = %q, %v", got, err)
	}
}

func TestDownloadRejectsBadNames(t *testing.T) {
	s := &Session{} // names are checked before any network use
	ctx := context.Background()
	for _, name := range []string{"", "a/b", `a\b`, "a\x00b", "..", "../x", "x..y", ".", strings.Repeat("n", 201)} {
		if _, err := s.Get(ctx, "", name, 10); err == nil || !IsPermanent(err) {
			t.Errorf("Get(%q) = %v, want a permanent error", name, err)
		}
		if err := s.Move(ctx, "", name, "archive"); err == nil || !IsPermanent(err) {
			t.Errorf("Move(%q) = %v, want a permanent error", name, err)
		}
		if err := s.PutIn(ctx, "errors", name, nil); err == nil || !IsPermanent(err) {
			t.Errorf("PutIn(%q) = %v, want a permanent error", name, err)
		}
	}
	for _, dir := range []string{"a\x00b", "a\r\nDELE x", "a\nb"} {
		if _, err := s.List(ctx, dir); err == nil || !IsPermanent(err) {
			t.Errorf("List(%q) = %v, want a permanent error", dir, err)
		}
		if _, err := s.Get(ctx, dir, "x.csv", 10); err == nil || !IsPermanent(err) {
			t.Errorf("Get in %q = %v, want a permanent error", dir, err)
		}
		if err := s.Move(ctx, "", "x.csv", dir); err == nil || !IsPermanent(err) {
			t.Errorf("Move to %q = %v, want a permanent error", dir, err)
		}
		if err := s.PutIn(ctx, dir, "x.csv", nil); err == nil || !IsPermanent(err) {
			t.Errorf("PutIn to %q = %v, want a permanent error", dir, err)
		}
	}
	if _, err := s.Get(ctx, "", "x.csv", -1); err == nil || !IsPermanent(err) {
		t.Errorf("Get with a negative limit = %v", err)
	}
}

package client

import (
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

// inboundFixture fills outbound/inbound on the server: two status files,
// the supplier's and our temporary files, a folder, a symbolic link and a
// FIFO. It returns the inbound folder and the files' modification time.
func inboundFixture(t *testing.T, out string) (string, time.Time) {
	t.Helper()
	in := filepath.Join(out, "inbound")
	for _, d := range []string{in, filepath.Join(in, "archive")} {
		if err := os.Mkdir(d, 0o755); err != nil {
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
		if err := os.Chmod(p, 0o644); err != nil {
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

func TestListSkipsTempFilesAndNonRegular(t *testing.T) {
	d := startSSHD(t)
	out := filepath.Join(d.chroot, "outbound")
	_, mtime := inboundFixture(t, out)
	s := dial(t, d.settings())

	files, err := s.List(context.Background(), "inbound")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got, want := names(files), []string{"a-status.csv", "b-status.csv", "ä-status.csv"}; !slices.Equal(got, want) {
		t.Fatalf("List = %q, want %q", got, want)
	}
	if f := files[1]; f.Size != int64(len(statusContent)) || !f.ModTime.Equal(mtime) {
		t.Fatalf("b-status.csv listed as %+v, want %d bytes at %v", f, len(statusContent), mtime)
	}
	// The same folder by absolute path; "" is the configured folder,
	// which holds only the inbound folder.
	if abs, err := s.List(context.Background(), "/outbound/inbound"); err != nil || !slices.Equal(names(abs), names(files)) {
		t.Fatalf("List by absolute path = %v, %v", names(abs), err)
	}
	if top, err := s.List(context.Background(), ""); err != nil || len(top) != 0 {
		t.Fatalf(`List("") = %v, %v; want no files`, names(top), err)
	}
	_, err = s.List(context.Background(), "nope")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "sftp list /outbound/nope: ") {
		t.Fatalf("List of a missing folder: %v", err)
	}
	t.Log(err)
}

func TestGet(t *testing.T) {
	d := startSSHD(t)
	_, _ = inboundFixture(t, filepath.Join(d.chroot, "outbound"))
	s := dial(t, d.settings())
	ctx := context.Background()
	n := int64(len(statusContent))

	got, err := s.Get(ctx, "inbound", "b-status.csv", n)
	if err != nil || string(got) != string(statusContent) {
		t.Fatalf("Get = %q, %v; want %q", got, err, statusContent)
	}
	if got, err := s.Get(ctx, "inbound", "ä-status.csv", 0); err != nil || len(got) != 0 {
		t.Fatalf("Get of an empty file = %q, %v", got, err)
	}
	_, err = s.Get(ctx, "inbound", "b-status.csv", n-1)
	if !errors.Is(err, ErrTooLarge) || !IsPermanent(err) || !strings.Contains(err.Error(), "over the") {
		t.Fatalf("Get over the limit: %v", err)
	}
	t.Log(err)
	_, err = s.Get(ctx, "inbound", "missing.csv", n)
	if !errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "sftp get /outbound/inbound/missing.csv: ") {
		t.Fatalf("Get of a missing file: %v", err)
	}
	t.Log(err)
	// A FIFO would block the server's open until a writer came.
	for _, name := range []string{"archive", "fifo.csv", "link.csv"} {
		if _, err := s.Get(ctx, "inbound", name, n); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("Get(%s): %v", name, err)
		}
	}
	// Refusals leave the session usable.
	if _, err := s.Get(ctx, "/outbound/inbound", "a-status.csv", n); err != nil {
		t.Fatalf("Get after refusals: %v", err)
	}
}

func TestMove(t *testing.T) {
	for _, posix := range []bool{true, false} {
		name := "posix-rename"
		if !posix {
			name = "plain rename" // OpenSSH refuses an existing target: remove+rename
		}
		t.Run(name, func(t *testing.T) {
			d := startSSHD(t)
			out := filepath.Join(d.chroot, "outbound")
			in, _ := inboundFixture(t, out)
			s := dial(t, d.settings())
			s.posixRename = posix
			ctx := context.Background()

			if err := s.Move(ctx, "inbound", "a-status.csv", "inbound/archive"); err != nil {
				t.Fatalf("Move over an archived file: %v", err)
			}
			if got := readFile(t, filepath.Join(in, "archive", "a-status.csv")); got != "22-32;open\n" {
				t.Fatalf("archived file holds %q", got)
			}
			if _, err := os.Lstat(filepath.Join(in, "a-status.csv")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("source still there: %v", err)
			}
			// Absolute folders, and a folder outside the configured one.
			if err := os.Mkdir(filepath.Join(d.chroot, "done"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := s.Move(ctx, "/outbound/inbound", "b-status.csv", "/done"); err != nil {
				t.Fatalf("Move by absolute paths: %v", err)
			}
			if got := readFile(t, filepath.Join(d.chroot, "done", "b-status.csv")); got != string(statusContent) {
				t.Fatalf("moved file holds %q", got)
			}

			// A missing source is "not exist" and costs the target nothing.
			err := s.Move(ctx, "inbound", "old.csv", "inbound/archive")
			if !errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.HasPrefix(err.Error(), "sftp move /outbound/inbound/old.csv to /outbound/inbound/archive: ") {
				t.Fatalf("Move of a missing file: %v", err)
			}
			t.Log(err)
			if got := readFile(t, filepath.Join(in, "archive", "old.csv")); got != "old" {
				t.Fatalf("failed Move touched the target: %q", got)
			}
			// A missing target folder is not "file not found".
			err = s.Move(ctx, "inbound", "ä-status.csv", "inbound/nope")
			if err == nil || errors.Is(err, fs.ErrNotExist) || !IsPermanent(err) || !strings.Contains(err.Error(), "folder /outbound/inbound/nope not found") {
				t.Fatalf("Move into a missing folder: %v", err)
			}
			t.Log(err)
			if _, err := os.Stat(filepath.Join(in, "ä-status.csv")); err != nil {
				t.Fatalf("source lost: %v", err)
			}
			if err := s.Move(ctx, "inbound", "ä-status.csv", "/outbound/inbound/"); err == nil || !IsPermanent(err) {
				t.Fatalf("Move onto itself: %v", err)
			}
			if _, err := os.Stat(filepath.Join(in, "ä-status.csv")); err != nil {
				t.Fatalf("Move onto itself lost the file: %v", err)
			}
		})
	}
}

func TestPutInAnotherFolder(t *testing.T) {
	d := startSSHD(t)
	in, _ := inboundFixture(t, filepath.Join(d.chroot, "outbound"))
	errs := filepath.Join(in, "errors")
	if err := os.Mkdir(errs, 0o755); err != nil {
		t.Fatal(err)
	}
	s := dial(t, d.settings())
	report := []byte("b-status.csv: unknown order 22-99 — übersprungen\n")
	if err := s.PutIn(context.Background(), "inbound/errors", "b-status.csv.txt", report); err != nil {
		t.Fatalf("PutIn: %v", err)
	}
	droptest.AssertOnly(t, errs, map[string][]byte{"b-status.csv.txt": report})
	if err := s.PutIn(context.Background(), "inbound/nope", "x.txt", nil); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("PutIn into a missing folder: %v", err)
	}
}

func TestCancelledListBreaksSession(t *testing.T) {
	d := startSSHD(t)
	s := dial(t, d.settings())
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
	for _, dir := range []string{"a\x00b"} {
		if _, err := s.List(ctx, dir); err == nil || !IsPermanent(err) {
			t.Errorf("List(%q) = %v, want a permanent error", dir, err)
		}
		if _, err := s.Get(ctx, dir, "x.csv", 10); err == nil || !IsPermanent(err) {
			t.Errorf("Get in %q = %v, want a permanent error", dir, err)
		}
		if err := s.Move(ctx, "", "x.csv", dir); err == nil || !IsPermanent(err) {
			t.Errorf("Move to %q = %v, want a permanent error", dir, err)
		}
	}
	if _, err := s.Get(ctx, "", "x.csv", -1); err == nil || !IsPermanent(err) {
		t.Errorf("Get with a negative limit = %v", err)
	}
}

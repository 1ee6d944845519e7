package email

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maildirFiles lists the names in each of the maildir's subdirectories.
func maildirFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, sub := range []string{"tmp", "new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			got[sub] = append(got[sub], e.Name())
		}
	}
	return got
}

func TestMaildirSendReplaces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // created on first send
	md := Maildir{Dir: dir}
	first := buildSimple(t)
	to := []string{"a@moebel.example", "b@moebel.example"}
	if err := md.Send(context.Background(), testFrom, to, first); err != nil {
		t.Fatal(err)
	}
	files := maildirFiles(t, dir)
	if len(files["new"]) != 1 || len(files["tmp"]) != 0 || len(files["cur"]) != 0 {
		t.Fatalf("maildir holds %v, want one file in new/", files)
	}
	name := files["new"][0]
	if !strings.HasPrefix(name, "test.1@supplyhub.example.") || strings.ContainsAny(name, ":/") {
		t.Errorf("file name %q is not derived from the Message-ID", name)
	}
	got, err := os.ReadFile(filepath.Join(dir, "new", name))
	if err != nil {
		t.Fatal(err)
	}
	head := "Return-Path: <" + testFrom + ">\r\nEnvelope-To: a@moebel.example, b@moebel.example\r\n"
	if want := append([]byte(head), first...); !bytes.Equal(got, want) {
		t.Errorf("file holds\n%s\nwant\n%s", got, want)
	}

	// The same message again, changed (say, re-rendered): same file, new bytes.
	second := bytes.Replace(first, []byte("Hello."), []byte("Hallo."), 1)
	if err := md.Send(context.Background(), testFrom, to, second); err != nil {
		t.Fatal(err)
	}
	files = maildirFiles(t, dir)
	if len(files["new"]) != 1 || files["new"][0] != name || len(files["tmp"]) != 0 {
		t.Fatalf("after re-send the maildir holds %v, want only new/%s", files, name)
	}
	got, err = os.ReadFile(filepath.Join(dir, "new", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(got, second) {
		t.Error("re-send did not replace the file's content")
	}

	// A different message gets a file of its own.
	other := bytes.Replace(first, []byte("<test.1@"), []byte("<test.2@"), 1)
	if err := md.Send(context.Background(), testFrom, to, other); err != nil {
		t.Fatal(err)
	}
	if files = maildirFiles(t, dir); len(files["new"]) != 2 {
		t.Errorf("maildir holds %v, want two files in new/", files)
	}
}

func TestMaildirErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name          string
		dir           string
		ctx           context.Context
		from          string
		msg           []byte
		wantPermanent bool
	}{
		{"no Message-ID", t.TempDir(), context.Background(), testFrom, []byte("Subject: x\r\n\r\nbody\r\n"), true},
		{"no directory", "", context.Background(), testFrom, buildSimple(t), true},
		{"header injection", t.TempDir(), context.Background(), "a@b>\r\nBcc: x@y", buildSimple(t), true},
		{"cancelled", t.TempDir(), cancelled, testFrom, buildSimple(t), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Maildir{Dir: tt.dir}.Send(tt.ctx, tt.from, []string{"a@moebel.example"}, tt.msg)
			if err == nil {
				t.Fatal("send succeeded")
			}
			if IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, !tt.wantPermanent, tt.wantPermanent)
			}
		})
	}
}

func TestMaildirName(t *testing.T) {
	name := func(id string) string {
		t.Helper()
		n, err := maildirName([]byte("Message-ID: " + id + "\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b := name("<x/y:z@h>"), name("<x_y_z@h>")
	if a == b {
		t.Error("ids differing only in unsafe characters share a file name")
	}
	for _, n := range []string{a, b, name("<...hidden@h>")} {
		if strings.ContainsAny(n, "/:") || strings.HasPrefix(n, ".") {
			t.Errorf("unsafe file name %q", n)
		}
	}
	if name("<order.created.22-31@supplyhub.example>") != name("<order.created.22-31@supplyhub.example>") {
		t.Error("file name is not deterministic")
	}
}

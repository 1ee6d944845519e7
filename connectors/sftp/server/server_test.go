package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	if _, _, err := e.dial("31", ssh.Password(passA)); err != nil {
		t.Fatalf("password login: %v", err)
	}
	if _, _, err := e.dial("31", ssh.PublicKeys(e.keyA)); err != nil {
		t.Fatalf("key login: %v", err)
	}
	other, _ := newClientKey(t)
	cases := []struct {
		name string
		user string
		auth ssh.AuthMethod
	}{
		{"wrong password", "31", ssh.Password("not-the-password")},
		{"other supplier's password", "31", ssh.Password(passB)},
		{"unknown user", "nobody", ssh.Password(passA)},
		{"unknown key", "31", ssh.PublicKeys(other)},
		{"A's key for B", "40", ssh.PublicKeys(e.keyA)},
	}
	for _, c := range cases {
		if _, _, err := e.dial(c.user, c.auth); err == nil {
			t.Errorf("%s: login succeeded", c.name)
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `msg="sftp login failed" user=31`) || !strings.Contains(logs, "reason=\"wrong password\"") {
		t.Errorf("failed login not logged:\n%s", logs)
	}
	if !strings.Contains(logs, "remote=127.0.0.1:") {
		t.Error("failed login logged without the remote address")
	}
	for _, p := range []string{"not-the-password", passB} {
		if strings.Contains(logs, p) {
			t.Errorf("a password (%q) is in the logs", p)
		}
	}
}

func TestRoundTripAndRename(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, nil)
		c := e.clientA()
		csv := []byte("number,status\n22-31,shipped\n")

		// Temp-then-rename into /inbound, the way uploaders should.
		put(t, c, "/inbound/status-1.csv.tmp", csv)
		if got := e.hooks.take(); len(got) != 0 {
			t.Fatalf("temp upload fired hooks: %v", got)
		}
		if err := c.PosixRename("/inbound/status-1.csv.tmp", "/inbound/status-1.csv"); err != nil {
			t.Fatal(err)
		}
		if got := download(t, c, "/inbound/status-1.csv"); !bytes.Equal(got, csv) {
			t.Fatalf("downloaded %q", got)
		}
		if got := e.hooks.take(); !slices.Equal(got, []string{"inbound 1 status-1.csv"}) {
			t.Fatalf("hooks %v", got)
		}
		if _, err := c.Stat("/inbound/status-1.csv.tmp"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("temp name still there: %v", err)
		}

		// Plain (v3) rename refuses to replace; posix-rename replaces.
		put(t, c, "/inbound/status-2.csv.part", []byte("new"))
		err := c.Rename("/inbound/status-2.csv.part", "/inbound/status-1.csv")
		if !failedWith(err, "already exists") {
			t.Fatalf("v3 rename onto existing: %v", err)
		}
		if err := c.PosixRename("/inbound/status-2.csv.part", "/inbound/status-1.csv"); err != nil {
			t.Fatal(err)
		}
		if got := download(t, c, "/inbound/status-1.csv"); string(got) != "new" {
			t.Fatalf("after overwrite %q", got)
		}

		// Clients that preserve times and modes must not fail.
		if err := c.Chtimes("/inbound/status-1.csv", time.Now(), time.Now().Add(-time.Hour)); err != nil {
			t.Fatalf("chtimes: %v", err)
		}
		if err := c.Chmod("/inbound/status-1.csv", 0o600); err != nil {
			t.Fatalf("chmod: %v", err)
		}

		// Listing, stat of folders, and the root.
		root, err := c.ReadDir("/")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, fi := range root {
			if !fi.IsDir() {
				t.Errorf("%s is not a folder", fi.Name())
			}
			names = append(names, fi.Name())
		}
		if !slices.Equal(names, []string{"archive", "inbound", "outbound"}) {
			t.Fatalf("root %v", names)
		}
		fi, err := c.Stat("/inbound")
		if err != nil || !fi.IsDir() {
			t.Fatalf("stat /inbound: %v %v", fi, err)
		}
		list, err := c.ReadDir("/inbound")
		if err != nil || len(list) != 2 || !list[0].IsDir() || list[0].Name() != "catalog" ||
			list[1].Name() != "status-1.csv" || list[1].Size() != 3 {
			t.Fatalf("list /inbound (the catalog folder, then the file): %v %v", list, err)
		}
		if wd, err := c.RealPath("/inbound/../.."); err != nil || wd != "/" {
			t.Fatalf("realpath: %q %v", wd, err)
		}

		// Remove, and an open for writing without TRUNC keeps content.
		if err := c.Remove("/inbound/status-1.csv"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Stat("/inbound/status-1.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("after remove: %v", err)
		}
		put(t, c, "/archive/resume.bin", []byte("0123456789"))
		f, err := c.OpenFile("/archive/resume.bin", os.O_WRONLY)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte("AB"), 10); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got := download(t, c, "/archive/resume.bin"); string(got) != "0123456789AB" {
			t.Fatalf("resumed upload %q", got)
		}
	})
}

func TestOutboundPickupFiresOnRetrieved(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, nil)
		e.putOutbound(e.a, "22-31.csv", "order 22-31\n")
		e.putOutbound(e.a, "23-31.csv", "order 23-31\n")
		e.putOutbound(e.a, "22-31.csv", "order 22-31 v2\n") // atomic replace
		c := e.clientA()

		if got := download(t, c, "/outbound/22-31.csv"); string(got) != "order 22-31 v2\n" {
			t.Fatalf("downloaded %q", got)
		}
		// Downloading is not retrieving: the supplier confirms by moving
		// or deleting.
		if got := e.hooks.take(); len(got) != 0 {
			t.Fatalf("download fired %v", got)
		}
		if err := c.Remove("/outbound/22-31.csv"); err != nil {
			t.Fatal(err)
		}
		if err := c.PosixRename("/outbound/23-31.csv", "/archive/23-31.csv"); err != nil {
			t.Fatal(err)
		}
		want := []string{"retrieved 1 22-31.csv", "retrieved 1 23-31.csv"}
		if got := e.hooks.take(); !slices.Equal(got, want) {
			t.Fatalf("hooks %v, want %v", got, want)
		}
		// /outbound is the server's: no uploads or renames into it.
		if _, err := c.Create("/outbound/fake.csv"); !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("upload into /outbound: %v", err)
		}
		if err := c.PosixRename("/archive/23-31.csv", "/outbound/23-31.csv"); !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("rename into /outbound: %v", err)
		}
		if err := c.Remove("/outbound/22-31.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("second remove: %v", err)
		}
		if got := e.hooks.take(); len(got) != 0 {
			t.Fatalf("failed operations fired %v", got)
		}
	})
}

func TestUploadToInboundFiresOnInbound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	c := e.clientA()
	put(t, c, "/inbound/22-31.status.csv", []byte("x"))
	put(t, c, "/archive/kept.csv", []byte("x"))
	put(t, c, "/inbound/.hidden-upload", []byte("x"))
	if err := c.PosixRename("/archive/kept.csv", "/inbound/kept.csv"); err != nil {
		t.Fatal(err)
	}
	want := []string{"inbound 1 22-31.status.csv", "inbound 1 kept.csv"}
	if got := e.hooks.take(); !slices.Equal(got, want) {
		t.Fatalf("hooks %v, want %v", got, want)
	}
}

// TestCatalogFolder: /inbound/catalog is a fixed folder of its own:
// uploads there fire OnCatalog (not OnInbound), stay out of /inbound's
// files, and it has no sub-folders.
func TestCatalogFolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	c := e.clientA()
	put(t, c, "/inbound/catalog/stock.csv.tmp", []byte("x"))
	if err := c.PosixRename("/inbound/catalog/stock.csv.tmp", "/inbound/catalog/stock.csv"); err != nil {
		t.Fatal(err)
	}
	put(t, c, "/inbound/status.csv", []byte("y"))
	want := []string{"catalog 1 stock.csv", "inbound 1 status.csv"}
	if got := e.hooks.take(); !slices.Equal(got, want) {
		t.Fatalf("hooks %v, want %v", got, want)
	}
	if fi, err := c.Stat("/inbound/catalog"); err != nil || !fi.IsDir() || fi.Name() != "catalog" {
		t.Fatalf("stat: %v %v", fi, err)
	}
	list, err := c.ReadDir("/inbound/catalog")
	if err != nil || len(list) != 1 || list[0].Name() != "stock.csv" {
		t.Fatalf("list: %v %v", list, err)
	}
	if got := download(t, c, "/inbound/catalog/../catalog/stock.csv"); string(got) != "x" {
		t.Errorf("download %q", got)
	}
	if _, err := c.Create("/inbound/catalog/sub/x.csv"); err == nil {
		t.Error("a sub-folder of /inbound/catalog was writable")
	}
	if err := c.Mkdir("/inbound/catalog/sub"); err == nil {
		t.Error("mkdir under /inbound/catalog succeeded")
	}
	if err := c.Remove("/inbound/catalog"); err == nil {
		t.Error("the catalog folder was removed")
	}
	// Another supplier sees its own, empty, catalog folder.
	if list, err := e.clientB().ReadDir("/inbound/catalog"); err != nil || len(list) != 0 {
		t.Errorf("supplier B sees %v %v", list, err)
	}
}

func TestJail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	e.putOutbound(e.b, "22-40.csv", "B's order")
	e.putOutbound(e.a, "22-31.csv", "A's order")
	c := e.clientA()

	for _, p := range []string{
		"/../../../../etc/passwd",
		"../../etc/passwd",
		"/outbound/../../etc/passwd",
		"//etc//passwd",
		"/etc/passwd",
		"/outbound/sub/22-31.csv",
	} {
		if _, err := c.Open(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("open %s: %v, want not exist", p, err)
		}
	}
	// Cleaning keeps a path inside the tree: these resolve to A's file.
	for _, p := range []string{"/outbound/../outbound/22-31.csv", "//outbound//22-31.csv", "/../outbound/./22-31.csv"} {
		if got := download(t, c, p); string(got) != "A's order" {
			t.Errorf("%s: %q", p, got)
		}
	}
	for _, p := range []string{`..\..\etc\passwd`, `/inbound/..\..\x.csv`, `\outbound\22-31.csv`} {
		if _, err := c.Open(p); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("open %s: %v, want permission denied", p, err)
		}
		if _, err := c.Create(p); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("create %s: %v, want permission denied", p, err)
		}
	}
	for _, p := range []string{"/x.csv", "/inbound/../../x.csv", "/inbound/sub/x.csv"} {
		if _, err := c.Create(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("create %s: %v, want not exist", p, err)
		}
	}
	if _, err := c.Create("/inbound/../outbound/x.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("create via .. into /outbound: %v", err)
	}
	if err := c.Symlink("/outbound/22-31.csv", "/inbound/link"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("symlink: %v", err)
	}
	if err := c.Symlink("/etc/passwd", "/inbound/passwd"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("symlink out: %v", err)
	}
	if err := c.Link("/outbound/22-31.csv", "/inbound/hard"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("link: %v", err)
	}
	if _, err := c.ReadLink("/outbound/22-31.csv"); err == nil {
		t.Error("readlink succeeded")
	}
	if err := c.Mkdir("/inbound/sub"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("mkdir: %v", err)
	}
	if err := c.RemoveDirectory("/inbound"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("rmdir: %v", err)
	}
	if err := c.PosixRename("/inbound", "/archive/inbound"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("rename folder: %v", err)
	}

	// A never sees B's files, whatever the path says.
	list, err := c.ReadDir("/outbound")
	if err != nil || len(list) != 1 || list[0].Name() != "22-31.csv" {
		t.Fatalf("A lists %v %v", list, err)
	}
	if _, err := c.Stat("/outbound/22-40.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("A stats B's file: %v", err)
	}
	if err := c.Remove("/outbound/22-40.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("A removes B's file: %v", err)
	}
	if err := c.PosixRename("/outbound/22-40.csv", "/archive/stolen.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("A moves B's file: %v", err)
	}
	b := e.clientB()
	if got := download(t, b, "/outbound/22-40.csv"); string(got) != "B's order" {
		t.Fatalf("B's file changed: %q", got)
	}
	if _, err := b.Stat("/outbound/22-31.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("B stats A's file: %v", err)
	}
	if got := e.hooks.take(); len(got) != 0 {
		t.Errorf("refused operations fired %v", got)
	}
}

func TestLargeFileRoundTrip(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, nil)
		c := e.clientA()
		data := make([]byte, 20<<20+333)
		r := rand.New(rand.NewPCG(7, 8))
		for i := 0; i+8 <= len(data); i += 8 {
			v := r.Uint64()
			for j := range 8 {
				data[i+j] = byte(v >> (8 * j))
			}
		}
		f, err := c.Create("/archive/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		fi, err := c.Stat("/archive/big.bin")
		if err != nil || fi.Size() != int64(len(data)) {
			t.Fatalf("stat: %v %v", fi, err)
		}
		rf, err := c.Open("/archive/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := rf.WriteTo(&got); err != nil {
			t.Fatal(err)
		}
		rf.Close()
		if !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("20 MB file differs after round trip (got %d bytes)", got.Len())
		}
		// Random reads across chunk boundaries.
		rf, err = c.Open("/archive/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer rf.Close()
		for _, off := range []int64{0, 1<<20 - 5, 3<<20 + 17, int64(len(data)) - 10} {
			buf := make([]byte, 100)
			n, err := rf.ReadAt(buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read at %d: %v", off, err)
			}
			if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				t.Fatalf("read at %d differs", off)
			}
		}
	})
}

// TestReplicasShareFiles runs two servers, as two replicas behind a load
// balancer would, each with its own database pool on the same database
// and the same host key: whatever one serves, the other serves too.
func TestReplicasShareFiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, nil)
		st2 := storetest.OpenURL(t, e.url)
		srv2, addr2, cancel, done := startServer(t, e.cfg, NewStoreAccounts(st2), NewDBStorage(st2))
		t.Cleanup(func() { cancel(); <-done })
		if !bytes.Equal(srv2.HostKey().Marshal(), e.srv.HostKey().Marshal()) {
			t.Fatal("replicas sharing a host key path have different keys")
		}
		e.putOutbound(e.a, "22-31.csv", "order")
		e2 := *e
		e2.srv, e2.addr = srv2, addr2
		c2 := e2.clientA()
		if got := download(t, c2, "/outbound/22-31.csv"); string(got) != "order" {
			t.Fatalf("replica 2 serves %q", got)
		}
		put(t, c2, "/inbound/status.csv", []byte("shipped"))
		if got := download(t, e.clientA(), "/inbound/status.csv"); string(got) != "shipped" {
			t.Fatalf("replica 1 serves %q", got)
		}
		if err := c2.Remove("/outbound/22-31.csv"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.clientA().Stat("/outbound/22-31.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("removed on replica 2, still on replica 1: %v", err)
		}
	})
}

func TestMaxFileSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", func(c *Config) { c.MaxFileSize = 1 << 20 })
	c := e.clientA()
	f, err := c.Create("/inbound/too-big.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(make([]byte, 1<<20+1))
	cerr := f.Close()
	if !failedWith(werr, "larger than the 1 MiB limit") && !failedWith(cerr, "larger than the 1 MiB limit") {
		t.Fatalf("oversized upload: write %v, close %v", werr, cerr)
	}
	if _, err := c.Stat("/inbound/too-big.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("oversized upload stored: %v", err)
	}
	if got := e.hooks.take(); len(got) != 0 {
		t.Fatalf("oversized upload fired %v", got)
	}
	put(t, c, "/inbound/just-fits.csv", make([]byte, 1<<20))
}

func TestHalfWrittenUploadNeverVisible(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, func(c *Config) { c.MemUploadSize = 1024 })
		writer, conn, err := e.dial("31", ssh.Password(passA))
		if err != nil {
			t.Fatal(err)
		}
		reader := e.clientA()
		f, err := writer.Create("/inbound/partial.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(bytes.Repeat([]byte("x"), 100<<10)); err != nil {
			t.Fatal(err)
		}
		// The writer sees its own open upload; nobody else does.
		if fi, err := writer.Stat("/inbound/partial.csv"); err != nil || fi.Size() != 100<<10 {
			t.Fatalf("writer's stat: %v %v", fi, err)
		}
		if _, err := reader.Stat("/inbound/partial.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("open upload visible to another session: %v", err)
		}
		// The client dies before closing: the upload is dropped.
		conn.Close()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(e.logs.String(), "upload discarded"); {
			if time.Now().After(deadline) {
				t.Fatal("the server did not discard the upload of a dead connection")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := reader.Stat("/inbound/partial.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("upload of a dead connection committed: %v", err)
		}
		if got := e.hooks.take(); len(got) != 0 {
			t.Fatalf("dropped upload fired %v", got)
		}
	})
}

func TestShutdownEndsSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	c := e.clientA()
	f, err := c.Create("/inbound/during-shutdown.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	e.stop()
	if _, err := c.ReadDir("/"); err == nil {
		t.Fatal("session still works after shutdown")
	}
	if _, err := e.storage.Stat(context.Background(), e.a, FolderInbound, "during-shutdown.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("upload cut by shutdown was committed: %v", err)
	}
}

func TestMaxSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", func(c *Config) { c.MaxSessions = 1 })
	_, conn, err := e.dial("31", ssh.Password(passA))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.dial("31", ssh.Password(passA)); err == nil {
		t.Fatal("second session accepted with MaxSessions 1")
	}
	if !strings.Contains(e.logs.String(), "too many sessions") {
		t.Error("refusal not logged")
	}
	conn.Close()
	// The slot is free again once the first connection has ended.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, err := e.dial("31", ssh.Password(passA))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session after the first closed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", func(c *Config) { c.IdleTimeout = time.Second })
	c := e.clientA()
	// Traffic keeps the session alive past the timeout...
	for range 5 {
		if _, err := c.ReadDir("/"); err != nil {
			t.Fatalf("active session closed: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// ...silence ends it.
	time.Sleep(2500 * time.Millisecond)
	if _, err := c.ReadDir("/"); err == nil {
		t.Fatal("idle session still open")
	}
}

func TestOnlySFTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	cfg := &ssh.ClientConfig{User: "31", Auth: []ssh.AuthMethod{ssh.Password(passA)}, HostKeyCallback: ssh.FixedHostKey(e.srv.HostKey())}
	conn, err := ssh.Dial("tcp", e.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if out, err := sess.CombinedOutput("cat /etc/passwd"); err == nil {
		t.Fatalf("exec allowed: %q", out)
	}
	if _, _, err := conn.OpenChannel("direct-tcpip", nil); err == nil {
		t.Fatal("port forwarding allowed")
	}
}

func TestHostKeyPersisted(t *testing.T) {
	t.Parallel()
	p := t.TempDir() + "/sub/host_key"
	k1, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Fatal("host key changed on restart")
	}
	if k1.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", k1.PublicKey().Type())
	}
	if err := os.WriteFile(p, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateHostKey(p); err == nil {
		t.Fatal("a corrupt host key was replaced silently")
	}
}

func TestPutOutboundRejectsBadNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "mem", nil)
	for _, name := range []string{"", ".", "..", "../x.csv", "a/b.csv", `a\b.csv`, "a\x00.csv", "a\n.csv", strings.Repeat("x", 256)} {
		if err := e.srv.PutOutbound(context.Background(), e.a, name, []byte("x")); err == nil {
			t.Errorf("PutOutbound(%q) accepted", name)
		}
	}
}

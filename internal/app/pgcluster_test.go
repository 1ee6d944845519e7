package app_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// pgBin is where Debian's PostgreSQL 15 server binaries live.
const pgBin = "/usr/lib/postgresql/15/bin"

// pgCluster is a private PostgreSQL server the test may stop and start
// (the shared one must never be restarted).
type pgCluster struct {
	dir, data, port string
	asPostgres      bool // run the binaries as the postgres OS user (root cannot)
}

// startPGCluster runs initdb into a fresh folder and starts the server on
// a free loopback port, with fsync off (a test cluster); it is stopped and
// removed when the test ends.
func startPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		t.Skipf("PostgreSQL server binaries not installed in %s (apt-get install postgresql-15): %v", pgBin, err)
	}
	c := &pgCluster{asPostgres: os.Geteuid() == 0}
	// Not t.TempDir: its parent folders are private to root, and the
	// server runs as postgres.
	dir, err := os.MkdirTemp("", "supplyhub-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and no postgres OS user to run initdb as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	c.run(t, "initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	c.start(t)
	t.Cleanup(func() { _ = c.ctl("stop", "-m", "immediate") })
	return c
}

// URL is the connection string of the cluster's postgres database.
func (c *pgCluster) URL() string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/postgres?sslmode=disable"
}

func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	if err := c.ctl("start", "-w", "-t", "30", "-l", filepath.Join(c.dir, "log"),
		"-o", "-p "+c.port+" -c listen_addresses=127.0.0.1 -c unix_socket_directories="+c.dir+" -c fsync=off -c max_connections=40"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

// stop stops the server as a crash would (-m immediate: no checkpoint,
// connections cut).
func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	if err := c.ctl("stop", "-w", "-m", "immediate"); err != nil {
		t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (c *pgCluster) ctl(args ...string) error {
	out, err := c.command("pg_ctl", append([]string{"-D", c.data}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func (c *pgCluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(pgBin, name)
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

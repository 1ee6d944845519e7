package server

import (
	"net"
	"testing"
	"time"
)

func TestAddrKey(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"192.0.2.7:40000", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:40000", "192.0.2.7/32"},
		{"[2001:db8:1:2:aaaa::1]:22", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:22", "2001:db8:1:2::/64"},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := addrKey(a).String(); got != c.want {
			t.Errorf("addrKey(%s) = %s, want %s", c.addr, got, c.want)
		}
	}
}

// TestGuardFailureWindow: failures older than a minute do not count, a
// block lasts exactly the ban, and the sweep forgets quiet addresses.
func TestGuardFailureWindow(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := newGuard(10, 10, 3, 5*time.Minute)
	g.now = func() time.Time { return now }
	a, _ := net.ResolveTCPAddr("tcp", "192.0.2.7:1")
	k := addrKey(a)
	g.fail(k)
	g.fail(k)
	now = now.Add(61 * time.Second) // the first two expire
	if g.fail(k) || g.blocked(k) {
		t.Fatal("blocked on failures spread over more than a minute")
	}
	g.fail(k)
	if !g.fail(k) || !g.blocked(k) {
		t.Fatal("three failures within a minute did not block")
	}
	if why := g.admit(k); why != "address blocked after failed logins" {
		t.Fatalf("admit while blocked: %q", why)
	}
	now = now.Add(5*time.Minute - time.Second)
	if !g.blocked(k) {
		t.Fatal("block ended early")
	}
	now = now.Add(time.Second)
	if g.blocked(k) {
		t.Fatal("block outlived the ban")
	}
	if why := g.admit(k); why != "" {
		t.Fatalf("admit after the ban: %q", why)
	}
	g.release(k)
	now = now.Add(2 * time.Minute)
	b, _ := net.ResolveTCPAddr("tcp", "192.0.2.8:1")
	g.fail(addrKey(b)) // runs the sweep
	if _, ok := g.failures[k]; ok || len(g.perIP) != 0 || g.unauth != 0 {
		t.Errorf("state not cleaned up: failures %v, perIP %v, unauth %d", g.failures, g.perIP, g.unauth)
	}
}

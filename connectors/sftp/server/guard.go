package server

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// failureWindow is the span over which Config.LoginFailures are counted.
const failureWindow = time.Minute

// guard protects the server from clients that never log in: it caps
// connections still in their handshake, overall and per address, and
// refuses addresses that failed to log in too often. Its state lives in
// memory, so each replica counts on its own.
type guard struct {
	maxUnauth, maxUnauthPerIP int
	maxFailures               int
	ban                       time.Duration
	now                       func() time.Time

	mu        sync.Mutex
	unauth    int
	perIP     map[netip.Prefix]int
	failures  map[netip.Prefix]*failures
	lastSweep time.Time
}

// failures is one address's recent failed logins.
type failures struct {
	times       []time.Time // within failureWindow, oldest first
	bannedUntil time.Time
}

func newGuard(maxUnauth, maxUnauthPerIP, maxFailures int, ban time.Duration) *guard {
	return &guard{
		maxUnauth: maxUnauth, maxUnauthPerIP: maxUnauthPerIP, maxFailures: maxFailures, ban: ban,
		now:      time.Now,
		perIP:    map[netip.Prefix]int{},
		failures: map[netip.Prefix]*failures{},
	}
}

// addrKey is what limits are counted by: the IPv4 address, or the /64 of
// an IPv6 address (one host usually owns a whole /64).
func addrKey(a net.Addr) netip.Prefix {
	var ip netip.Addr
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ = netip.AddrFromSlice(ta.IP)
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr()
	}
	ip = ip.Unmap()
	bits := ip.BitLen()
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// admit takes an unauthenticated slot for a new connection from key. It
// returns why not ("" when admitted); an admitted connection must call
// release exactly once.
func (g *guard) admit(key netip.Prefix) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if f := g.failures[key]; f != nil && now.Before(f.bannedUntil) {
		return "address blocked after failed logins"
	}
	if g.unauth >= g.maxUnauth {
		return "too many unauthenticated connections"
	}
	if g.perIP[key] >= g.maxUnauthPerIP {
		return "too many unauthenticated connections from this address"
	}
	g.unauth++
	g.perIP[key]++
	return ""
}

// release gives back the slot taken by admit.
func (g *guard) release(key netip.Prefix) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.unauth--
	if g.perIP[key]--; g.perIP[key] <= 0 {
		delete(g.perIP, key)
	}
}

// blocked reports whether key is refused for failed logins now; a login
// attempt on a connection opened before the block is refused too.
func (g *guard) blocked(key netip.Prefix) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.failures[key]
	return f != nil && g.now().Before(f.bannedUntil)
}

// fail records a failed login from key and reports whether it started a
// block.
func (g *guard) fail(key netip.Prefix) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.sweep(now)
	f := g.failures[key]
	if f == nil {
		f = &failures{}
		g.failures[key] = f
	}
	f.times = append(pruneBefore(f.times, now.Add(-failureWindow)), now)
	if len(f.times) >= g.maxFailures && !now.Before(f.bannedUntil) {
		f.bannedUntil = now.Add(g.ban)
		f.times = nil
		return true
	}
	return false
}

// sweep forgets addresses with no recent failure and no block, at most
// once per window, so the map stays the size of the current attack.
func (g *guard) sweep(now time.Time) {
	if now.Sub(g.lastSweep) < failureWindow {
		return
	}
	g.lastSweep = now
	for k, f := range g.failures {
		f.times = pruneBefore(f.times, now.Add(-failureWindow))
		if len(f.times) == 0 && !now.Before(f.bannedUntil) {
			delete(g.failures, k)
		}
	}
}

func pruneBefore(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	return ts[i:]
}

package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
)

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// TestGuardRefusesEveryRange checks the first and last address of every
// refused block, its IPv4-mapped form, and that allow_private (NewGuard)
// still admits a listed block.
func TestGuardRefusesEveryRange(t *testing.T) {
	ranges := []string{
		// netip predicates
		"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
		"224.0.0.0/4", "0.0.0.0/32", "::1/128", "::/128", "fc00::/7", "fe80::/10", "ff00::/8",
		// the reserved table
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:2::/48", "2001:db8::/32", "2002::/16",
		"3fff::/20", "fec0::/10",
	}
	open := Guard{}
	for _, s := range ranges {
		p := netip.MustParsePrefix(s)
		for _, a := range []netip.Addr{p.Masked().Addr(), lastAddr(p)} {
			if err := open.Check(a); !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("%s (in %s) admitted: %v", a, s, err)
			}
			if a.Is4() {
				mapped := netip.AddrFrom16(a.As16())
				if err := open.Check(mapped); !errors.Is(err, ErrForbiddenAddress) {
					t.Errorf("%s (mapped, in %s) admitted: %v", mapped, s, err)
				}
			}
			if err := NewGuard([]netip.Prefix{p}).Check(a); err != nil {
				t.Errorf("%s refused although %s is allow-listed: %v", a, s, err)
			}
		}
	}
	// Every block of the reserved table is in the list above (and so in
	// docs/delivery.md, which lists the same blocks).
	listed := map[string]bool{}
	for _, s := range ranges {
		listed[s] = true
	}
	for _, p := range ReservedRanges() {
		if !listed[p.String()] {
			t.Errorf("reserved range %s is not covered by this test", p)
		}
	}
}

// TestGuardAdmitsNeighbours checks the blocks' edges: the public addresses
// next to them, and NAT64 of a public address.
func TestGuardAdmitsNeighbours(t *testing.T) {
	open := Guard{}
	for _, s := range []string{
		"1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "192.0.1.0", "192.0.3.0", "198.17.255.255",
		"198.20.0.0", "203.0.114.1", "223.255.255.255",
		"2001:4860:4860::8888", "2003::1", "2001:db9::1", "2606:4700::1111", "64:ff9b::808:808",
	} {
		if err := open.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
	for _, s := range []string{"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c612:1"} {
		if err := open.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("NAT64 %s admitted: %v", s, err)
		}
	}
}

// TestSendRedirectToPrivateNotFollowed: a receiver that answers with a
// redirect to an internal address gets no second request; the redirect is
// a failed attempt, whatever its target.
func TestSendRedirectToPrivateNotFollowed(t *testing.T) {
	var internal atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/internal", func(w http.ResponseWriter, _ *http.Request) { internal.Add(1) })
	srv, _ := newServer(t, mux.ServeHTTP)
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusTemporaryRedirect)
	})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := newTestClient(t, Options{}) // loopback allowed, so only the redirect rule stops the second hop
	for _, to := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://localhost:" + port + "/internal",
		"http://[::ffff:127.0.0.1]:" + port + "/internal",
	} {
		res := c.Send(context.Background(), Endpoint{URL: srv.URL + "/hook?to=" + url.QueryEscape(to), Secrets: []string{NewSecret()}}, testMessage(t))
		if res.Outcome != OutcomeFailed || res.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("redirect to %s: %+v", to, res)
		}
	}
	if n := internal.Load(); n != 0 {
		t.Fatalf("redirect followed %d times", n)
	}
}

package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"syscall"
)

// URL and address errors.
var (
	ErrInvalidURL       = errors.New("invalid webhook URL")
	ErrForbiddenAddress = errors.New("forbidden webhook address")
)

// Guard decides which IP addresses a webhook may reach. The zero value
// refuses every internal range and allows nothing extra.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a Guard that also admits addresses inside allow.
func NewGuard(allow []netip.Prefix) Guard {
	g := Guard{allow: make([]netip.Prefix, 0, len(allow))}
	for _, p := range allow {
		if !p.IsValid() {
			continue
		}
		// Addresses are unmapped before matching, so a prefix written as
		// ::ffff:10.0.0.0/104 must be unmapped too or it would never match.
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		g.allow = append(g.allow, p.Masked())
	}
	return g
}

// Check returns an error wrapping ErrForbiddenAddress if addr is internal
// and not allow-listed.
func (g Guard) Check(addr netip.Addr) error {
	a := addr.WithZone("").Unmap()
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	if reason := forbidden(a); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, addr, reason)
	}
	return nil
}

// Control is a net.Dialer Control function: it runs after DNS resolution,
// on the very address about to be dialled, so a name that re-resolves to an
// internal address between validation and dial (DNS rebinding) is refused.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: anything we cannot parse is not dialled.
		return fmt.Errorf("guard %s %s: %w: %w", network, address, ErrForbiddenAddress, err)
	}
	if err := g.Check(ap.Addr()); err != nil {
		return fmt.Errorf("guard %s: %w", network, err)
	}
	return nil
}

// ValidateURL checks at configuration time that raw is an http(s) URL with a
// host and, if the host is a literal IP, that g admits it. Host names are
// only checked when dialled, since what they resolve to can change.
func ValidateURL(raw string, g Guard) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, which may carry a token: keep only
		// the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("validate URL: %w: %w", ErrInvalidURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("validate URL: %w: scheme %q, want http or https", ErrInvalidURL, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("validate URL: %w: no host", ErrInvalidURL)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if err := g.Check(addr); err != nil {
			return fmt.Errorf("validate URL: %w", err)
		}
	}
	return nil
}

// reservedRange is a special-purpose block a webhook must not reach.
type reservedRange struct {
	prefix netip.Prefix
	name   string
}

// ReservedRanges lists the blocks the guard refuses beyond what netip's
// predicates cover (loopback, private, link-local, multicast, unspecified),
// so docs and tests can name every one. It builds a fresh slice on each
// call: there is no package-level table to guard.
func ReservedRanges() []netip.Prefix {
	rs := reservedRanges()
	out := make([]netip.Prefix, len(rs))
	for i, r := range rs {
		out[i] = r.prefix
	}
	return out
}

func reservedRanges() []reservedRange {
	r := func(p, name string) reservedRange { return reservedRange{netip.MustParsePrefix(p), name} }
	return []reservedRange{
		// 0.0.0.0/8: Linux delivers 0.x.y.z to the local host.
		r("0.0.0.0/8", "this-network (0.0.0.0/8)"),
		r("100.64.0.0/10", "carrier-grade NAT (100.64.0.0/10)"),
		r("192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"),
		r("192.0.2.0/24", "documentation (192.0.2.0/24)"),
		r("192.88.99.0/24", "6to4 relay anycast (192.88.99.0/24)"),
		r("198.18.0.0/15", "benchmarking (198.18.0.0/15)"),
		r("198.51.100.0/24", "documentation (198.51.100.0/24)"),
		r("203.0.113.0/24", "documentation (203.0.113.0/24)"),
		r("240.0.0.0/4", "reserved or broadcast (240.0.0.0/4)"),
		// ::/96 is the deprecated IPv4-compatible form (::1 and :: are
		// caught before); nothing legitimate lives there.
		r("::/96", "IPv4-compatible IPv6 (::/96)"),
		r("64:ff9b:1::/48", "local-use NAT64 (64:ff9b:1::/48)"),
		r("100::/64", "discard-only (100::/64)"),
		// 6to4 and Teredo embed an IPv4 address (possibly an internal
		// one) that a relay would reach on our behalf.
		r("2001::/32", "Teredo (2001::/32)"),
		r("2001:2::/48", "benchmarking (2001:2::/48)"),
		r("2001:db8::/32", "documentation (2001:db8::/32)"),
		r("2002::/16", "6to4 (2002::/16)"),
		r("3fff::/20", "documentation (3fff::/20)"),
		r("fec0::/10", "site-local (fec0::/10, deprecated)"),
	}
}

// forbidden names the internal range a (already unmapped, zone-less) falls
// in, or returns "".
func forbidden(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local (includes cloud metadata 169.254.169.254)"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, r := range reservedRanges() {
		if r.prefix.Contains(a) {
			return r.name
		}
	}
	if a.Is6() {
		b := a.As16()
		if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]) {
			// 64:ff9b::/96 NAT64 embeds an IPv4 address that a NAT64
			// gateway would reach on our behalf.
			v4 := netip.AddrFrom4([4]byte(b[12:]))
			if r := forbidden(v4); r != "" {
				return "NAT64 of " + r
			}
		}
	}
	return ""
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

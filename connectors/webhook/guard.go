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

// forbidden names the internal range a (already unmapped, zone-less) falls
// in, or returns "". It uses netip predicates and byte tests rather than a
// package-level prefix table so there is no shared state to guard.
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
	if a.Is4() {
		b := a.As4()
		switch {
		case b[0] == 0:
			// 0.0.0.0/8: Linux delivers 0.x.y.z to the local host.
			return "this-network (0.0.0.0/8)"
		case b[0] == 100 && b[1]&0xc0 == 64:
			return "carrier-grade NAT (100.64.0.0/10)"
		case b[0] >= 240:
			return "reserved or broadcast (240.0.0.0/4)"
		}
		return ""
	}
	b := a.As16()
	switch {
	case isZero(b[:12]):
		// ::/96 is the deprecated IPv4-compatible form (::1 and :: are
		// caught above); nothing legitimate lives there.
		return "IPv4-compatible IPv6 (::/96)"
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]):
		// 64:ff9b::/96 NAT64 embeds an IPv4 address that a NAT64 gateway
		// would reach on our behalf.
		v4 := netip.AddrFrom4([4]byte(b[12:]))
		if r := forbidden(v4); r != "" {
			return "NAT64 of " + r
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

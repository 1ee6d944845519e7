package webhook

import (
	"errors"
	"net/http"
	"net/netip"
	"testing"
)

func loopbackAllow() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

func TestValidateURL(t *testing.T) {
	open, allowLoop := Guard{}, NewGuard(loopbackAllow())
	tests := []struct {
		url  string
		g    Guard
		want error // nil means accepted
	}{
		{"https://hooks.example.com/in?token=x", open, nil},
		{"http://8.8.8.8/hook", open, nil},
		{"http://[2001:4860:4860::8888]/hook", open, nil},
		// Names are vetted at dial time, not here.
		{"http://localhost:8080/", open, nil},

		{"http://127.0.0.1:8080/", open, ErrForbiddenAddress},
		{"http://127.0.0.1:8080/", allowLoop, nil},
		{"http://127.0.0.2/", allowLoop, ErrForbiddenAddress}, // only /32 is allowed
		{"http://[::1]/", open, ErrForbiddenAddress},
		{"http://[::1]:9000/", allowLoop, nil},
		{"http://[::ffff:127.0.0.1]/", open, ErrForbiddenAddress},
		{"http://[::ffff:127.0.0.1]/", allowLoop, nil},
		{"http://[::ffff:10.1.2.3]/", allowLoop, ErrForbiddenAddress},
		{"http://[::ffff:169.254.169.254]/", open, ErrForbiddenAddress},
		{"http://10.0.0.1/", open, ErrForbiddenAddress},
		{"http://172.16.5.4/", open, ErrForbiddenAddress},
		{"http://192.168.1.1/", open, ErrForbiddenAddress},
		{"http://169.254.169.254/latest/meta-data/", open, ErrForbiddenAddress},
		{"http://100.64.0.1/", open, ErrForbiddenAddress},
		{"http://100.127.255.255/", open, ErrForbiddenAddress},
		{"http://0.0.0.0/", open, ErrForbiddenAddress},
		{"http://224.0.0.1/", open, ErrForbiddenAddress},
		{"http://255.255.255.255/", open, ErrForbiddenAddress},
		{"http://[::]/", open, ErrForbiddenAddress},
		{"http://[fd00::1]/", open, ErrForbiddenAddress},
		{"http://[fe80::1%25eth0]/", open, ErrForbiddenAddress},
		{"http://[ff02::1]/", open, ErrForbiddenAddress},
		{"http://[64:ff9b::a9fe:a9fe]/", open, ErrForbiddenAddress}, // NAT64 of 169.254.169.254
		{"http://[::a00:1]/", open, ErrForbiddenAddress},            // IPv4-compatible 10.0.0.1

		{"ftp://example.com/file", open, ErrInvalidURL},
		{"file:///etc/passwd", open, ErrInvalidURL},
		{"gopher://example.com", open, ErrInvalidURL},
		{"//example.com/hook", open, ErrInvalidURL},
		{"http:///nohost", open, ErrInvalidURL},
		{"http://:8080/", open, ErrInvalidURL},
		{"http://exa mple.com/", open, ErrInvalidURL},
		{"", open, ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := ValidateURL(tt.url, tt.g)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGuardControl(t *testing.T) {
	g := NewGuard([]netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")})
	tests := []struct {
		network, addr string
		refused       bool
	}{
		{"tcp4", "93.184.216.34:443", false},
		{"tcp6", "[2606:2800:220:1:248:1893:25c8:1946]:443", false},
		{"tcp4", "127.0.0.1:80", true},
		{"tcp6", "[::1]:80", true},
		{"tcp6", "[::ffff:127.0.0.1]:80", true},
		{"tcp4", "169.254.169.254:80", true},
		{"tcp4", "10.0.0.1:80", true},
		{"tcp4", "10.9.3.4:80", false}, // allow-listed
		{"tcp6", "[::ffff:10.9.3.4]:80", false},
		{"tcp6", "[fe80::1%eth0]:80", true},
		{"tcp", "not-an-address", true}, // fail closed
	}
	for _, tt := range tests {
		err := g.Control(tt.network, tt.addr, nil)
		if got := errors.Is(err, ErrForbiddenAddress); got != tt.refused {
			t.Errorf("Control(%s, %s) = %v, refused=%v want %v", tt.network, tt.addr, err, got, tt.refused)
		}
	}
}

func TestNewGuardUnmapsPrefixes(t *testing.T) {
	g := NewGuard([]netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104"), {}})
	if err := g.Check(netip.MustParseAddr("10.1.2.3")); err != nil {
		t.Fatalf("mapped allow prefix did not admit 10.1.2.3: %v", err)
	}
	if err := g.Check(netip.MustParseAddr("192.168.0.1")); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("192.168.0.1 admitted: %v", err)
	}
}

func TestClientKeepsIdleConnections(t *testing.T) {
	c := NewClient(Options{})
	defer c.Close()
	// retryablehttp calls CloseIdleConnections after each failed attempt;
	// the transport it sees must not offer it.
	if _, ok := c.http.HTTPClient.Transport.(interface{ CloseIdleConnections() }); ok {
		t.Fatal("transport exposes CloseIdleConnections to retryablehttp")
	}
	if c.transport.Proxy != nil {
		t.Fatal("transport uses a proxy")
	}
	var _ http.RoundTripper = keepIdle{}
}

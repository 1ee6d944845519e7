package webhook

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

const (
	// drainLimit bounds how much of a response beyond the excerpt we read
	// so the connection can be reused; a bigger body costs a new
	// connection rather than our bandwidth.
	drainLimit = 64 << 10
	// maxResponseHeaderBytes keeps a hostile receiver from making us
	// buffer megabytes of headers.
	maxResponseHeaderBytes = 64 << 10
)

// newTransport returns the connection pool every attempt goes through; its
// dialer runs the guard on each resolved address.
func newTransport(g Guard) *http.Transport {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   g.Control,
	}
	return &http.Transport{
		// Never a proxy from the environment: through a proxy the guard
		// would vet the proxy's address, not the receiver's.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true, // needed for h2 once DialContext is custom
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    64, // a busy supplier gets many parallel jobs
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
}

// keepIdle forwards RoundTrip only, so http.Client.CloseIdleConnections
// becomes a no-op (see NewClient).
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

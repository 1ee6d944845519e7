package ftp

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/internal/tlsca"
	"github.com/supplyhub/supplyhub/pipeline"
)

// TLS modes.
const (
	TLSNone     = "none"     // cleartext, password included
	TLSExplicit = "explicit" // AUTH TLS on the usual port (FTPES)
	TLSImplicit = "implicit" // TLS from the first byte, usually port 990 (FTPS)
)

// Defaults for settings left empty.
const (
	DefaultPort         = 21
	DefaultImplicitPort = 990
	DefaultTLS          = TLSExplicit
	DefaultDir          = "."
	DefaultDialTimeout  = 30 * time.Second
	DefaultTimeout      = 60 * time.Second
)

// Settings configure an FTP channel; they are stored as the channel's JSON.
type Settings struct {
	// Host is the server's name or IP address; with TLS it is also the
	// name the certificate must carry.
	Host string `json:"host"`
	// Port defaults to 21, or 990 with implicit TLS.
	Port int `json:"port,omitempty"`
	// User is the login name.
	User string `json:"user"`
	// Password may be empty for servers that ask for none.
	Password string `json:"password,omitempty"`
	// TLS is "none", "explicit" or "implicit"; default "explicit", so a
	// password never crosses the network in the clear unless "none" is
	// chosen on purpose.
	TLS string `json:"tls,omitempty"`
	// CACert holds PEM certificates that alone are trusted for the
	// server's certificate instead of the system roots (for a supplier's
	// private CA or self-signed certificate). Verification is never off.
	CACert string `json:"ca_cert,omitempty"`
	// CAFile is the path of a PEM bundle used as CACert is; read at each
	// connection, so a renewed bundle needs no restart. Give one of the two.
	CAFile string `json:"ca_file,omitempty"`
	// DisableEPSV makes transfers use PASV only, for servers or NATs that
	// mishandle EPSV.
	DisableEPSV bool `json:"disable_epsv,omitempty"`
	// Dir is the remote folder files are written to and, by default,
	// listed and read from; default "." (the login folder).
	Dir string `json:"dir,omitempty"`
	// DialTimeout bounds connecting and logging in ("30s" when empty).
	DialTimeout string `json:"dial_timeout,omitempty"`
	// Timeout bounds one operation: a Put, List, Get or Move ("60s"
	// when empty).
	Timeout string `json:"timeout,omitempty"`
}

// Problem is one invalid setting, named by its JSON key.
type Problem = pipeline.SettingsProblem

// Validate checks the settings without connecting.
func (s Settings) Validate() []Problem {
	ps := drop.CheckServer(s.Host, s.Port, s.DialTimeout, s.Timeout)
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(s.User) == "":
		add("user", "required")
	case strings.ContainsAny(s.User, "\r\n\x00"):
		add("user", "must not contain line breaks or NUL")
	}
	if strings.ContainsAny(s.Password, "\r\n\x00") {
		add("password", "must not contain line breaks or NUL")
	}
	switch s.tlsMode() {
	case TLSNone:
		if s.CACert != "" {
			add("ca_cert", "only used with tls \"explicit\" or \"implicit\"")
		}
		if s.CAFile != "" {
			add("ca_file", "only used with tls \"explicit\" or \"implicit\"")
		}
	case TLSExplicit, TLSImplicit:
		switch {
		case s.CACert != "" && s.CAFile != "":
			add("ca_file", "give ca_file or ca_cert, not both")
		case s.CACert != "":
			if _, err := tlsca.Parse([]byte(s.CACert)); err != nil {
				add("ca_cert", "%v", err)
			}
		case s.CAFile != "":
			if _, err := tlsca.Load(s.CAFile); err != nil {
				add("ca_file", "%v", err)
			}
		}
	default:
		add("tls", "must be \"none\", \"explicit\" or \"implicit\"")
	}
	if strings.ContainsAny(s.Dir, "\r\n\x00") {
		// FTP commands are lines: a line break would inject a command.
		add("dir", "must not contain line breaks or NUL")
	}
	return ps
}

func (s Settings) tlsMode() string {
	if s.TLS == "" {
		return DefaultTLS
	}
	return s.TLS
}

func (s Settings) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.tlsMode() == TLSImplicit:
		return DefaultImplicitPort
	}
	return DefaultPort
}

func (s Settings) dir() string {
	if s.Dir == "" {
		return DefaultDir
	}
	return s.Dir
}

func (s Settings) dialTimeout() time.Duration {
	d, _ := drop.ParseTimeout(s.DialTimeout, DefaultDialTimeout)
	return d
}

func (s Settings) timeout() time.Duration {
	d, _ := drop.ParseTimeout(s.Timeout, DefaultTimeout)
	return d
}

// rootCAs returns the pool set by ca_cert or ca_file; nil (the system
// roots) when neither is set.
func (s Settings) rootCAs() (*x509.CertPool, error) {
	switch {
	case s.CACert != "":
		pool, err := tlsca.Parse([]byte(s.CACert))
		if err != nil {
			return nil, fmt.Errorf("ca_cert: %w", err)
		}
		return pool, nil
	case s.CAFile != "":
		pool, err := tlsca.Load(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		return pool, nil
	}
	return nil, nil
}

package drop

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/pipeline"
)

// ParseTimeout parses a timeout setting such as "30s"; empty means def.
func ParseTimeout(v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("%q must be a duration between 1ms and 1h, like \"30s\"", v)
	}
	return d, nil
}

// CheckServer checks the settings every remote file server shares: host,
// port and the two timeouts.
func CheckServer(host string, port int, dialTimeout, timeout string) []pipeline.SettingsProblem {
	var ps []pipeline.SettingsProblem
	add := func(key, format string, args ...any) {
		ps = append(ps, pipeline.SettingsProblem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(host) == "":
		add("host", "required")
	case strings.ContainsAny(host, " /\t\r\n\x00"):
		add("host", "must be a host name or IP address")
	}
	if port < 0 || port > 65535 {
		add("port", "must be between 1 and 65535")
	}
	for _, d := range []struct{ key, val string }{{"dial_timeout", dialTimeout}, {"timeout", timeout}} {
		if _, err := ParseTimeout(d.val, time.Second); err != nil {
			add(d.key, "%v", err)
		}
	}
	return ps
}

// RemoteFile is a regular file in a remote folder, as a session lists it.
type RemoteFile struct {
	Name string
	Size int64
	// ModTime is as precise as the server reports it (FTP listings may
	// give only minutes).
	ModTime time.Time
}

// ErrTooLarge is wrapped by a session's Get for a file over the caller's
// limit; it is permanent.
var ErrTooLarge = errors.New("file too large")

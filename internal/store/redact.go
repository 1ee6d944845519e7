package store

import (
	"net/url"
	"strings"
)

// RedactURL returns the database URL fit for logs: a password, in the user
// info or as a password= parameter, is replaced by "xxxxx". A postgres
// URL that does not parse is reduced to its scheme, since any part of it
// may be the password.
func RedactURL(raw string) string {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, "://")
		return scheme + "://(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

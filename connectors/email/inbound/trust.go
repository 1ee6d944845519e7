package inbound

import (
	"fmt"
	"slices"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/email"
)

// CheckToken reports why a reply does not prove that it answers our email
// about supplier order number of supplier, or "" when it does: one of its
// tokens must be that order's, signed with keys. Without it, anyone who
// knows a supplier's address and guesses a (sequential) order number could
// ship or cancel that supplier's orders by mail, since From costs nothing to
// forge.
func CheckToken(p Parsed, number, supplier string, keys email.ReplyKeys) string {
	if len(p.Tokens) == 0 {
		return "no valid reply token: the mail carries none (it neither replies to our email's Message-ID nor was sent to its Reply-To address)"
	}
	var others []string
	for _, t := range p.Tokens {
		if strings.EqualFold(t.Number, number) && keys.Valid(number, supplier, t.Token) {
			return ""
		}
		if !strings.EqualFold(t.Number, number) && !slices.Contains(others, t.Number) {
			others = append(others, t.Number)
		}
	}
	if len(others) > 0 {
		return fmt.Sprintf("no valid reply token for supplier order %s: the mail carries tokens for %s only", number, strings.Join(others, ", "))
	}
	return fmt.Sprintf("no valid reply token: the token for supplier order %s does not match (forged, or signed with a key no longer kept)", number)
}

// AuthPolicy says which Authentication-Results header (RFC 8601) to trust
// and whether one is required.
type AuthPolicy struct {
	// AuthServID, when set, is the authserv-id of the receiving server:
	// only its headers are read. Otherwise only the topmost header is, the
	// one the last server added; any below may come from the sender.
	AuthServID string
	// Require refuses mail without a trusted header saying pass.
	Require bool
}

// CheckAuth reports why the receiving server's Authentication-Results say
// the mail's From is not authentic, or "" when they do not say so. Pass is
// dmarc=pass, or dkim=pass for a signing domain aligned with From's, or
// spf=pass for a MAIL FROM domain aligned with From's (relaxed alignment:
// one domain equal to or a subdomain of the other). dmarc=fail always
// refuses; so does the absence of a pass when any dkim, spf or dmarc result
// other than none was recorded. No header, or only "none" results, is
// refused only when the policy requires authentication.
func CheckAuth(p Parsed, policy AuthPolicy) string {
	fromDomain := domainOf(p.From)
	var results []authResult
	found := false
	for i, h := range p.AuthResults {
		id, rs := parseAuthResults(h)
		if policy.AuthServID != "" {
			if !strings.EqualFold(id, policy.AuthServID) {
				continue
			}
		} else if i > 0 {
			break
		}
		found = true
		results = append(results, rs...)
	}
	if !found {
		if policy.Require {
			return "authentication failed: no Authentication-Results header from the receiving server"
		}
		return ""
	}
	var seen []string
	pass := false
	for _, r := range results {
		switch r.method {
		case "dmarc":
			if r.result == "fail" {
				return "authentication failed: dmarc=fail"
			}
			pass = pass || r.result == "pass"
		case "dkim":
			d := r.props["header.d"]
			if d == "" {
				d = domainOf(r.props["header.i"])
			}
			if r.result == "pass" && !aligned(d, fromDomain) {
				seen = append(seen, fmt.Sprintf("dkim=pass for %s, not aligned with From %s", d, fromDomain))
				continue
			}
			pass = pass || r.result == "pass"
		case "spf":
			d := domainOf(r.props["smtp.mailfrom"])
			if d == "" {
				d = r.props["smtp.helo"]
			}
			if r.result == "pass" && !aligned(d, fromDomain) {
				seen = append(seen, fmt.Sprintf("spf=pass for %s, not aligned with From %s", d, fromDomain))
				continue
			}
			pass = pass || r.result == "pass"
		default:
			continue
		}
		if r.result != "pass" && r.result != "none" {
			seen = append(seen, r.method+"="+r.result)
		}
	}
	switch {
	case pass:
		return ""
	case len(seen) > 0:
		return "authentication failed: " + strings.Join(seen, ", ")
	case policy.Require:
		return "authentication failed: no dkim, spf or dmarc pass in Authentication-Results"
	}
	return ""
}

type authResult struct {
	method, result string
	props          map[string]string
}

// parseAuthResults reads an Authentication-Results value: the authserv-id,
// then ";"-separated "method=result ptype.property=value …" statements.
// Comments in parentheses are dropped; what cannot be read is skipped.
func parseAuthResults(v string) (authservID string, rs []authResult) {
	v = stripComments(v)
	parts := strings.Split(v, ";")
	if f := strings.Fields(parts[0]); len(f) > 0 {
		authservID = f[0]
	}
	for _, st := range parts[1:] {
		f := strings.Fields(st)
		if len(f) == 0 {
			continue
		}
		method, result, ok := strings.Cut(f[0], "=")
		if !ok {
			continue // "none" alone: no results
		}
		method, _, _ = strings.Cut(method, "/") // method version
		r := authResult{method: strings.ToLower(method), result: strings.ToLower(result), props: map[string]string{}}
		for _, kv := range f[1:] {
			if k, val, ok := strings.Cut(kv, "="); ok {
				r.props[strings.ToLower(k)] = strings.Trim(val, `"`)
			}
		}
		rs = append(rs, r)
	}
	return authservID, rs
}

func stripComments(v string) string {
	var b strings.Builder
	depth := 0
	for _, r := range v {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// domainOf returns the lower-cased domain of an address, or s itself when
// it has no "@".
func domainOf(s string) string {
	s = strings.TrimSpace(s)
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

// aligned reports relaxed alignment: equal domains, or one a subdomain of
// the other (mail.tools.example and tools.example). A bare top-level
// domain aligns with nothing.
func aligned(a, b string) bool {
	if !strings.Contains(a, ".") || !strings.Contains(b, ".") {
		return false
	}
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

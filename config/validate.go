package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/schedule"
	"github.com/supplyhub/supplyhub/internal/tlsca"
)

// Problem is one configuration error, naming its key.
type Problem struct {
	Key string
	Msg string
}

func (p Problem) String() string { return p.Key + ": " + p.Msg }

// Problems is every configuration error found; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// codeRE keeps codes usable in numbers, file names and URLs.
var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ChannelCheck validates one channel's settings (as JSON) under the rest
// of the configuration c. known is false for a type this build cannot
// deliver to; problems name keys relative to the channel (e.g. "dir").
type ChannelCheck func(c *Config, typ string, settings []byte) (known bool, problems []Problem)

// Validate checks the configuration and returns every problem; check (may
// be nil) validates channel settings.
func (c *Config) Validate(check ChannelCheck) Problems {
	var ps Problems
	add := func(key, format string, a ...any) { ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, a...)}) }
	if c.DataDir == "" {
		add("data_dir", "must not be empty")
	}
	if u := c.Database.URL; !strings.HasPrefix(u, "sqlite:") && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		add("database.url", "must start with sqlite: or postgres://")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		add("http.addr", "must be host:port (%v)", err)
	}
	if c.HTTP.Pprof && c.HTTP.OpsAddr == "" {
		add("http.pprof", "needs http.ops_addr: the profiler is served on the operations listener only")
	}
	if c.HTTP.OpsAddr != "" {
		if _, port, err := net.SplitHostPort(c.HTTP.OpsAddr); err != nil {
			add("http.ops_addr", "must be host:port or empty (%v)", err)
		} else if c.HTTP.OpsAddr == c.HTTP.Addr && port != "0" {
			add("http.ops_addr", "must differ from http.addr")
		}
	}
	for i, p := range c.HTTP.MetricsAllow {
		if _, err := netip.ParsePrefix(p); err != nil {
			add(fmt.Sprintf("http.metrics_allow[%d]", i), "must be a CIDR prefix such as 10.0.0.0/8 (%q)", p)
		}
	}
	if c.SFTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.SFTP.Addr); err != nil {
			add("sftp.addr", "must be host:port or empty (%v)", err)
		}
	}
	if c.Portal.IdleTimeout < time.Minute {
		add("portal.idle_timeout", "must be at least 1m")
	}
	if c.Portal.Lifetime < c.Portal.IdleTimeout {
		add("portal.lifetime", "must be at least portal.idle_timeout (%s)", c.Portal.IdleTimeout)
	}
	if u := c.Portal.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || (pu.Path != "" && pu.Path != "/") {
			add("portal.public_url", "must be an http(s) URL without a path, e.g. https://hub.example")
		}
	}
	if c.Portal.MaxAttachmentBytes < 1024 || c.Portal.MaxAttachmentBytes > 100<<20 {
		add("portal.max_attachment_bytes", "must be between 1024 and 104857600 (100 MiB)")
	}
	if c.HTTP.RateLimit < 0 {
		add("http.rate_limit", "must be >= 0 (0 turns limiting off)")
	}
	if c.HTTP.RateLimit > 0 && c.HTTP.RateBurst < 1 {
		add("http.rate_burst", "must be at least 1")
	}
	if c.SFTP.MaxSessions < 1 {
		add("sftp.max_sessions", "must be at least 1")
	}
	if c.SFTP.IdleTimeout < time.Second {
		add("sftp.idle_timeout", "must be at least 1s")
	}
	if c.SFTP.MaxFileSize < 1024 {
		add("sftp.max_file_size", "must be at least 1024 bytes")
	}
	if c.SFTP.HandshakeTimeout < time.Second || c.SFTP.HandshakeTimeout > 5*time.Minute {
		add("sftp.handshake_timeout", "must be between 1s and 5m")
	}
	if c.SFTP.MaxUnauthenticated < 1 {
		add("sftp.max_unauthenticated", "must be at least 1")
	}
	if c.SFTP.MaxUnauthenticatedPerIP < 1 || c.SFTP.MaxUnauthenticatedPerIP > c.SFTP.MaxUnauthenticated {
		add("sftp.max_unauthenticated_per_ip", "must be between 1 and sftp.max_unauthenticated")
	}
	if c.SFTP.LoginFailures < 1 {
		add("sftp.login_failures", "must be at least 1")
	}
	if c.SFTP.LoginBan < time.Second {
		add("sftp.login_ban", "must be at least 1s")
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		add("http.max_body_bytes", "must be at least 1024")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "must be one of debug, info, warn, error")
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		add("log.format", "must be json or text")
	}
	if c.Jobs.MaxWorkers < 1 || c.Jobs.MaxWorkers > 10000 {
		add("jobs.max_workers", "must be between 1 and 10000")
	}
	if c.Jobs.AttemptTimeout < time.Second {
		add("jobs.attempt_timeout", "must be at least 1s")
	}
	if c.Jobs.FetchCooldown < time.Millisecond || c.Jobs.FetchCooldown > time.Second {
		add("jobs.fetch_cooldown", "must be between 1ms and 1s")
	}
	if c.Jobs.RescueAfter <= c.Jobs.AttemptTimeout {
		add("jobs.rescue_after", "must be longer than jobs.attempt_timeout (%s)", c.Jobs.AttemptTimeout)
	}
	if c.Ingest.BatchSize < 1 || c.Ingest.BatchSize > 1000 {
		add("ingest.batch_size", "must be between 1 and 1000")
	}
	if !strings.Contains(c.Numbering.SupplierOrder, "{order}") || !strings.Contains(c.Numbering.SupplierOrder, "{supplier}") {
		add("numbering.supplier_order", "must contain {order} and {supplier}")
	}
	for i, p := range c.Webhooks.AllowPrivate {
		if _, err := netip.ParsePrefix(p); err != nil {
			add(fmt.Sprintf("webhooks.allow_private[%d]", i), "must be a CIDR prefix such as 127.0.0.1/32")
		}
	}
	if c.Webhooks.Timeout < time.Second || c.Webhooks.Timeout > 5*time.Minute {
		add("webhooks.timeout", "must be between 1s and 5m")
	}
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		add("mail.from", "must be an address such as \"Supplyhub <orders@hub.example>\"")
	}
	if c.Mail.Admin != "" {
		if _, err := mail.ParseAddress(c.Mail.Admin); err != nil {
			add("mail.admin", "not an email address")
		}
	}
	switch c.Mail.Transport {
	case "maildir":
	case "smtp":
		if c.Mail.SMTP.Host == "" {
			add("mail.smtp.host", "is required when mail.transport is smtp")
		}
		if c.Mail.SMTP.Port < 1 || c.Mail.SMTP.Port > 65535 {
			add("mail.smtp.port", "must be a port number")
		}
		switch c.Mail.SMTP.TLS {
		case "starttls", "implicit", "none":
		default:
			add("mail.smtp.tls", "must be starttls, implicit or none")
		}
		ps = append(ps, checkCAFile("mail.smtp", c.Mail.SMTP.CAFile, c.Mail.SMTP.TLS == "none")...)
	default:
		add("mail.transport", "must be maildir or smtp")
	}
	if _, err := schedule.Parse(c.Summary.Schedule); err != nil {
		add("summary.schedule", "must be a cron expression such as \"0 6 1 * *\": %v", err)
	}
	if in := c.Mail.Inbound; in.Addr != "" {
		if _, _, err := net.SplitHostPort(in.Addr); err != nil {
			add("mail.inbound.addr", "must be host:port")
		}
		switch in.TLS {
		case "", "implicit", "starttls", "none":
		default:
			add("mail.inbound.tls", "must be implicit, starttls or none")
		}
		if in.Username == "" {
			add("mail.inbound.username", "is required with mail.inbound.addr")
		}
		ps = append(ps, checkCAFile("mail.inbound", in.CAFile, in.TLS == "none")...)
	}
	seen := map[string]bool{}
	for i, r := range c.Retailers {
		k := fmt.Sprintf("retailers[%d]", i)
		ps = append(ps, validateParty(k, "retailer", r.Code, r.Name, r.Email, seen)...)
		if r.TimeZone != "" {
			if _, err := time.LoadLocation(r.TimeZone); err != nil {
				add(k+".time_zone", "unknown time zone %q", r.TimeZone)
			}
		}
		ps = append(ps, c.validateChannels(k, r.Channels, check, "webhook", "email")...)
	}
	seen = map[string]bool{}
	for i, s := range c.Suppliers {
		k := fmt.Sprintf("suppliers[%d]", i)
		ps = append(ps, validateParty(k, "supplier", s.Code, s.Name, s.Email, seen)...)
		if s.CommissionRate != "" {
			if _, err := ParseRate(s.CommissionRate); err != nil {
				add(k+".commission_rate", "%v", err)
			}
		}
		ps = append(ps, c.validateChannels(k, s.Channels, check)...)
		ps = append(ps, validateCatalog(k+".catalog", s)...)
		if s.CancelRequests.AnswerWithin < 0 {
			add(k+".cancel_requests.answer_within", "must be a positive duration such as 24h, or absent for the global cancel_requests.answer_within")
		}
	}
	if c.CancelRequests.AnswerWithin <= 0 {
		add("cancel_requests.answer_within", "must be a positive duration such as 24h")
	}
	ps = append(ps, c.validateOverdue()...)
	return ps
}

// validateCatalog checks a supplier's catalog block.
func validateCatalog(k string, s Supplier) Problems {
	var ps Problems
	add := func(key, format string, a ...any) { ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, a...)}) }
	c := s.Catalog
	switch c.Mode {
	case "", domain.CatalogOff, domain.CatalogWarn, domain.CatalogEnforce:
	default:
		add(k+".mode", "must be off, warn or enforce")
	}
	switch c.PriceMismatch {
	case "":
	case domain.PriceRefuse, domain.PriceAccept:
		if c.Mode != domain.CatalogEnforce {
			add(k+".price_mismatch", "only applies when %s.mode is enforce", k)
		}
	default:
		add(k+".price_mismatch", "must be refuse or accept")
	}
	f := c.Feed
	if f.Dir == "" {
		if f.Channel != "" || f.ArchiveDir != "" || f.Poll != "" {
			add(k+".feed.dir", "is required to poll a catalog feed")
		}
		return ps
	}
	if !strings.HasPrefix(f.Dir, "/") {
		add(k+".feed.dir", "must be an absolute remote path such as /outbound/catalog")
	}
	if f.ArchiveDir != "" && !strings.HasPrefix(f.ArchiveDir, "/") {
		add(k+".feed.archive_dir", "must be an absolute remote path")
	}
	if f.Poll != "" {
		if _, err := schedule.Parse(f.Poll); err != nil {
			add(k+".feed.poll", "must be a cron expression such as \"*/15 * * * *\": %v", err)
		}
	}
	var ch *Channel
	for i := range s.Channels {
		if s.Channels[i].ChannelName() == f.Channel {
			ch = &s.Channels[i]
		}
	}
	switch {
	case f.Channel == "":
		add(k+".feed.channel", "is required: the name of the supplier's sftp or ftp channel to poll")
	case ch == nil:
		add(k+".feed.channel", "no channel named %q", f.Channel)
	case ch.Type != domain.ChannelSFTP && ch.Type != domain.ChannelFTP:
		add(k+".feed.channel", "channel %q is %s: only sftp and ftp channels can be polled", f.Channel, ch.Type)
	case ch.Settings["hosted"] == true:
		add(k+".feed.channel", "channel %q is hosted on the built-in server: upload feeds to /inbound/catalog instead", f.Channel)
	}
	return ps
}

// validateParty checks what retailers and suppliers share: a unique code
// usable in numbers and file names, a name, and an optional email.
func validateParty(k, kind, code, name, email string, seen map[string]bool) Problems {
	var ps Problems
	add := func(key, format string, a ...any) { ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, a...)}) }
	if !codeRE.MatchString(code) {
		add(k+".code", "must be 1-64 letters, digits, _ or -, starting with a letter or digit")
	} else if seen[code] {
		add(k+".code", "duplicate %s %q", kind, code)
	}
	seen[code] = true
	if name == "" {
		add(k+".name", "must not be empty")
	}
	if email != "" {
		if _, err := mail.ParseAddress(email); err != nil {
			add(k+".email", "not an email address")
		}
	}
	return ps
}

// validateChannels checks a party's channels; only lists the types
// allowed (any when empty).
func (c *Config) validateChannels(k string, chs []Channel, check ChannelCheck, only ...string) Problems {
	var ps Problems
	add := func(key, format string, a ...any) { ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, a...)}) }
	names := map[string]bool{}
	for j, ch := range chs {
		ck := fmt.Sprintf("%s.channels[%d]", k, j)
		switch {
		case ch.Type == "":
			add(ck+".type", "must not be empty")
		case len(only) > 0 && !slices.Contains(only, ch.Type):
			add(ck+".type", "must be one of %s", strings.Join(only, ", "))
		case check != nil:
			known, cps := check(c, ch.Type, ch.SettingsJSON())
			if !known {
				add(ck+".type", "unknown channel type %q", ch.Type)
			}
			for _, p := range cps {
				add(ck+"."+p.Key, "%s", p.Msg)
			}
		}
		name := ch.ChannelName()
		if names[name] {
			add(ck+".name", "duplicate channel name %q", name)
		}
		names[name] = true
	}
	return ps
}

// ParseRate turns a percentage such as "2.2" or "2.2%" into basis points.
func ParseRate(s string) (int, error) {
	m, err := domain.ParseDecimal(strings.TrimSuffix(strings.TrimSpace(s), "%"), 2)
	if err != nil {
		return 0, fmt.Errorf("must be a percentage with at most two decimals, like 2.2")
	}
	if m < 0 || m > 10000 {
		return 0, fmt.Errorf("must be between 0 and 100")
	}
	return int(m), nil
}

// checkCAFile checks a ca_file setting under prefix: only with TLS, and a
// readable PEM bundle of at least one certificate.
func checkCAFile(prefix, path string, noTLS bool) Problems {
	switch {
	case path == "":
		return nil
	case noTLS:
		return Problems{{Key: prefix + ".ca_file", Msg: "only used with TLS (" + prefix + ".tls is none)"}}
	}
	if _, err := tlsca.Load(path); err != nil {
		return Problems{{Key: prefix + ".ca_file", Msg: err.Error()}}
	}
	return nil
}

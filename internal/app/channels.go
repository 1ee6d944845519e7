package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/connectors/file"
	"github.com/supplyhub/supplyhub/connectors/ftp"
	sftpclient "github.com/supplyhub/supplyhub/connectors/sftp/client"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Mailer is the configured outgoing mail: sender, Message-ID domain and
// transport (maildir or SMTP).
type Mailer struct {
	From      mail.Address
	Domain    string
	Transport email.Transport
}

// NewMailer builds the mail transport from cfg.Mail.
func NewMailer(cfg *config.Config) (*Mailer, error) {
	from, err := mail.ParseAddress(cfg.Mail.From)
	if err != nil {
		return nil, fmt.Errorf("mail.from: %w", err)
	}
	m := &Mailer{From: *from, Domain: cfg.Mail.Domain}
	if m.Domain == "" {
		m.Domain = from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	}
	switch cfg.Mail.Transport {
	case "smtp":
		s := cfg.Mail.SMTP
		m.Transport = &email.SMTP{Host: s.Host, Port: s.Port, TLS: email.TLSMode(s.TLS), Username: s.Username, Password: s.Password, HELO: s.HELO,
			CAFile: s.CAFile}
	default:
		dir := cfg.Mail.Maildir
		if dir == "" {
			dir = filepath.Join(cfg.DataDir, "mail")
		}
		m.Transport = email.Maildir{Dir: dir}
	}
	return m, nil
}

// dropIdle is how long an SFTP/FTP session stays open after its last
// file, so the jobs of one scheduled run share a connection.
const dropIdle = 30 * time.Second

// Channels builds this build's connectors from the configuration; hosted
// is the built-in SFTP server's drop (nil when it is off or when only
// validating).
func Channels(cfg *config.Config, log *slog.Logger, hosted drop.Dialer) (pipeline.Channels, error) {
	var allow []netip.Prefix
	for _, p := range cfg.Webhooks.AllowPrivate {
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("webhooks.allow_private: %w", err)
		}
		allow = append(allow, pf)
	}
	mailer, err := NewMailer(cfg)
	if err != nil {
		return nil, err
	}
	render, err := email.NewRenderer(cfg.Mail.Templates)
	if err != nil {
		return nil, fmt.Errorf("mail.templates: %w", err)
	}
	client := webhook.NewClient(webhook.Options{Allow: allow, Timeout: cfg.Webhooks.Timeout, Logger: log})
	return pipeline.Channels{
		domain.ChannelFile:    file.New(filepath.Join(cfg.DataDir, "outbox")),
		domain.ChannelWebhook: webhook.NewChannel(client, webhook.NewGuard(allow), cfg.Webhooks.Timeout),
		domain.ChannelEmail:   email.NewChannel(render, mailer.Transport, mailer.From, mailer.Domain),
		domain.ChannelSFTP:    drop.NewChannel(domain.ChannelSFTP, sftpRouter{remote: sftpclient.Dialer(), hosted: hosted}, dropIdle),
		domain.ChannelFTP:     drop.NewChannel(domain.ChannelFTP, ftp.Dialer(), dropIdle),
	}, nil
}

// ChannelCheck validates channel settings against the connectors that the
// configuration being checked would build.
func ChannelCheck(log *slog.Logger) config.ChannelCheck {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(c *config.Config, typ string, settings []byte) (bool, []config.Problem) {
		if typ == domain.ChannelAPI {
			return true, nil // pulled by the supplier: nothing to configure
		}
		chs, err := Channels(c, log, nil)
		if err != nil {
			// The configuration's own problem is reported under its key.
			return true, nil
		}
		known, ps := chs.CheckChannel(typ, settings)
		out := make([]config.Problem, len(ps))
		for i, p := range ps {
			out[i] = config.Problem{Key: p.Key, Msg: p.Msg}
		}
		if typ == domain.ChannelSFTP || typ == domain.ChannelFTP {
			var poll pollSettings
			_ = json.Unmarshal(settings, &poll)
			if _, err := poll.schedule(); poll.StatusDir != "" && err != nil {
				out = append(out, config.Problem{Key: "status_poll", Msg: "must be a cron expression: " + err.Error()})
			}
		}
		return known, out
	}
}

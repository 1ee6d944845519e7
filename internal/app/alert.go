package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/internal/metrics"
)

// alerter tells the operator: a log line, a metric, and an email to
// mail.admin when one is set.
type alerter struct {
	mailer *Mailer
	admin  string
	m      *metrics.Metrics
	log    *slog.Logger
}

func (a *alerter) Alert(ctx context.Context, subject, body string) {
	a.m.Alerts.Inc()
	a.log.Error("operator alert", "subject", subject, "body", body)
	if a.admin == "" {
		return
	}
	to, err := mail.ParseAddress(a.admin)
	if err != nil {
		a.log.Error("operator alert: mail.admin", "error", err)
		return
	}
	now := time.Now().UTC()
	msg := &email.Message{
		From: a.mailer.From, To: []email.Address{*to}, Subject: subject, Text: body, Date: now,
		MessageID: email.MessageID("alert", fmt.Sprint(now.UnixNano()), a.mailer.Domain),
		Headers:   map[string]string{"Auto-Submitted": "auto-generated"},
	}
	raw, err := email.Build(msg)
	if err == nil {
		err = a.mailer.Transport.Send(ctx, a.mailer.From.Address, msg.Recipients(), raw)
	}
	if err != nil {
		a.log.Error("operator alert: send email", "to", a.admin, "error", err)
	}
}

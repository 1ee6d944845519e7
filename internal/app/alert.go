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
	if err := a.send(ctx, subject, body, "alert", fmt.Sprint(time.Now().UnixNano())); err != nil {
		a.log.Error("operator alert: send email", "to", a.admin, "error", err)
	}
}

// send logs, counts and emails one alert under a Message-ID made of kind
// and id (the same id on a retry lets the mail client drop the repeat).
// The error is the email's, for callers that retry.
func (a *alerter) send(ctx context.Context, subject, body, kind, id string) error {
	a.m.Alerts.Inc()
	a.log.Error("operator alert", "subject", subject, "body", body)
	if a.admin == "" {
		return nil
	}
	to, err := mail.ParseAddress(a.admin)
	if err != nil {
		return fmt.Errorf("mail.admin: %w", err)
	}
	msg := &email.Message{
		From: a.mailer.From, To: []email.Address{*to}, Subject: subject, Text: body, Date: time.Now().UTC(),
		MessageID: email.MessageID(kind, id, a.mailer.Domain),
		Headers:   map[string]string{"Auto-Submitted": "auto-generated"},
	}
	raw, err := email.Build(msg)
	if err != nil {
		return fmt.Errorf("operator alert: %w", err)
	}
	if err := a.mailer.Transport.Send(ctx, a.mailer.From.Address, msg.Recipients(), raw); err != nil {
		return fmt.Errorf("operator alert to %s: %w", a.admin, err)
	}
	return nil
}

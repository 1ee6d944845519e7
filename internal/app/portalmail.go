package app

import (
	"context"
	"fmt"
	"net/mail"
	"time"

	"github.com/supplyhub/supplyhub/connectors/email"
)

// portalMailer sends the portal's one-off emails (the notice about a
// manual order) through the configured mail transport.
type portalMailer struct{ m *Mailer }

// SendText sends a plain-text email to one address.
func (p portalMailer) SendText(ctx context.Context, to, subject, text string) error {
	addr, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("portal mail to %q: %w", to, err)
	}
	now := time.Now().UTC()
	msg := &email.Message{From: p.m.From, To: []email.Address{*addr}, Subject: subject, Text: text, Date: now,
		MessageID: email.MessageID("portal", fmt.Sprint(now.UnixNano()), p.m.Domain),
		Headers:   map[string]string{"Auto-Submitted": "auto-generated"}}
	raw, err := email.Build(msg)
	if err != nil {
		return fmt.Errorf("portal mail to %s: %w", addr.Address, err)
	}
	if err := p.m.Transport.Send(ctx, p.m.From.Address, msg.Recipients(), raw); err != nil {
		return fmt.Errorf("portal mail to %s: %w", addr.Address, err)
	}
	return nil
}

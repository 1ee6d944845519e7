package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/email"
	"github.com/supplyhub/supplyhub/connectors/email/inbound"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// replyHandler applies supplier email replies. It accepts a command only
// when the mail proves it answers our email about that supplier order (a
// valid reply token), the receiving server's Authentication-Results do not
// say its From is forged, and From is an address registered for the
// supplier (its email, or the "to" addresses of its email channels);
// everything else goes to the review queue, never guessed. It is idempotent
// by Message-ID, so a reply read twice (a crash before it was flagged)
// changes nothing the second time.
type replyHandler struct {
	st   *store.Store
	q    jobs.Queue
	log  *slog.Logger
	keys email.ReplyKeys
	auth inbound.AuthPolicy
}

func (h *replyHandler) Handle(ctx context.Context, msg inbound.Parsed, in inbound.Interpretation) error {
	id := msg.MessageID
	if id == "" {
		sum := sha256.Sum256(msg.Raw)
		id = "sha256:" + hex.EncodeToString(sum[:16])
	}
	review := func(reason string) error {
		h.log.Warn("email reply needs an operator", "message_id", id, "from", msg.From, "reason", reason)
		return h.st.AddReview(ctx, "email", id, msg.From, msg.Subject, reason, msg.Raw)
	}
	if in.Review {
		return review(in.Reason)
	}
	cmd := in.Command
	sid, err := h.st.SupplierIDOfNumber(ctx, cmd.SupplierOrderNumber)
	if errors.Is(err, store.ErrNotFound) {
		return review("no supplier order " + cmd.SupplierOrderNumber)
	}
	if err != nil {
		return err
	}
	sup, err := h.st.SupplierByID(ctx, sid)
	if err != nil {
		return err
	}
	if reason := inbound.CheckAuth(msg, h.auth); reason != "" {
		return review(reason)
	}
	if reason := inbound.CheckToken(msg, cmd.SupplierOrderNumber, sup.Code, h.keys); reason != "" {
		return review(reason)
	}
	if !registeredSender(sup, msg.From) {
		return review(fmt.Sprintf("sender %s is not registered for supplier %s", msg.From, sup.Code))
	}
	if cmd.Action == inbound.ActionLines {
		return h.applyLines(ctx, sid, id, msg.From, cmd, review)
	}
	if cmd.Action == inbound.ActionAcceptCancellation || cmd.Action == inbound.ActionRefuseCancellation {
		return h.answerCancellation(ctx, sid, cmd, msg.From, id, review)
	}
	upd := pipeline.StatusUpdate{Action: string(cmd.Action), Note: cmd.Note, Actor: "email " + msg.From, Channel: "email",
		IdempotencyKey: "email:" + id}
	if cmd.Action == inbound.ActionShip {
		upd.Shipment = &store.Shipment{Carrier: cmd.Carrier, TrackingNumber: cmd.Tracking, TrackingURL: cmd.TrackingURL}
	}
	res, err := pipeline.ApplyStatus(ctx, h.st, h.q, sid, cmd.SupplierOrderNumber, upd)
	switch {
	case errors.Is(err, pipeline.ErrIllegalTransition), errors.Is(err, pipeline.ErrNoteRequired):
		return review(err.Error())
	case err != nil:
		return err
	}
	h.log.Info("email reply applied", "message_id", id, "supplier_order", cmd.SupplierOrderNumber, "action", cmd.Action,
		"applied", res.Applied, "reason", res.Reason)
	return nil
}

// applyLines applies a reply's per-line answers; a refusal (a bad line, a
// final order) goes to the review queue with the reason.
func (h *replyHandler) applyLines(ctx context.Context, sid int64, id, from string, cmd inbound.Command, review func(string) error) error {
	upd := pipeline.LineUpdate{Note: cmd.Note, Actor: "email " + from, Channel: "email", IdempotencyKey: "email:" + id}
	for _, l := range cmd.Lines {
		upd.Answers = append(upd.Answers, pipeline.LineAnswer{Position: l.Position, Action: l.Action, Quantity: l.Quantity,
			ExpectedDate: l.ExpectedDate, ReasonCode: l.ReasonCode, Reason: l.Reason})
	}
	res, err := pipeline.ApplyLineAnswers(ctx, h.st, h.q, sid, cmd.SupplierOrderNumber, upd)
	switch {
	case errors.Is(err, pipeline.ErrIllegalTransition), errors.Is(err, pipeline.ErrLineAnswer):
		return review(err.Error())
	case err != nil:
		return err
	}
	h.log.Info("email reply applied", "message_id", id, "supplier_order", cmd.SupplierOrderNumber, "action", cmd.Action,
		"lines", len(cmd.Lines), "applied", res.Applied, "reason", res.Reason)
	return nil
}

// registeredSender reports whether from is the supplier's address or one
// its email channels send to.
func registeredSender(sup *domain.Supplier, from string) bool {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return false
	}
	known := []string{sup.Email}
	for _, ch := range sup.Channels {
		if ch.Type != domain.ChannelEmail {
			continue
		}
		var s struct {
			To []string `json:"to"`
		}
		_ = json.Unmarshal(ch.Settings, &s)
		known = append(known, s.To...)
	}
	for _, k := range known {
		if ka, err := mail.ParseAddress(k); err == nil && strings.EqualFold(ka.Address, addr.Address) {
			return true
		}
	}
	return false
}

// replyKeySecret names the key of reply tokens in the store, shared by all
// replicas like the SFTP host key; replyKeyPreviousSecret is the key it
// replaced, still accepted in replies.
const (
	replyKeySecret         = "email_reply_key"
	replyKeyPreviousSecret = "email_reply_key.previous"
)

// ReplyKeys returns the keys of reply tokens, generating the current one on
// first use.
func ReplyKeys(ctx context.Context, st *store.Store) (email.ReplyKeys, error) {
	cur, err := st.SharedSecret(ctx, replyKeySecret, newReplyKey)
	if err != nil {
		return email.ReplyKeys{}, err
	}
	keys := email.ReplyKeys{Current: cur}
	prev, err := st.Secret(ctx, replyKeyPreviousSecret)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return email.ReplyKeys{}, err
	default:
		keys.Previous = [][]byte{prev}
	}
	return keys, nil
}

// RotateReplyKey makes a new current reply key and keeps the current one as
// the previous key, so replies to emails already sent still verify. The
// key before that is dropped. Replicas pick the new key up when they
// restart; until then they sign with the old one, which stays valid.
func RotateReplyKey(ctx context.Context, st *store.Store) error {
	if _, err := ReplyKeys(ctx, st); err != nil {
		return err
	}
	return st.RotateSecret(ctx, replyKeySecret, replyKeyPreviousSecret, newReplyKey)
}

func newReplyKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

package inbound

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/email"
)

// Action is what a supplier's reply asks to do to its supplier order.
type Action string

// Actions, one per command word (see the package documentation).
const (
	ActionAcknowledge Action = "acknowledge"
	ActionShip        Action = "ship"
	ActionDeliver     Action = "deliver"
	ActionCancel      Action = "cancel"
	ActionReject      Action = "reject"
	ActionBackorder   Action = "backorder"
	ActionNote        Action = "note"
)

// MatchSource says how a reply was matched to its supplier order.
type MatchSource string

// Match sources, most reliable first.
const (
	MatchInReplyTo  MatchSource = "in-reply-to"
	MatchReferences MatchSource = "references"
	MatchSubject    MatchSource = "subject"
)

// Command is one supplier command read from a reply.
type Command struct {
	// Action is empty unless the Interpretation is clear (Review false).
	Action Action
	// SupplierOrderNumber is set whenever the reply matched a supplier
	// order, even when it needs review, so the review queue can show it.
	SupplierOrderNumber string
	// Carrier, Tracking and TrackingURL (http or https, optional) are set
	// for ActionShip.
	Carrier, Tracking, TrackingURL string
	// Note is the text of cancel, reject, note and backorder (optional for
	// backorder), including the lines below the command line; for
	// ActionLines, the text below the line answers.
	Note string
	// Lines are the answers of ActionLines, in the order written.
	Lines []LineAnswer
}

// Interpretation is what a reply means. Either Review is false and Command
// is a complete command on a matched supplier order, or Review is true and
// Reason says, for a human, why the reply was not understood.
type Interpretation struct {
	Review    bool
	Reason    string
	Command   Command
	MatchedBy MatchSource // empty when no supplier order matched
}

// subjectNumberRe finds supplier order numbers ("22-31") in a subject.
var subjectNumberRe = regexp.MustCompile(`\b\d+-[A-Za-z0-9_-]+\b`)

// Interpret matches a parsed reply to its supplier order, using the
// Message-IDs written for domain, and reads its command. It never guesses:
// anything ambiguous comes back with Review set.
func Interpret(p Parsed, domain string) Interpretation {
	var in Interpretation
	number, by, reason := matchOrder(p, domain)
	if reason != "" {
		return review(in, reason)
	}
	in.Command.SupplierOrderNumber, in.MatchedBy = number, by
	if p.AutoSubmitted != "" && p.AutoSubmitted != "no" {
		// Out-of-office and other robots answer our mail too; their text
		// is not the supplier's decision even if it looks like a command.
		return review(in, fmt.Sprintf("automatic reply (Auto-Submitted: %s) about supplier order %s; commands are only read from mail written by a person", p.AutoSubmitted, number))
	}
	cmd, reason := parseCommand(freshLines(p.Body))
	if reason != "" {
		return review(in, reason+" (supplier order "+number+")")
	}
	cmd.SupplierOrderNumber = number
	in.Command = cmd
	return in
}

func review(in Interpretation, reason string) Interpretation {
	in.Review, in.Reason = true, reason
	in.Command = Command{SupplierOrderNumber: in.Command.SupplierOrderNumber}
	return in
}

// matchOrder finds the supplier order number a reply is about: by our
// Message-IDs in In-Reply-To, then References (newest first), and only when
// neither names one of our supplier order emails, by the subject. It returns
// a reason when there is no single answer.
func matchOrder(p Parsed, domain string) (number string, by MatchSource, reason string) {
	try := func(msgID string) (string, bool) {
		kind, id, ok := email.FindMessageID(msgID, domain)
		// Only supplier order emails ("order.created", "order.cancelled",
		// …) carry a supplier order number; an alert's id is not one.
		return id, ok && strings.HasPrefix(kind, "order.") && id != ""
	}
	if id, ok := try(p.InReplyTo); ok {
		return id, MatchInReplyTo, ""
	}
	for _, ref := range slices.Backward(p.References) {
		if id, ok := try(ref); ok {
			return id, MatchReferences, ""
		}
	}
	var candidates []string
	for _, c := range subjectNumberRe.FindAllString(p.Subject, -1) {
		if !slices.Contains(candidates, c) {
			candidates = append(candidates, c)
		}
	}
	switch len(candidates) {
	case 1:
		return candidates[0], MatchSubject, ""
	case 0:
		return "", "", fmt.Sprintf("no supplier order found: the mail does not reply to a supplier order email and its subject %q names no supplier order number", p.Subject)
	default:
		return "", "", fmt.Sprintf("several supplier order numbers in the subject (%s) and the mail does not reply to a supplier order email; which one is meant is unclear", strings.Join(candidates, ", "))
	}
}

package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ErrLineAnswer is wrapped by every refused line answer or package line
// (a *LinesError lists them); channels answer it as a field error (422).
var ErrLineAnswer = errors.New("invalid line answers")

// ErrOverShip is also matched by a *LinesError that refuses a package
// shipping more of a line than is left to ship.
var ErrOverShip = errors.New("over-shipping a line")

// LinesError lists every problem of a line update or package at once, each
// naming its field ("lines[1].quantity") and, in the message, the line.
type LinesError struct {
	Fields   []FieldError
	overShip bool
}

func (e *LinesError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "line answers refused: " + strings.Join(parts, "; ")
}

// Is matches ErrLineAnswer, and ErrOverShip for an over-shipped package.
func (e *LinesError) Is(target error) bool {
	return target == ErrLineAnswer || (target == ErrOverShip && e.overShip)
}

// DeriveLineStatus is a line's status from its quantities and the
// supplier's last answer for it (open, accepted, backordered or rejected):
//
//   - nothing left ordered (all cancelled): rejected when the supplier
//     rejected it, cancelled otherwise;
//   - everything still ordered has shipped: shipped;
//   - some of it shipped: partially_shipped;
//   - otherwise the answer: open, accepted or backordered.
func DeriveLineStatus(l domain.Line, answer string) string {
	switch {
	case l.Active() <= 0:
		if answer == domain.LineRejected {
			return domain.LineRejected
		}
		return domain.LineCancelled
	case l.ShippedQty >= l.Active():
		return domain.LineShipped
	case l.ShippedQty > 0:
		return domain.LinePartiallyShipped
	case answer == domain.LineAccepted || answer == domain.LineBackordered:
		return answer
	}
	return domain.LineOpen
}

// answerOf is the answer a line's status stands for, for re-deriving it
// after a quantity change that is not itself an answer.
func answerOf(l domain.Line) string {
	switch l.Status {
	case domain.LineAccepted, domain.LineBackordered, domain.LineRejected:
		return l.Status
	case domain.LineShipped, domain.LinePartiallyShipped:
		return domain.LineAccepted
	}
	return domain.LineOpen
}

// DeriveSupplierOrderStatus is the one rule that turns a supplier order's
// lines into its status (the table in docs/status.md). base is the status
// the whole-order state machine gives (the current status for a line
// answer); the first matching row wins:
//
//  1. no line has quantity left (all cancelled or rejected): rejected when
//     every line was rejected, otherwise cancelled;
//  2. base delivered: delivered; base awaiting_stock: awaiting_stock
//     (the supplier has not been sent it; cancelling some lines does not
//     release it, stock does);
//  3. every active line shipped in full: shipped;
//  4. some quantity shipped: partially_shipped;
//  5. an active line backordered: backordered;
//  6. some quantity cancelled or rejected: partially_cancelled;
//  7. every active line accepted: acknowledged;
//  8. otherwise (lines still unanswered): base when it is new, dispatched
//     or another state before any answer, else dispatched.
//
// Without lines it returns base.
func DeriveSupplierOrderStatus(base string, lines []domain.Line) string {
	if len(lines) == 0 {
		return base
	}
	var active []domain.Line
	rejected, cancelled, shipped := true, false, false
	for _, l := range lines {
		if l.Status != domain.LineRejected {
			rejected = false
		}
		if l.CancelledQty > 0 {
			cancelled = true
		}
		if l.ShippedQty > 0 {
			shipped = true
		}
		if l.Active() > 0 {
			active = append(active, l)
		}
	}
	every := func(f func(l domain.Line) bool) bool {
		for _, l := range active {
			if !f(l) {
				return false
			}
		}
		return true
	}
	switch {
	case len(active) == 0 && rejected:
		return domain.StatusRejected
	case len(active) == 0:
		return domain.StatusCancelled
	case base == domain.StatusDelivered:
		return domain.StatusDelivered
	case base == domain.StatusAwaitingStock:
		return domain.StatusAwaitingStock
	case every(func(l domain.Line) bool { return l.ShippedQty >= l.Active() }):
		return domain.StatusShipped
	case shipped:
		return domain.StatusPartiallyShipped
	case !every(func(l domain.Line) bool { return l.Status != domain.LineBackordered }):
		return domain.StatusBackordered
	case cancelled:
		return domain.StatusPartiallyCancelled
	case every(func(l domain.Line) bool { return l.Status == domain.LineAccepted }):
		return domain.StatusAcknowledged
	}
	switch base {
	case domain.StatusAcknowledged, domain.StatusBackordered, domain.StatusPartiallyCancelled,
		domain.StatusShipped, domain.StatusPartiallyShipped:
		return domain.StatusDispatched
	}
	return base
}

// linePlan applies answers to lines (in place) and returns the changes;
// problems are collected for every answer before anything is refused.
func linePlan(lines []domain.Line, answers []LineAnswer) ([]store.LineChange, error) {
	var fe []FieldError
	var changes []store.LineChange
	seen := map[int]bool{}
	for i, a := range answers {
		field := fmt.Sprintf("lines[%d]", i)
		idx := -1
		for j := range lines {
			if lines[j].Position == a.Position {
				idx = j
			}
		}
		switch {
		case a.Position <= 0:
			fe = append(fe, FieldError{Field: field + ".position", Message: "is required: the line's position (a whole number from 1)"})
			continue
		case idx < 0:
			fe = append(fe, FieldError{Field: field + ".position", Message: fmt.Sprintf("line %d is not in this supplier order (its lines are %s)", a.Position, positions(lines))})
			continue
		case seen[a.Position]:
			fe = append(fe, FieldError{Field: field + ".position", Message: fmt.Sprintf("line %d is answered twice", a.Position)})
			continue
		}
		seen[a.Position] = true
		c, f, msg := answerLine(&lines[idx], a)
		if msg != "" {
			if f != "" {
				field += "." + f
			}
			fe = append(fe, FieldError{Field: field, Message: msg})
			continue
		}
		if c != nil {
			changes = append(changes, *c)
		}
	}
	if len(fe) > 0 {
		return nil, &LinesError{Fields: fe}
	}
	return changes, nil
}

func positions(lines []domain.Line) string {
	ps := make([]string, len(lines))
	for i, l := range lines {
		ps[i] = fmt.Sprint(l.Position)
	}
	return strings.Join(ps, ", ")
}

// answerLine applies one answer to l. It returns the change (nil when
// the line already was so), or the field and message of a refusal.
func answerLine(l *domain.Line, a LineAnswer) (c *store.LineChange, field, problem string) {
	name := fmt.Sprintf("line %d (SKU %s)", l.Position, l.SKU)
	before := *l
	answer := answerOf(*l)
	if l.Active() <= 0 {
		return nil, "action", fmt.Sprintf("%s is %s: nothing is left to answer", name, l.Status)
	}
	switch a.Action {
	case LineAccept:
		if answer == domain.LineAccepted {
			return nil, "", ""
		}
		answer, l.AcceptedQty, l.ExpectedDate = domain.LineAccepted, l.Active(), ""
	case LineBackorder:
		if a.ExpectedDate.IsZero() {
			return nil, "expected_date", "is required for a backorder (YYYY-MM-DD)"
		}
		if l.Open() <= 0 {
			return nil, "action", fmt.Sprintf("%s has shipped in full: it cannot be backordered", name)
		}
		answer, l.AcceptedQty, l.ExpectedDate = domain.LineBackordered, l.Active(), a.ExpectedDate.Format("2006-01-02")
	case LineReject:
		if a.ReasonCode == "" && a.Reason == "" {
			return nil, "reason", "a reason code or text is required to reject a line"
		}
		if l.Open() <= 0 {
			return nil, "action", fmt.Sprintf("%s has shipped in full: nothing is left to reject", name)
		}
		l.CancelledQty += l.Open()
		answer = domain.LineRejected
	case LineChangeQuantity:
		switch n := a.Quantity; {
		case n <= 0:
			return nil, "quantity", "must be the new quantity, at least 1 (reject the line to ship none)"
		case n > l.Active():
			return nil, "quantity", fmt.Sprintf("%s: the quantity can only go down, from %d", name, l.Active())
		case n < l.ShippedQty:
			return nil, "quantity", fmt.Sprintf("%s: %d have shipped already", name, l.ShippedQty)
		case n == l.Active() && l.AcceptedQty == n:
			return nil, "", ""
		default:
			l.CancelledQty += l.Active() - n
			l.AcceptedQty = n
			if answer == domain.LineOpen {
				answer = domain.LineAccepted
			}
		}
	case LineCancel:
		n := a.Quantity
		if n == 0 {
			n = l.Open()
		}
		switch {
		case a.ReasonCode == "" && a.Reason == "":
			return nil, "reason", "a reason code or text is required to cancel a line"
		case l.Open() <= 0:
			return nil, "action", fmt.Sprintf("%s has shipped in full: nothing is left to cancel", name)
		case n < 0 || n > l.Open():
			return nil, "quantity", fmt.Sprintf("%s: cannot cancel %d, only %d left to ship", name, n, l.Open())
		}
		l.CancelledQty += n
		if l.AcceptedQty > l.Active() {
			l.AcceptedQty = l.Active()
		}
	default:
		return nil, "action", fmt.Sprintf("unknown action %q (want accept, backorder, reject, change_quantity or cancel)", a.Action)
	}
	if a.ReasonCode != "" || a.Reason != "" {
		l.ReasonCode, l.Reason = a.ReasonCode, a.Reason
	}
	l.Status = DeriveLineStatus(*l, answer)
	if l.Status == before.Status && l.CancelledQty == before.CancelledQty && l.ExpectedDate == before.ExpectedDate &&
		l.AcceptedQty == before.AcceptedQty {
		return nil, "", ""
	}
	return &store.LineChange{Position: l.Position, SKU: l.SKU, Action: a.Action, From: before.Status, To: l.Status,
		CancelledQty: l.CancelledQty - before.CancelledQty, ExpectedDate: l.ExpectedDate, ReasonCode: a.ReasonCode, Reason: a.Reason}, "", ""
}

// wholeOrderLines applies a whole-order action to every line (in place):
// acknowledge accepts, backorder backorders, cancel and reject cancel
// what is left to ship. It returns the lines it changed.
func wholeOrderLines(lines []domain.Line, action, note string) []store.LineChange {
	var out []store.LineChange
	for i := range lines {
		l := &lines[i]
		before := *l
		if l.Active() <= 0 {
			continue
		}
		answer := answerOf(*l)
		switch action {
		case ActAcknowledge:
			answer, l.AcceptedQty, l.ExpectedDate = domain.LineAccepted, l.Active(), ""
		case ActBackorder:
			if l.Open() > 0 {
				answer, l.AcceptedQty = domain.LineBackordered, l.Active()
			}
		case ActCancel, ActReject:
			if l.Open() <= 0 {
				continue
			}
			l.CancelledQty += l.Open()
			l.Reason = note
			if action == ActReject {
				answer = domain.LineRejected
			}
		default:
			continue
		}
		l.Status = DeriveLineStatus(*l, answer)
		if l.Status != before.Status || l.CancelledQty != before.CancelledQty {
			out = append(out, store.LineChange{Position: l.Position, SKU: l.SKU, Action: action, From: before.Status, To: l.Status,
				CancelledQty: l.CancelledQty - before.CancelledQty, Reason: l.Reason})
		}
	}
	return out
}

// PackageLine is one line of a package: which line (by position, or by
// SKU when no position is given) and how many units.
type PackageLine struct {
	Position int    `json:"position,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Quantity int    `json:"quantity"`
}

// shipLines adds a package's lines to lines (in place) and returns them
// resolved to positions. No lines means the package holds everything left
// to ship. More than a line has left to ship is refused, naming the line.
func shipLines(lines []domain.Line, pkg []PackageLine) ([]PackageLine, error) {
	if len(pkg) == 0 {
		var all []PackageLine
		for i := range lines {
			l := &lines[i]
			if n := l.Open(); n > 0 {
				all = append(all, PackageLine{Position: l.Position, SKU: l.SKU, Quantity: n})
				l.ShippedQty += n
				l.Status = DeriveLineStatus(*l, answerOf(*l))
			}
		}
		return all, nil
	}
	var fe []FieldError
	over := false
	out := make([]PackageLine, 0, len(pkg))
	for i, p := range pkg {
		field := fmt.Sprintf("lines[%d]", i)
		idx := -1
		for j := range lines {
			l := &lines[j]
			if (p.Position > 0 && l.Position == p.Position) || (p.Position == 0 && p.SKU != "" && l.SKU == p.SKU && (idx < 0 || lines[idx].Open() <= 0)) {
				idx = j
			}
		}
		switch {
		case p.Quantity <= 0:
			fe = append(fe, FieldError{Field: field + ".quantity", Message: "must be a whole number above 0"})
			continue
		case idx < 0 && p.Position > 0:
			fe = append(fe, FieldError{Field: field + ".position", Message: fmt.Sprintf("line %d is not in this supplier order (its lines are %s)", p.Position, positions(lines))})
			continue
		case idx < 0 && p.SKU != "":
			fe = append(fe, FieldError{Field: field + ".sku", Message: fmt.Sprintf("no line with SKU %s in this supplier order", p.SKU)})
			continue
		case idx < 0:
			fe = append(fe, FieldError{Field: field, Message: "needs the line's position or sku"})
			continue
		}
		l := &lines[idx]
		if p.SKU != "" && p.SKU != l.SKU {
			fe = append(fe, FieldError{Field: field + ".sku", Message: fmt.Sprintf("line %d is SKU %s, not %s", l.Position, l.SKU, p.SKU)})
			continue
		}
		if p.Quantity > l.Open() {
			over = true
			fe = append(fe, FieldError{Field: field + ".quantity", Message: fmt.Sprintf("line %d (SKU %s): cannot ship %d, only %d left to ship (ordered %d, shipped %d, cancelled %d)",
				l.Position, l.SKU, p.Quantity, l.Open(), l.Quantity, l.ShippedQty, l.CancelledQty)})
			continue
		}
		l.ShippedQty += p.Quantity
		l.Status = DeriveLineStatus(*l, answerOf(*l))
		out = append(out, PackageLine{Position: l.Position, SKU: l.SKU, Quantity: p.Quantity})
	}
	if len(fe) > 0 {
		return nil, &LinesError{Fields: fe, overShip: over}
	}
	return out, nil
}

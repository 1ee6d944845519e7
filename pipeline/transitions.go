package pipeline

import (
	"errors"
	"fmt"
	"slices"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Actions a supplier (or operator) can take on a supplier order.
const (
	ActAcknowledge = "acknowledge"
	ActBackorder   = "backorder"
	ActShip        = "ship"
	ActDeliver     = "deliver"
	ActCancel      = "cancel"
	ActReject      = "reject"
	ActNote        = "note"
	// ActAwaitStock parks a freshly ingested supplier order that stock
	// cannot fill; ActRelease takes it back to new when stock arrives.
	// Only the catalog does these, never a supplier.
	ActAwaitStock = "await_stock"
	ActRelease    = "release"
)

// ActionForStatus maps a target status ("shipped") to its action ("ship").
func ActionForStatus(status string) (string, bool) {
	a, ok := map[string]string{
		domain.StatusAcknowledged: ActAcknowledge, domain.StatusBackordered: ActBackorder,
		domain.StatusShipped: ActShip, domain.StatusDelivered: ActDeliver,
		domain.StatusCancelled: ActCancel, domain.StatusRejected: ActReject,
	}[status]
	return a, ok
}

// rule is where an action may start and where it leads.
type rule struct {
	from []string
	to   string
}

// rules is the state machine of whole-order actions. Once shipped the
// order can only gain packages or be delivered; cancelled and rejected are
// final; every state takes notes. A partially shipped order takes more
// packages (cancel what is left line by line); a partially cancelled one
// takes every action the acknowledged order takes. The status an applied
// action leads to is then derived from the lines
// (DeriveSupplierOrderStatus): a package of some lines is partially_shipped.
var rules = map[string]rule{
	ActAcknowledge: {[]string{domain.StatusNew, domain.StatusDispatched, domain.StatusBackordered, domain.StatusPartiallyCancelled}, domain.StatusAcknowledged},
	ActBackorder:   {[]string{domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusPartiallyCancelled}, domain.StatusBackordered},
	ActShip: {[]string{domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusBackordered, domain.StatusShipped,
		domain.StatusPartiallyShipped, domain.StatusPartiallyCancelled}, domain.StatusShipped},
	ActDeliver: {[]string{domain.StatusShipped}, domain.StatusDelivered},
	ActCancel: {[]string{domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusBackordered, domain.StatusPartiallyCancelled,
		domain.StatusAwaitingStock}, domain.StatusCancelled},
	ActReject: {[]string{domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusBackordered, domain.StatusPartiallyCancelled,
		domain.StatusAwaitingStock}, domain.StatusRejected},
	ActAwaitStock: {[]string{domain.StatusNew}, domain.StatusAwaitingStock},
	ActRelease:    {[]string{domain.StatusAwaitingStock}, domain.StatusNew},
}

// rank orders the forward path; a move to a lower rank is "backwards".
var rank = map[string]int{
	domain.StatusAwaitingStock: 0, domain.StatusNew: 0, domain.StatusDispatched: 1, domain.StatusAcknowledged: 2, domain.StatusBackordered: 2,
	domain.StatusPartiallyCancelled: 2, domain.StatusPartiallyShipped: 3, domain.StatusShipped: 3, domain.StatusDelivered: 4,
}

// ErrIllegalTransition is wrapped by Transition's refusals.
var ErrIllegalTransition = errors.New("illegal transition")

// Outcome kinds of Transition besides a move.
const (
	// Unchanged: the order already is where the action leads (a repeat).
	Unchanged = "unchanged"
	// Backwards: the update would move the order back (delivered →
	// shipped); it is recorded and ignored, never applied.
	Backwards = "backwards"
)

// Transition returns the status action leads to from current, or
// Unchanged/Backwards, or an error naming the current state.
func Transition(current, action string) (to string, outcome string, err error) {
	if action == ActNote {
		return current, Unchanged, nil
	}
	r, ok := rules[action]
	if !ok {
		return "", "", fmt.Errorf("unknown action %q", action)
	}
	if current == r.to && action != ActShip {
		return current, Unchanged, nil
	}
	if slices.Contains(r.from, current) {
		return r.to, "", nil
	}
	if cr, ok := rank[current]; ok {
		if tr, ok := rank[r.to]; ok && tr < cr {
			return current, Backwards, nil
		}
	}
	return "", "", fmt.Errorf("%w: cannot %s a supplier order that is %s", ErrIllegalTransition, action, current)
}

// DeriveOrderStatus is the retailer's order status from its supplier
// orders (see the table in docs/status.md).
func DeriveOrderStatus(statuses []string) string {
	var active []string
	for _, s := range statuses {
		if s != domain.StatusCancelled && s != domain.StatusRejected {
			active = append(active, s)
		}
	}
	all := func(set ...string) bool {
		for _, s := range active {
			if !slices.Contains(set, s) {
				return false
			}
		}
		return true
	}
	any := func(set ...string) bool {
		return slices.ContainsFunc(active, func(s string) bool { return slices.Contains(set, s) })
	}
	switch {
	case len(active) == 0:
		return domain.StatusCancelled
	case all(domain.StatusDelivered):
		return domain.StatusDelivered
	case all(domain.StatusShipped, domain.StatusDelivered):
		return domain.StatusShipped
	case any(domain.StatusShipped, domain.StatusDelivered, domain.StatusPartiallyShipped):
		return domain.StatusPartiallyShipped
	case any(domain.StatusAwaitingStock):
		// Part of the order waits for stock: the retailer sees that first.
		return domain.StatusAwaitingStock
	case any(domain.StatusBackordered):
		return domain.StatusBackordered
	case any(domain.StatusPartiallyCancelled) && all(domain.StatusPartiallyCancelled, domain.StatusAcknowledged):
		return domain.StatusPartiallyCancelled
	case all(domain.StatusAcknowledged):
		return domain.StatusAcknowledged
	case all(domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusPartiallyCancelled):
		return domain.StatusDispatched
	}
	return domain.StatusNew
}

package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Line answers a supplier (or, for LineCancel, an accepted cancellation
// request) gives for one line of a supplier order: the codes of an EDI 855.
const (
	LineAccept    = "accept"
	LineBackorder = "backorder"
	LineReject    = "reject"
	// LineChangeQuantity ships fewer than ordered: Quantity is the new,
	// lower quantity; the rest of the line is cancelled.
	LineChangeQuantity = "change_quantity"
	// LineCancel cancels a line (or Quantity units of it) at the
	// retailer's request.
	LineCancel = "cancel"
)

// LineAnswer is the answer for one line, named by its position (1-based,
// as in the supplier order's lines).
type LineAnswer struct {
	Position int
	Action   string
	// Quantity: for LineChangeQuantity the new quantity; for LineCancel
	// the units to cancel (0 means the whole rest of the line).
	Quantity int
	// ExpectedDate is when a backordered line is expected to ship.
	ExpectedDate time.Time
	// ReasonCode and Reason explain a rejection, cancellation or change.
	ReasonCode, Reason string
}

// LineUpdate is one set of line answers applied together.
type LineUpdate struct {
	Answers []LineAnswer
	Note    string
	// OccurredAt, Actor, Channel, IdempotencyKey and ByRetailer mean what
	// they mean in StatusUpdate.
	OccurredAt     time.Time
	Actor, Channel string
	IdempotencyKey string
	ByRetailer     bool
}

// ErrLinesNotImplemented is returned until line answers are built.
var ErrLinesNotImplemented = errors.New("line answers are not implemented yet")

// ApplyLineAnswers applies upd to a supplier's supplier order in one
// transaction, like ApplyStatus: line states, the derived supplier order
// and order status, the ledger, the history and the retailer's
// notifications are written together. A repeat with the same
// IdempotencyKey returns the first result.
func ApplyLineAnswers(ctx context.Context, st *store.Store, q jobs.Queue, supplierID int64, number string, upd LineUpdate) (*StatusResult, error) {
	return nil, ErrLinesNotImplemented
}

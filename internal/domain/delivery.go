package domain

import "time"

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // failed at least once, will retry
	DeliveryDead      = "dead"   // retries exhausted; an operator may replay
)

// Delivery events.
const (
	EventOrderCreated   = "order.created"
	EventOrderCancelled = "order.cancelled"
	// EventOrderLinesCancelled tells a supplier that the retailer cancelled
	// some lines or units of an order it goes on shipping the rest of.
	EventOrderLinesCancelled = "order.lines_cancelled"
)

// Delivery is one thing owed to one channel: an event about a supplier order.
// Its ID is stable across retries and replays, so receivers can deduplicate.
type Delivery struct {
	ID              int64
	SupplierOrderID int64
	SupplierID      int64
	Channel         string
	Kind            string
	Event           string
	Status          string
	Attempts        int
	LastError       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeliveredAt     *time.Time
	// SupplierOrderNumber and SupplierCode are read along for display.
	SupplierOrderNumber string
	SupplierCode        string
	// WakeGen counts the wake-ups of a delivery waiting for an earlier
	// one; only the dispatch job carrying the current value may attempt it.
	WakeGen int64
	// Snapshot is the supplier order as the event saw it (JSON), written
	// with a new delivery; it is not read back with the delivery (see
	// store.DeliveryForDispatch).
	Snapshot []byte
}

// Attempt outcomes.
const (
	OutcomeOK        = "ok"
	OutcomeError     = "error"
	OutcomeThrottled = "throttled"
)

// Attempt records one try at a delivery with the remote answer.
type Attempt struct {
	ID         int64
	DeliveryID int64
	Number     int
	StartedAt  time.Time
	Duration   time.Duration
	Outcome    string
	StatusCode int
	Error      string
	Response   string
}

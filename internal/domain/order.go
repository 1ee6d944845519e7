package domain

import "time"

// Customer types (seed 000): a person or an organisation.
const (
	CustomerB2C = "b2c"
	CustomerB2B = "b2b"
)

// Customer is who bought; Company is set for B2B customers.
type Customer struct {
	Type    string `json:"type,omitempty"`
	Name    string `json:"name"`
	Company string `json:"company,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Address is a delivery address; Country is an ISO 3166-1 alpha-2 code.
type Address struct {
	Name       string `json:"name"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Line is one item of an order. Total is Quantity*UnitPrice - Discount.
type Line struct {
	ID        int64             `json:"id,omitempty"`
	Position  int               `json:"position"`
	SKU       string            `json:"sku"`
	Supplier  string            `json:"supplier"`
	Name      string            `json:"name"`
	Options   map[string]string `json:"options,omitempty"`
	Quantity  int               `json:"quantity"`
	UnitPrice Money             `json:"unit_price"`
	Discount  Money             `json:"discount,omitempty"`
	Total     Money             `json:"total"`
	// CatalogFlag says why the line was accepted although the supplier's
	// catalog disagrees (warn mode): unknown_sku, not_for_sale,
	// price_mismatch.
	CatalogFlag string `json:"catalog_flag,omitempty"`
	// The line's own state (migration 0020): what the supplier answered
	// for it and how much of it shipped or was cancelled. Quantity stays
	// what was ordered; the line still to ship is Quantity − CancelledQty −
	// ShippedQty.
	Status       string `json:"status,omitempty"`
	AcceptedQty  int    `json:"accepted_quantity,omitempty"`
	CancelledQty int    `json:"cancelled_quantity,omitempty"`
	ShippedQty   int    `json:"shipped_quantity,omitempty"`
	// ExpectedDate is when a backordered line should ship: YYYY-MM-DD.
	ExpectedDate string `json:"expected_date,omitempty"`
	// ReasonCode and Reason explain a rejection, cancellation or change.
	ReasonCode string `json:"reason_code,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Line statuses: open until answered; shipped and partially_shipped come
// from packages; cancelled and rejected once no quantity is left to ship
// or cancel (see pipeline.DeriveLineStatus).
const (
	LineOpen             = "open"
	LineAccepted         = "accepted"
	LineBackordered      = "backordered"
	LinePartiallyShipped = "partially_shipped"
	LineShipped          = "shipped"
	LineCancelled        = "cancelled"
	LineRejected         = "rejected"
)

// Active is the quantity still ordered: what was not cancelled or rejected.
func (l *Line) Active() int { return l.Quantity - l.CancelledQty }

// Open is the quantity still to ship.
func (l *Line) Open() int { return l.Quantity - l.CancelledQty - l.ShippedQty }

// OrderHeader is the part of a retailer's order that every supplier order
// repeats, so a supplier order can be rendered on its own.
type OrderHeader struct {
	Number          string    `json:"order_number"`
	ExternalID      string    `json:"external_id"`
	Retailer        string    `json:"retailer"`
	PlacedAt        time.Time `json:"placed_at"`
	Currency        string    `json:"currency"`
	Customer        Customer  `json:"customer"`
	ShippingAddress Address   `json:"shipping_address"`
	Notes           string    `json:"notes,omitempty"`
}

// Order is what a retailer sent, with the supplier orders it was split into.
type Order struct {
	ID         int64           `json:"-"`
	RetailerID int64           `json:"-"`
	Header     OrderHeader     `json:"-"`
	Status     string          `json:"status"`
	ItemTotal  Money           `json:"item_total"`
	Shipping   Money           `json:"shipping_total"`
	Total      Money           `json:"total"`
	Suppliers  []SupplierOrder `json:"supplier_orders"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	// RequestHash fingerprints the accepted request body so that a repeat
	// with the same external id can be told apart from a conflicting one.
	RequestHash string `json:"-"`
	// StatusToken opens the end customer's status page /o/{token}: 128
	// random bits, so it cannot be guessed.
	StatusToken string `json:"-"`
}

// Supplier order statuses. The full state machine arrives with status
// updates; ingest and dispatch use the first two.
const (
	StatusNew          = "new"
	StatusDispatched   = "dispatched"
	StatusAcknowledged = "acknowledged"
	StatusShipped      = "shipped"
	StatusDelivered    = "delivered"
	StatusCancelled    = "cancelled"
	StatusRejected     = "rejected"
	StatusBackordered  = "backordered"
	// Derived from the lines (pipeline.DeriveSupplierOrderStatus): some
	// quantity shipped but not all; some quantity cancelled or rejected
	// while the rest is still to ship.
	StatusPartiallyShipped   = "partially_shipped"
	StatusPartiallyCancelled = "partially_cancelled"
)

// SupplierOrder is the part of an order for one supplier, numbered like
// "22-31": the unit that is dispatched, tracked and cancelled.
type SupplierOrder struct {
	ID           int64       `json:"-"`
	OrderID      int64       `json:"-"`
	SupplierID   int64       `json:"-"`
	Number       string      `json:"number"`
	Supplier     string      `json:"supplier"`
	Status       string      `json:"status"`
	Lines        []Line      `json:"lines"`
	ItemTotal    Money       `json:"item_total"`
	Shipping     Money       `json:"shipping"`
	CommissionBP int         `json:"commission_rate_bp"`
	Commission   Money       `json:"commission"`
	Payout       Money       `json:"payout"`
	Version      int         `json:"version"`
	Order        OrderHeader `json:"order"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	// RetrievedAt is when the supplier took the order's file out of the
	// built-in SFTP server (nil until then). It is not part of an event
	// snapshot: deliveries render without it.
	RetrievedAt *time.Time `json:"retrieved_at,omitempty"`
}

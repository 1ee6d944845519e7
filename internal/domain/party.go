package domain

import "time"

// DefaultCommissionBP is the commission rate when a supplier sets none:
// 2.2 % (seed 003), in basis points.
const DefaultCommissionBP = 220

// Retailer sends orders and receives status updates and summaries.
type Retailer struct {
	ID       int64
	Code     string
	Name     string
	Email    string
	TimeZone string
	// StatusEmails opts in to an email for every status change; the
	// cancellation email is sent whatever this says.
	StatusEmails bool
	Channels     []Channel
	CreatedAt    time.Time
}

// Supplier fulfils supplier orders and receives them on its channels.
type Supplier struct {
	ID           int64
	Code         string
	Name         string
	Email        string
	CommissionBP int
	Channels     []Channel
	// Catalog says how ingest checks lines and stock against the
	// supplier's catalog.
	Catalog   CatalogSettings
	CreatedAt time.Time
}

// Channel kinds.
const (
	ChannelFile    = "file"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
	ChannelSFTP    = "sftp"
	ChannelFTP     = "ftp"
	ChannelAPI     = "api"
)

// Channel is one way a supplier receives its orders. Name is unique per
// supplier; Settings holds the kind-specific configuration as JSON so that
// new kinds need no schema change.
type Channel struct {
	Name     string `json:"name" yaml:"name"`
	Type     string `json:"type" yaml:"type"`
	Settings []byte `json:"settings,omitempty" yaml:"-"`
}

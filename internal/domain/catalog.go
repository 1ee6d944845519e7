package domain

import "time"

// StatusAwaitingStock is a supplier order that stock cannot fill yet: it
// is not dispatched until a catalog update raises the stock (the seed's
// "Awaiting Delivery").
const StatusAwaitingStock = "awaiting_stock"

// Catalog modes: how ingest uses a supplier's catalog.
const (
	// CatalogOff ignores the catalog (no checks, no stock).
	CatalogOff = "off"
	// CatalogWarn accepts lines the catalog disagrees with and flags them.
	CatalogWarn = "warn"
	// CatalogEnforce refuses unknown or not-for-sale SKUs (422).
	CatalogEnforce = "enforce"
)

// Price mismatch policies in enforce mode.
const (
	PriceRefuse = "refuse"
	PriceAccept = "accept"
)

// Catalog flags on a line accepted although the catalog disagrees.
const (
	FlagUnknownSKU    = "unknown_sku"
	FlagNotForSale    = "not_for_sale"
	FlagPriceMismatch = "price_mismatch"
)

// CatalogSettings is how ingest uses a supplier's catalog.
type CatalogSettings struct {
	Mode string
	// PriceMismatch is PriceRefuse or PriceAccept (enforce mode only).
	PriceMismatch string
	// Feed is where the catalog is polled on the supplier's own server.
	Feed CatalogFeed
}

// CatalogFeed is a catalog feed polled on the supplier's own SFTP or FTP
// server: files in Dir of channel Channel, moved to ArchiveDir once
// applied, on the cron schedule Poll. Dir empty: no polling.
type CatalogFeed struct {
	Channel    string `json:"channel,omitempty"`
	Dir        string `json:"dir,omitempty"`
	ArchiveDir string `json:"archive_dir,omitempty"`
	Poll       string `json:"poll,omitempty"`
}

// CatalogItem is one SKU of a supplier's catalog. Stock nil means not
// tracked (always available).
type CatalogItem struct {
	SKU         string    `json:"sku"`
	Name        string    `json:"name"`
	Price       Money     `json:"price"`
	Currency    string    `json:"currency"`
	ForSale     bool      `json:"for_sale"`
	Stock       *int      `json:"stock"`
	RestockDate string    `json:"restock_date,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Catalog limits.
const (
	// MaxCatalogItems bounds one bulk request or feed file.
	MaxCatalogItems = 10000
	maxStock        = 1_000_000_000
)

// CatalogItemRequest is one item as a supplier sends it (API body or a
// feed row). ForSale defaults to true; Stock null or absent means "not
// tracked".
type CatalogItemRequest struct {
	SKU         string       `json:"sku"`
	Name        string       `json:"name"`
	Price       domain.Money `json:"price"`
	Currency    string       `json:"currency"`
	ForSale     *bool        `json:"for_sale,omitempty"`
	Stock       *int         `json:"stock"`
	RestockDate string       `json:"restock_date,omitempty"`
}

// CatalogUpsertRequest is the body of a bulk upsert.
type CatalogUpsertRequest struct {
	Items []CatalogItemRequest `json:"items"`
}

// CatalogDeleteRequest is the body of a bulk delete.
type CatalogDeleteRequest struct {
	SKUs []string `json:"skus"`
}

// RequestHash fingerprints a decoded request body (for idempotency keys).
func RequestHash(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Item converts the request (checked with ValidateCatalogItem) to a catalog item.
func (r CatalogItemRequest) Item() domain.CatalogItem {
	forSale := r.ForSale == nil || *r.ForSale
	return domain.CatalogItem{SKU: r.SKU, Name: r.Name, Price: r.Price, Currency: r.Currency, ForSale: forSale,
		Stock: r.Stock, RestockDate: r.RestockDate}
}

// ValidateCatalogItem returns every problem of one item, each field named
// under prefix ("items[3]." for the API, "" for a feed row).
func ValidateCatalogItem(prefix string, r CatalogItemRequest) []FieldError {
	var fe []FieldError
	add := func(field, format string, a ...any) {
		fe = append(fe, FieldError{Field: prefix + field, Message: fmt.Sprintf(format, a...)})
	}
	switch {
	case strings.TrimSpace(r.SKU) == "":
		add("sku", "is required")
	case len(r.SKU) > 200:
		add("sku", "must be at most 200 bytes")
	case HasControl(r.SKU, false):
		add("sku", "must be one line without control characters")
	}
	switch {
	case strings.TrimSpace(r.Name) == "":
		add("name", "is required")
	case len(r.Name) > maxText:
		add("name", "must be at most %d bytes", maxText)
	case HasControl(r.Name, false):
		add("name", "must be one line without control characters")
	}
	if r.Price < 0 || r.Price > maxAmount {
		add("price", "must be between 0 and %d minor units", maxAmount)
	}
	if !isCurrency(r.Currency) {
		add("currency", "must be a three-letter ISO 4217 code such as EUR")
	}
	if r.Stock != nil && (*r.Stock < 0 || *r.Stock > maxStock) {
		add("stock", "must be between 0 and %d, or null for not tracked", maxStock)
	}
	if r.RestockDate != "" {
		if _, err := time.Parse(time.DateOnly, r.RestockDate); err != nil {
			add("restock_date", "must be a date such as 2026-12-24")
		}
	}
	return fe
}

// ValidateCatalogUpsert checks a bulk upsert: each item, and no SKU twice.
func ValidateCatalogUpsert(req *CatalogUpsertRequest) error {
	var fe []FieldError
	switch {
	case len(req.Items) == 0:
		fe = append(fe, FieldError{Field: "items", Message: "must hold at least one item"})
	case len(req.Items) > MaxCatalogItems:
		fe = append(fe, FieldError{Field: "items", Message: fmt.Sprintf("must hold at most %d items", MaxCatalogItems)})
	}
	seen := map[string]int{}
	for i, it := range req.Items {
		p := fmt.Sprintf("items[%d].", i)
		fe = append(fe, ValidateCatalogItem(p, it)...)
		if j, dup := seen[it.SKU]; dup && it.SKU != "" {
			fe = append(fe, FieldError{Field: p + "sku", Message: fmt.Sprintf("SKU %q is also items[%d]", it.SKU, j)})
		}
		seen[it.SKU] = i
	}
	if len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	return nil
}

// ValidateCatalogDelete checks a bulk delete.
func ValidateCatalogDelete(req *CatalogDeleteRequest) error {
	var fe []FieldError
	switch {
	case len(req.SKUs) == 0:
		fe = append(fe, FieldError{Field: "skus", Message: "must hold at least one SKU"})
	case len(req.SKUs) > MaxCatalogItems:
		fe = append(fe, FieldError{Field: "skus", Message: fmt.Sprintf("must hold at most %d SKUs", MaxCatalogItems)})
	}
	for i, sku := range req.SKUs {
		if strings.TrimSpace(sku) == "" || len(sku) > 200 || HasControl(sku, false) {
			fe = append(fe, FieldError{Field: fmt.Sprintf("skus[%d]", i), Message: "must be a SKU of 1-200 bytes on one line"})
		}
	}
	if len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	return nil
}

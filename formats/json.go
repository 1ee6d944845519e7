package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// jsonEncoder writes the supplier order as indented JSON using the domain
// type's own JSON tags, so the document is the one the API documents.
type jsonEncoder struct{}

// Encode writes so as indented JSON followed by a newline.
func (jsonEncoder) Encode(w io.Writer, so *domain.SupplierOrder) error {
	if so == nil {
		return errNilOrder
	}
	c := canonicalOrder(so)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Not an HTML context: "Müller & Söhne" should stay readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("formats: json: %w", err)
	}
	return writeAll(w, buf.Bytes())
}

// Extension returns "json".
func (jsonEncoder) Extension() string { return "json" }

// ContentType returns "application/json".
func (jsonEncoder) ContentType() string { return "application/json" }

// canonicalOrder returns a shallow copy with times in UTC and a non-nil
// line list. A supplier order loaded from the database may carry the
// session's zone; the instant is the same, but the bytes would not be.
func canonicalOrder(so *domain.SupplierOrder) *domain.SupplierOrder {
	c := *so
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	c.Order.PlacedAt = c.Order.PlacedAt.UTC()
	if c.Lines == nil {
		c.Lines = []domain.Line{}
	}
	return &c
}

package formats

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Canonical status field names, also the preferred CSV headers, JSON keys
// and XML element names.
const (
	fieldOrder       = "supplier_order_number"
	fieldStatus      = "status"
	fieldNote        = "note"
	fieldCarrier     = "carrier"
	fieldTracking    = "tracking_number"
	fieldTrackingURL = "tracking_url"
	fieldSKU         = "sku"
	fieldQuantity    = "quantity"
	fieldShippedAt   = "shipped_at"
	// Per-line answers: the line's position, a backorder's expected date
	// and a rejection's reason code (the note is the reason's text).
	fieldLine         = "line"
	fieldExpectedDate = "expected_date"
	fieldReasonCode   = "reason_code"
)

// statusField maps a column, key or element name to its canonical field.
// "order_number" is deliberately not an alias: in our own order files it is
// the retailer's order number, not the supplier order number.
func statusField(name string) (string, bool) {
	switch normalizeName(name) {
	case fieldOrder, "supplier_order", "supplier_order_no", "order":
		return fieldOrder, true
	case fieldStatus, "state":
		return fieldStatus, true
	case fieldNote, "notes", "comment", "message":
		return fieldNote, true
	case fieldCarrier, "shipping_carrier":
		return fieldCarrier, true
	case fieldTracking, "tracking", "tracking_no", "tracking_code":
		return fieldTracking, true
	case fieldTrackingURL, "tracking_link":
		return fieldTrackingURL, true
	case fieldSKU:
		return fieldSKU, true
	case fieldQuantity, "qty":
		return fieldQuantity, true
	case fieldShippedAt, "shipped_on", "ship_date", "shipped_date":
		return fieldShippedAt, true
	case fieldLine, "line_number", "line_no", "position":
		return fieldLine, true
	case fieldExpectedDate, "expected", "expected_ship_date", "backorder_date", "eta":
		return fieldExpectedDate, true
	case fieldReasonCode, "reason", "reject_reason":
		return fieldReasonCode, true
	}
	return "", false
}

// normalizeName folds case and treats spaces and dashes like underscores,
// so "Tracking Number" and "tracking-number" both match.
func normalizeName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// checkTrackingURL accepts only absolute http(s) URLs: the link is shown to
// retailers and customers, where a javascript: URL would be an attack.
func checkTrackingURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with http:// or https://")
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	return nil
}

// shippedAtLayouts are tried in order. Day-first and month-first slashed
// dates are both common and cannot be told apart, so neither is accepted.
func shippedAtLayouts() []string {
	return []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
		"02.01.2006 15:04",
		"02.01.2006",
	}
}

// parseShippedAt reads a date or time; zone-less values are in loc.
func parseShippedAt(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range shippedAtLayouts() {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (write e.g. 2026-03-14 or 2026-03-14T09:30:00Z)", s)
}

package formats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// StatusRow is one status update read from a supplier's file.
type StatusRow struct {
	// Row locates the update in the file: the line a CSV record starts on
	// (the header is line 1), or the 1-based position of a JSON object or
	// XML <update> element.
	Row                 int
	SupplierOrderNumber string
	// Status is one of the domain supplier order statuses a supplier may
	// set (acknowledged, shipped, delivered, cancelled, rejected,
	// backordered), lower-cased.
	Status         string
	Note           string
	Carrier        string
	TrackingNumber string
	// TrackingURL is empty or an absolute http(s) URL.
	TrackingURL string
	// SKU and Quantity, when set, restrict the update to part of the order.
	SKU      string
	Quantity int
	// ShippedAt is the zero time when the file gave none.
	ShippedAt time.Time
	// Line, when set, makes the row an answer for that line (its
	// position) rather than for the whole order: acknowledged accepts it,
	// backordered needs ExpectedDate, rejected (or cancelled) needs a
	// ReasonCode or a note, quantity_changed needs the new Quantity, and
	// shipped puts Quantity units of it (default all left) in a package.
	Line         int
	ExpectedDate time.Time
	ReasonCode   string
}

// StatusQuantityChanged is the status of a line row that lowers the line's
// quantity to Quantity (ships fewer); only line rows take it.
const StatusQuantityChanged = "quantity_changed"

// RowError is a row that was rejected while the rest of the file was read.
type RowError struct {
	// Row locates the record as StatusRow.Row does.
	Row int
	// Raw is the record as the supplier wrote it: the CSV fields, or for a
	// CSV line that could not be split, JSON and XML, one string holding
	// the record's text.
	Raw []string
	// Reason says what to fix, in words a supplier can act on.
	Reason string
}

// Error returns "row N: reason".
func (e RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Reason) }

// StatusFile is the result of decoding a status file.
type StatusFile struct {
	// Header is the CSV header as written, or ["record"] for JSON and XML;
	// WriteErrorsCSV uses it to head the rejected-rows file.
	Header []string
	Rows   []StatusRow
	Errors []RowError
}

// DecodeOptions limits what a decoder accepts. The zero value is usable.
type DecodeOptions struct {
	// MaxRows is the most records a file may hold; 0 means DefaultMaxRows.
	MaxRows int
	// MaxBytes is the largest file accepted; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Location interprets times written without a zone; nil means UTC.
	Location *time.Location
}

// Default decoding limits.
const (
	DefaultMaxRows  = 10_000
	DefaultMaxBytes = 16 << 20
)

// Decoding errors that reject a whole file; test with errors.Is.
var (
	ErrTooManyRows = errors.New("status file has too many rows")
	ErrTooLarge    = errors.New("status file is too large")
)

// Status file format names for DecodeStatus.
const (
	StatusFormatCSV  = "csv"
	StatusFormatJSON = "json"
	StatusFormatXML  = "xml"
)

// DecodeStatus decodes a status file in the named format ("csv", "json" or
// "xml").
func DecodeStatus(format string, r io.Reader, opts DecodeOptions) (*StatusFile, error) {
	switch format {
	case StatusFormatCSV:
		return DecodeStatusCSV(r, opts)
	case StatusFormatJSON:
		return DecodeStatusJSON(r, opts)
	case StatusFormatXML:
		return DecodeStatusXML(r, opts)
	}
	return nil, fmt.Errorf("formats: unknown status format %q (want csv, json or xml)", format)
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return o
}

// tooManyRows is the error for a file past MaxRows: all or nothing, so a
// supplier never has to work out which half of a file was applied.
func (o DecodeOptions) tooManyRows() error {
	return fmt.Errorf("formats: %w: more than %d rows; split the file", ErrTooManyRows, o.MaxRows)
}

// readLimited reads the whole file, refusing one over limit bytes. Files are
// read whole because the decoders slice raw records out of them.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("formats: reading status file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("formats: %w: over %d bytes", ErrTooLarge, limit)
	}
	return bytes.TrimPrefix(data, []byte(utf8BOM)), nil
}

// Maximum field lengths; generous, but a tracking number of a megabyte is
// an upload mistake, not data.
const (
	maxFieldLen = 512
	maxNoteLen  = 4000
)

// buildRow validates one record's recognised fields (canonical name →
// value) and reports every problem at once so a supplier can fix the row in
// one go.
func (o DecodeOptions) buildRow(row int, vals map[string]string) (StatusRow, string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// unreadable holds fields already reported, so a field that is present
	// but garbled is not also reported as missing.
	unreadable := map[string]bool{}
	get := func(field string) string {
		v := vals[field]
		limit := maxFieldLen
		if field == fieldNote {
			limit = maxNoteLen
		}
		switch {
		case !utf8.ValidString(v):
			bad("%s is not valid UTF-8 (save the file as UTF-8)", field)
		case hasControl(v, field == fieldNote):
			bad("%s contains control characters", field)
		case len(strings.TrimSpace(v)) > limit:
			bad("%s is longer than %d bytes", field, limit)
		default:
			return strings.TrimSpace(v)
		}
		unreadable[field] = true
		return ""
	}

	sr := StatusRow{
		Row:                 row,
		SupplierOrderNumber: get(fieldOrder),
		Note:                get(fieldNote),
		Carrier:             get(fieldCarrier),
		TrackingNumber:      get(fieldTracking),
		SKU:                 get(fieldSKU),
		ReasonCode:          get(fieldReasonCode),
	}
	if l := get(fieldLine); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			bad("line %q is not a line position (a whole number from 1)", l)
		} else {
			sr.Line = n
		}
	}
	if d := get(fieldExpectedDate); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, time.UTC)
		if err != nil {
			bad("%s %q is not a date (write e.g. 2026-12-20)", fieldExpectedDate, d)
		} else {
			sr.ExpectedDate = t
		}
	}
	if sr.SupplierOrderNumber == "" && !unreadable[fieldOrder] {
		bad("%s is required", fieldOrder)
	}

	switch st := get(fieldStatus); {
	case st == "" && !unreadable[fieldStatus]:
		bad("status is required (one of %s)", strings.Join(supplierStatuses(), ", "))
	case st != "":
		if s, ok := normalizeStatus(st); ok {
			sr.Status = s
		} else if s := normalizeName(st); sr.Line > 0 && (s == StatusQuantityChanged || s == "changed" || s == "change_quantity") {
			sr.Status = StatusQuantityChanged
		} else {
			bad("unknown status %q (want one of %s)", st, strings.Join(supplierStatuses(), ", "))
		}
	}

	if u := get(fieldTrackingURL); u != "" {
		if err := checkTrackingURL(u); err != nil {
			bad("%s: %v", fieldTrackingURL, err)
		} else {
			sr.TrackingURL = u
		}
	}

	if q := get(fieldQuantity); q != "" {
		n, err := strconv.Atoi(q)
		switch {
		case err != nil || n <= 0:
			bad("quantity %q is not a positive whole number", q)
		case sr.SKU == "" && sr.Line == 0:
			bad("quantity needs a sku or a line: it says how many of which item")
		default:
			sr.Quantity = n
		}
	}

	if s := get(fieldShippedAt); s != "" {
		t, err := parseShippedAt(s, o.Location)
		if err != nil {
			bad("%s: %v", fieldShippedAt, err)
		} else {
			sr.ShippedAt = t
		}
	}

	if sr.Line > 0 {
		switch sr.Status {
		case domain.StatusBackordered:
			if sr.ExpectedDate.IsZero() && !unreadable[fieldExpectedDate] && vals[fieldExpectedDate] == "" {
				bad("%s is required to backorder a line (e.g. 2026-12-20)", fieldExpectedDate)
			}
		case domain.StatusRejected, domain.StatusCancelled:
			if sr.ReasonCode == "" && sr.Note == "" {
				bad("%s or note is required to reject a line", fieldReasonCode)
			}
		case StatusQuantityChanged:
			if sr.Quantity == 0 && vals[fieldQuantity] == "" {
				bad("quantity is required: the line's new quantity")
			}
		case domain.StatusDelivered:
			bad("delivered is for the whole order: leave line empty")
		}
	} else if !sr.ExpectedDate.IsZero() {
		bad("%s goes with a backordered line: give the line", fieldExpectedDate)
	}

	if len(problems) > 0 {
		return StatusRow{}, strings.Join(problems, "; ")
	}
	return sr, ""
}

// hasControl rejects C0 controls and DEL: PostgreSQL text refuses NUL and
// the rest only hide data. Notes may keep tabs and line breaks.
func hasControl(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if multiline && (c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// supplierStatuses are the statuses a supplier may report; "new" and
// "dispatched" belong to the hub. (A row may also answer a cancellation
// request: see statuscancel.go.)
func supplierStatuses() []string {
	return []string{
		domain.StatusAcknowledged, domain.StatusShipped, domain.StatusDelivered,
		domain.StatusCancelled, domain.StatusRejected, domain.StatusBackordered,
	}
}

// normalizeStatus accepts case and spelling variants suppliers commonly
// send ("Canceled", "back-ordered").
func normalizeStatus(s string) (string, bool) {
	n := normalizeName(s)
	if c, ok := cancellationAnswerStatus(n); ok {
		return c, true
	}
	switch n {
	case "canceled":
		n = domain.StatusCancelled
	case "back_ordered", "backorder":
		n = domain.StatusBackordered
	case "accepted", "accept", "confirmed":
		n = domain.StatusAcknowledged
	}
	for _, st := range supplierStatuses() {
		if n == st {
			return st, true
		}
	}
	return "", false
}

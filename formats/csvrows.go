package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvTable is a delimited file read as far as its header: status files
// and catalog feeds share how a file is opened and how its records are
// walked, and differ only in what a header and a record mean.
type csvTable struct {
	what   string // "status csv", "catalog csv": the start of every message
	data   []byte
	cr     *csv.Reader
	header []string
}

// openCSV reads data's header record. The delimiter (',', ';' or tab) is
// taken from the header line; short and long records are left to each.
func openCSV(data []byte, what string) (*csvTable, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("formats: %s is empty: a header row is required", what)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffDelimiter(data)
	cr.FieldsPerRecord = -1 // a short or long row is that row's problem, not the file's
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("formats: %s header: %w", what, err)
	}
	return &csvTable{what: what, data: data, cr: cr, header: header}, nil
}

// each calls row with every record after the header that has as many
// fields as the header, with its line number. A record the CSV reader
// cannot parse, or with another number of fields, is added to errs (in
// file order, with the rows' own errors that row adds); blank records
// are skipped. More than o.MaxRows records refuse the whole file.
func (t *csvTable) each(o DecodeOptions, errs *[]RowError, row func(line int, rec []string)) error {
	records := 0
	for {
		start := t.cr.InputOffset()
		rec, err := t.cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if records++; records > o.MaxRows {
			return o.tooManyRows()
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("formats: %s: %w", t.what, err)
			}
			// The reader resumes on the next line, so only this record is lost.
			raw := strings.TrimRight(rawSlice(t.data, start, t.cr.InputOffset()), "\r\n")
			*errs = append(*errs, RowError{Row: pe.StartLine, Raw: []string{raw}, Reason: pe.Err.Error()})
			continue
		}
		line, _ := t.cr.FieldPos(0)
		if allBlank(rec) {
			continue // spreadsheets export empty rows as ",,,"
		}
		if len(rec) != len(t.header) {
			*errs = append(*errs, RowError{Row: line, Raw: rec,
				Reason: fmt.Sprintf("row has %d fields, the header has %d", len(rec), len(t.header))})
			continue
		}
		row(line, rec)
	}
}

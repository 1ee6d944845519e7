package formats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeStatusCSV reads a CSV status file. The first record is a header;
// its names are matched case-insensitively with aliases (order,
// supplier_order_number; tracking, tracking_number; qty, quantity; …) and
// unknown columns are ignored. The delimiter (',', ';' or tab) is taken
// from the header line. A UTF-8 BOM is skipped and UTF-16 with a BOM (Excel's
// "Unicode text") is converted. A file without a header, or without
// supplier order number and status columns, is an error; a bad record is a
// RowError.
func DecodeStatusCSV(r io.Reader, opts DecodeOptions) (*StatusFile, error) {
	o := opts.withDefaults()
	data, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	if data, err = fromUTF16(data); err != nil {
		return nil, err
	}
	t, err := openCSV(data, "status csv")
	if err != nil {
		return nil, err
	}
	fields, err := mapHeader(t.header)
	if err != nil {
		return nil, err
	}
	file := &StatusFile{Header: t.header}
	err = t.each(o, &file.Errors, func(line int, rec []string) {
		vals := make(map[string]string, len(fields))
		for i, f := range fields {
			if f != "" {
				vals[f] = rec[i]
			}
		}
		row, reason := o.buildRow(line, vals)
		if reason != "" {
			file.Errors = append(file.Errors, RowError{Row: line, Raw: rec, Reason: reason})
			return
		}
		file.Rows = append(file.Rows, row)
	})
	if err != nil {
		return nil, err
	}
	return file, nil
}

// mapHeader returns the canonical field of each column ("" for columns we
// do not read) and refuses headers that would make rows ambiguous.
func mapHeader(header []string) ([]string, error) {
	fields := make([]string, len(header))
	seen := map[string]string{}
	for i, h := range header {
		f, ok := statusField(h)
		if !ok {
			continue
		}
		if prev, dup := seen[f]; dup {
			return nil, fmt.Errorf("formats: status csv header: columns %q and %q both mean %s", prev, h, f)
		}
		seen[f] = h
		fields[i] = f
	}
	for _, req := range []string{fieldOrder, fieldStatus} {
		if _, ok := seen[req]; !ok {
			return nil, fmt.Errorf("formats: status csv header has no %s column (header: %q)", req, header)
		}
	}
	return fields, nil
}

// sniffDelimiter picks the most frequent of ',', ';' and tab outside quotes
// on the header line; ties go to ',' (then ';').
func sniffDelimiter(data []byte) rune {
	counts := map[byte]int{}
	inQuotes := false
	for _, c := range data {
		if c == '"' {
			inQuotes = !inQuotes
		}
		if inQuotes {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

func allBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// fromUTF16 converts UTF-16 text with a byte order mark to UTF-8 and leaves
// anything else alone.
func fromUTF16(data []byte) ([]byte, error) {
	var big bool
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		big = true
	default:
		return data, nil
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return nil, errors.New("formats: status csv: UTF-16 file has an odd number of bytes")
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		if big {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	out := make([]byte, 0, len(data))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

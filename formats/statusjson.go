package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// DecodeStatusJSON reads a JSON status file: an array of update objects, or
// an object whose "updates" key holds that array. Keys are matched like CSV
// headers; values are strings or numbers (null is empty). Each object's
// Row is its 1-based position in the array. Malformed JSON is an error; an
// element that is not a usable object is a RowError.
func DecodeStatusJSON(r io.Reader, opts DecodeOptions) (*StatusFile, error) {
	o := opts.withDefaults()
	data, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	wrapped, err := openUpdatesArray(dec)
	if err != nil {
		return nil, err
	}

	file := &StatusFile{Header: []string{"record"}}
	n := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("formats: status json: %w", err)
		}
		if n++; n > o.MaxRows {
			return nil, o.tooManyRows()
		}
		row, reason := o.jsonRow(n, raw)
		if reason != "" {
			file.Errors = append(file.Errors, RowError{Row: n, Raw: []string{compactJSON(raw)}, Reason: reason})
			continue
		}
		file.Rows = append(file.Rows, row)
	}
	if err := closeUpdatesArray(dec, wrapped); err != nil {
		return nil, err
	}
	return file, nil
}

// openUpdatesArray advances dec into the update array, whichever of the
// two accepted shapes the document has, and reports whether it was wrapped
// in an object. The array is streamed rather than decoded whole so that
// MaxRows bounds memory, not just the result.
func openUpdatesArray(dec *json.Decoder) (wrapped bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, fmt.Errorf("formats: status json: %w", jsonEOF(err))
	}
	switch tok {
	case json.Delim('['):
		return false, nil
	case json.Delim('{'):
	default:
		return false, errors.New(`formats: status json: want an array of updates or {"updates": [...]}`)
	}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return true, fmt.Errorf("formats: status json: %w", jsonEOF(err))
		}
		if key, _ := keyTok.(string); strings.EqualFold(key, "updates") {
			tok, err := dec.Token()
			if err != nil {
				return true, fmt.Errorf("formats: status json: %w", jsonEOF(err))
			}
			if tok != json.Delim('[') {
				return true, errors.New(`formats: status json: "updates" must be an array`)
			}
			return true, nil
		}
		if err := skipJSONValue(dec); err != nil {
			return true, err
		}
	}
	return true, errors.New(`formats: status json: object has no "updates" array`)
}

// closeUpdatesArray consumes the rest of the document and refuses trailing
// data, which would mean the file is not the document we think it is.
func closeUpdatesArray(dec *json.Decoder, wrapped bool) error {
	if _, err := dec.Token(); err != nil { // the array's ']'
		return fmt.Errorf("formats: status json: %w", jsonEOF(err))
	}
	if wrapped {
		for dec.More() {
			if _, err := dec.Token(); err != nil { // a key after "updates"
				return fmt.Errorf("formats: status json: %w", jsonEOF(err))
			}
			if err := skipJSONValue(dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the object's '}'
			return fmt.Errorf("formats: status json: %w", jsonEOF(err))
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("formats: status json: unexpected data after the updates")
	}
	return nil
}

// skipJSONValue skips the value of a key we do not read (a supplier's own
// metadata), which is ignored rather than refused.
func skipJSONValue(dec *json.Decoder) error {
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return fmt.Errorf("formats: status json: %w", jsonEOF(err))
	}
	return nil
}

// jsonEOF makes a premature end read as truncation rather than "EOF".
func jsonEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// jsonRow turns one array element into a row, or says why it cannot.
func (o DecodeOptions) jsonRow(n int, raw json.RawMessage) (StatusRow, string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return StatusRow{}, "not an object"
	}
	vals := map[string]string{}
	seen := map[string]string{}
	// Sorted so that which duplicate or bad key is reported does not
	// depend on map order.
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		v := obj[key]
		f, ok := statusField(key)
		if !ok {
			continue
		}
		if prev, dup := seen[f]; dup {
			return StatusRow{}, fmt.Sprintf("keys %q and %q both mean %s", prev, key, f)
		}
		seen[f] = key
		s, err := jsonScalar(v)
		if err != nil {
			return StatusRow{}, fmt.Sprintf("%s: %v", key, err)
		}
		vals[f] = s
	}
	return o.buildRow(n, vals)
}

// jsonScalar returns a string's value or a number's literal text; numbers
// are accepted because spreadsheets-turned-JSON often write 2231 or 3.
func jsonScalar(v json.RawMessage) (string, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return "", err
	}
	switch t := x.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	}
	return "", errors.New("must be a string or a number")
}

// compactJSON shortens a raw element for the rejected-rows file.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

package formats

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeStatusXML reads an XML status file of this layout:
//
//	<status_updates>
//	  <update>
//	    <supplier_order_number>22-31</supplier_order_number>
//	    <status>shipped</status>
//	    <carrier>DHL</carrier>
//	    <tracking_number>00340434</tracking_number>
//	  </update>
//	</status_updates>
//
// The root element may have any name. Fields are child elements or
// attributes of <update>, named like CSV headers (aliases included). Each
// <update>'s Row is its 1-based position. XML that does not parse is an
// error (it cannot be resynchronised); a bad <update> is a RowError. Only UTF-8
// (and ASCII) documents are read; DTDs are ignored and entities
// are never expanded.
func DecodeStatusXML(r io.Reader, opts DecodeOptions) (*StatusFile, error) {
	o := opts.withDefaults()
	data, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	root, err := nextStart(dec)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("formats: status xml: no root element")
		}
		return nil, err
	}

	file := &StatusFile{Header: []string{"record"}}
	n := 0
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, xmlErr(err)
		}
		if _, ok := tok.(xml.EndElement); ok {
			break // the root closed; strict decoding guarantees it is the root
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue // white space, comments, processing instructions
		}
		if n++; n > o.MaxRows {
			return nil, o.tooManyRows()
		}
		vals, reason, err := readUpdate(dec, el)
		if err != nil {
			return nil, err
		}
		raw := rawSlice(data, start, dec.InputOffset())
		if reason == "" {
			var row StatusRow
			if row, reason = o.buildRow(n, vals); reason == "" {
				file.Rows = append(file.Rows, row)
				continue
			}
		}
		file.Errors = append(file.Errors, RowError{Row: n, Raw: []string{raw}, Reason: reason})
	}
	if _, err := nextStart(dec); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("formats: status xml: a second root element after <%s>", root.Name.Local)
	}
	return file, nil
}

// rawSlice is the record's text, or empty if the offsets are not usable.
func rawSlice(data []byte, start, end int64) string {
	if start < 0 || end < start || end > int64(len(data)) {
		return ""
	}
	return string(data[start:end])
}

// nextStart returns the next start element, skipping the prolog.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.StartElement{}, io.EOF
			}
			return xml.StartElement{}, xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, errors.New("formats: status xml: text outside the root element")
			}
		}
	}
}

// readUpdate reads one child of the root up to its end tag. A problem with
// the update's content is a reason (the row is rejected); only malformed
// XML is an error.
func readUpdate(dec *xml.Decoder, el xml.StartElement) (vals map[string]string, reason string, err error) {
	var problems []string
	if el.Name.Local != "update" {
		problems = append(problems, fmt.Sprintf("unexpected element <%s>, want <update>", el.Name.Local))
	}
	vals = map[string]string{}
	seen := map[string]string{}
	set := func(name, value string) {
		f, ok := statusField(name)
		if !ok {
			return
		}
		if prev, dup := seen[f]; dup {
			problems = append(problems, fmt.Sprintf("%q and %q both mean %s", prev, name, f))
			return
		}
		seen[f] = name
		vals[f] = value
	}
	for _, a := range el.Attr {
		set(a.Name.Local, a.Value)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, "", xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return vals, strings.Join(problems, "; "), nil
		case xml.StartElement:
			text, nested, err := readField(dec)
			if err != nil {
				return nil, "", err
			}
			if nested {
				if _, ok := statusField(t.Name.Local); ok {
					problems = append(problems, fmt.Sprintf("<%s> must hold text, not elements", t.Name.Local))
				}
				continue
			}
			set(t.Name.Local, text)
		}
	}
}

// readField reads a field element's text up to its end tag. Nested
// elements are skipped with a depth counter rather than Decoder.Skip, whose
// recursion a deeply nested upload could drive very deep.
func readField(dec *xml.Decoder) (text string, nested bool, err error) {
	var b strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false, xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			nested = true
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nested, nil
			}
			depth--
		case xml.CharData:
			if depth == 0 {
				b.Write(t)
			}
		}
	}
}

// xmlCharsetReader lets documents declare ASCII, which is UTF-8 already.
// Converting other charsets would shift InputOffset away from the bytes we
// slice raw records from, so they are refused with a clear error instead.
func xmlCharsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported; save the file as UTF-8", charset)
}

// xmlErr makes a premature end read as truncation and prefixes the package.
func xmlErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("formats: status xml: %w", err)
}

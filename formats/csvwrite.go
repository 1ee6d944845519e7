package formats

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvWriter writes RFC 4180 records. It exists instead of encoding/csv
// because that writer cannot quote every field, and with UseCRLF it rewrites
// line breaks inside quoted values (dropping a lone CR), which would change
// the customer's text.
type csvWriter struct {
	buf      *bytes.Buffer
	delim    rune
	quoteAll bool
	eol      string
}

// writeRecord writes one record followed by the line ending.
func (w *csvWriter) writeRecord(fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.buf.WriteRune(w.delim)
		}
		// A record of one empty field would be a blank line, which readers
		// skip; quoting keeps the row.
		if w.quoteAll || w.needsQuotes(f) || (len(fields) == 1 && f == "") {
			w.buf.WriteByte('"')
			w.buf.WriteString(strings.ReplaceAll(f, `"`, `""`))
			w.buf.WriteByte('"')
			continue
		}
		w.buf.WriteString(f)
	}
	w.buf.WriteString(w.eol)
}

// needsQuotes quotes delimiters, quotes and line breaks as RFC 4180 asks,
// and leading or trailing white space because some readers trim it.
func (w *csvWriter) needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if strings.ContainsRune(f, w.delim) || strings.ContainsAny(f, "\"\r\n") {
		return true
	}
	first, _ := utf8.DecodeRuneInString(f)
	last, _ := utf8.DecodeLastRuneInString(f)
	return unicode.IsSpace(first) || unicode.IsSpace(last)
}

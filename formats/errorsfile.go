package formats

import (
	"bytes"
	"io"
	"path"
	"strings"
)

// ErrorsFileName names the rejected-rows file for an uploaded status file:
// "status-0314.csv" → "status-0314.errors.csv". Directories are dropped so
// the result is always a plain file name.
func ErrorsFileName(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == ".." || base == "/" {
		base = "status"
	}
	if ext := path.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base + ".errors.csv"
}

// WriteErrorsCSV writes the rejected rows as a CSV a supplier can fix and
// upload again: the original header and fields plus an "error" column. It
// uses the standard layout (comma, CRLF) and neutralises every cell: the
// file goes straight into a spreadsheet and holds whatever was uploaded.
func WriteErrorsCSV(w io.Writer, header []string, errs []RowError) error {
	// Rows longer than the header (the error may be exactly that) widen the
	// file so that the error column always lines up.
	width := len(header)
	for _, e := range errs {
		width = max(width, len(e.Raw))
	}
	var buf bytes.Buffer
	cw := csvWriter{buf: &buf, delim: defaultCSVDelimiter, eol: "\r\n"}
	row := make([]string, width+1)
	fill := func(fields []string, last string) {
		clear(row)
		for i, f := range fields {
			row[i] = NeutralizeCell(f)
		}
		row[width] = NeutralizeCell(last)
		cw.writeRecord(row)
	}
	fill(header, "error")
	for _, e := range errs {
		fill(e.Raw, e.Reason)
	}
	return writeAll(w, buf.Bytes())
}

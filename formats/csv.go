package formats

import (
	"bytes"
	"io"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// csvEncoder writes a header row and one row per line item.
type csvEncoder struct {
	cfg csvConfig
}

// utf8BOM is written first when CSVOptions.BOM is set.
const utf8BOM = "\xEF\xBB\xBF"

// Encode writes the header and one row per line; a supplier order without
// lines yields the header alone.
func (e *csvEncoder) Encode(w io.Writer, so *domain.SupplierOrder) error {
	if so == nil {
		return errNilOrder
	}
	var buf bytes.Buffer
	if e.cfg.bom {
		buf.WriteString(utf8BOM)
	}
	cw := csvWriter{buf: &buf, delim: e.cfg.delim, quoteAll: e.cfg.quoteAll, eol: e.cfg.eol}
	row := make([]string, len(e.cfg.columns))
	for i, c := range e.cfg.columns {
		row[i] = neutralizeCell(c.header, textCell, e.cfg.strict)
	}
	cw.writeRecord(row)
	for li := range so.Lines {
		l := &so.Lines[li]
		for i, c := range e.cfg.columns {
			row[i] = neutralizeCell(c.def.value(so, l, &e.cfg.format), c.def.kind, e.cfg.strict)
		}
		cw.writeRecord(row)
	}
	return writeAll(w, buf.Bytes())
}

// Extension returns "csv", also for other delimiters: spreadsheet programs
// sniff the delimiter but pick the program by extension.
func (e *csvEncoder) Extension() string { return "csv" }

// ContentType returns the RFC 7111 type with the charset we always write.
func (e *csvEncoder) ContentType() string { return "text/csv; charset=utf-8" }

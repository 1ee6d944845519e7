package formats

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CSVOptions is a supplier's CSV layout. The zero value is the standard
// layout: DefaultColumns, comma, minimal quoting, RFC 3339 in UTC, decimal
// money with '.', no BOM, CRLF line endings, default neutralisation.
type CSVOptions struct {
	// Columns selects, orders and renames columns; empty means DefaultColumns.
	Columns []Column `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Delimiter is a single character; empty means ",". Use "\t" for TSV.
	Delimiter string `yaml:"delimiter,omitempty" json:"delimiter,omitempty"`
	// Quoting is "minimal" (default: only cells that need it) or "all".
	Quoting string `yaml:"quoting,omitempty" json:"quoting,omitempty"`
	// DateFormat is a Go time layout; empty means time.RFC3339.
	DateFormat string `yaml:"date_format,omitempty" json:"date_format,omitempty"`
	// TimeZone is an IANA name such as "Europe/Berlin"; empty means UTC.
	TimeZone string `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
	// DecimalFormat is "decimal" (default, "12.50") or "minor" ("1250").
	DecimalFormat string `yaml:"decimal_format,omitempty" json:"decimal_format,omitempty"`
	// DecimalSeparator is "." (default) or ","; used by DecimalFormat "decimal".
	DecimalSeparator string `yaml:"decimal_separator,omitempty" json:"decimal_separator,omitempty"`
	// BOM starts the file with a UTF-8 byte order mark, which Excel needs to
	// open non-ASCII text correctly by double-click.
	BOM bool `yaml:"bom,omitempty" json:"bom,omitempty"`
	// LineEnding is "crlf" (default, RFC 4180) or "lf".
	LineEnding string `yaml:"line_ending,omitempty" json:"line_ending,omitempty"`
	// Neutralize is "default" (empty) or "strict"; see the package doc.
	// Neutralisation cannot be turned off.
	Neutralize string `yaml:"neutralize,omitempty" json:"neutralize,omitempty"`
}

// Option values accepted by CSVOptions.
const (
	QuotingMinimal      = "minimal"
	QuotingAll          = "all"
	DecimalFormatPlain  = "decimal"
	DecimalFormatMinor  = "minor"
	LineEndingCRLF      = "crlf"
	LineEndingLF        = "lf"
	NeutralizeDefault   = "default"
	NeutralizeStrict    = "strict"
	defaultCSVDelimiter = ','
)

// Validate reports every problem in o, each a *FieldError naming the key.
func (o CSVOptions) Validate() error {
	_, ps := o.resolve()
	return joinProblems(ps)
}

// csvConfig is CSVOptions resolved once at construction, so Encode does no
// parsing or time zone look-ups.
type csvConfig struct {
	columns  []resolvedColumn
	delim    rune
	quoteAll bool
	eol      string
	bom      bool
	strict   bool
	format   cellFormat
}

// resolvedColumn pairs a header with the field definition it shows.
type resolvedColumn struct {
	header string
	def    fieldDef
}

// resolve validates and resolves o in one pass so that Validate and New can
// never disagree about what is valid.
func (o CSVOptions) resolve() (csvConfig, []*FieldError) {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	cfg := csvConfig{
		delim:  defaultCSVDelimiter,
		eol:    "\r\n",
		bom:    o.BOM,
		format: cellFormat{loc: time.UTC, dateLayout: time.RFC3339, decimalSep: '.'},
	}

	cfg.columns = o.resolveColumns(bad)

	if o.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(o.Delimiter)
		switch {
		case size != len(o.Delimiter):
			bad("delimiter", "must be a single character, got %q", o.Delimiter)
		case !validDelimiter(r):
			bad("delimiter", "%q cannot be used: it is a quote, line break or invalid character", o.Delimiter)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			bad("delimiter", "%q cannot be used: letters and digits appear in values", o.Delimiter)
		default:
			cfg.delim = r
		}
	}

	switch o.Quoting {
	case "", QuotingMinimal:
	case QuotingAll:
		cfg.quoteAll = true
	default:
		bad("quoting", "must be %q or %q, got %q", QuotingMinimal, QuotingAll, o.Quoting)
	}

	if o.DateFormat != "" {
		// A layout without any Go reference element formats any time to
		// itself; that is almost always a strftime or "YYYY-MM-DD" style
		// mistake. The probe differs from the reference time in every
		// element (morning, other zone) so no element can format to itself.
		probe := time.Date(1999, 12, 31, 8, 7, 9, 0, time.FixedZone("X", 5*3600+30*60))
		if probe.Format(o.DateFormat) == o.DateFormat {
			bad("date_format", "%q has no Go layout elements (write e.g. \"2006-01-02 15:04\")", o.DateFormat)
		} else {
			cfg.format.dateLayout = o.DateFormat
		}
	}

	switch o.TimeZone {
	case "", "UTC":
	case "Local":
		// The machine's zone differs between hosts, which would make the
		// same order render differently depending on where it was encoded.
		bad("time_zone", "\"Local\" is not allowed: name the zone, e.g. \"Europe/Berlin\"")
	default:
		loc, err := time.LoadLocation(o.TimeZone)
		if err != nil {
			bad("time_zone", "unknown time zone %q", o.TimeZone)
		} else {
			cfg.format.loc = loc
		}
	}

	switch o.DecimalFormat {
	case "", DecimalFormatPlain:
	case DecimalFormatMinor:
		cfg.format.minor = true
	default:
		bad("decimal_format", "must be %q or %q, got %q", DecimalFormatPlain, DecimalFormatMinor, o.DecimalFormat)
	}

	switch o.DecimalSeparator {
	case "", ".":
	case ",":
		cfg.format.decimalSep = ','
	default:
		bad("decimal_separator", "must be \".\" or \",\", got %q", o.DecimalSeparator)
	}

	switch o.LineEnding {
	case "", LineEndingCRLF:
	case LineEndingLF:
		cfg.eol = "\n"
	default:
		bad("line_ending", "must be %q or %q, got %q", LineEndingCRLF, LineEndingLF, o.LineEnding)
	}

	switch o.Neutralize {
	case "", NeutralizeDefault:
	case NeutralizeStrict:
		cfg.strict = true
	default:
		bad("neutralize", "must be %q or %q, got %q (neutralisation cannot be turned off)",
			NeutralizeDefault, NeutralizeStrict, o.Neutralize)
	}
	return cfg, ps
}

// resolveColumns maps o.Columns (or the defaults) to field definitions.
func (o CSVOptions) resolveColumns(bad func(field, format string, args ...any)) []resolvedColumn {
	cols := o.Columns
	if len(cols) == 0 {
		cols = DefaultColumns()
	}
	defs := fieldDefs()
	byName := make(map[string]fieldDef, len(defs))
	for _, d := range defs {
		byName[d.name] = d
	}
	seen := make(map[string]int, len(cols))
	out := make([]resolvedColumn, 0, len(cols))
	for i, c := range cols {
		key := fmt.Sprintf("columns[%d]", i)
		def, ok := byName[c.Field]
		if !ok {
			if c.Field == "" {
				bad(key+".field", "is required")
			} else {
				bad(key+".field", "unknown field %q (known: %s)", c.Field, strings.Join(Fields(), ", "))
			}
			continue
		}
		header := c.Header
		if header == "" {
			header = c.Field
		}
		if j, dup := seen[header]; dup {
			// Receivers map columns by header; two equal headers make that
			// ambiguous.
			bad(key+".header", "duplicate header %q (also columns[%d])", header, j)
			continue
		}
		seen[header] = i
		out = append(out, resolvedColumn{header: header, def: def})
	}
	return out
}

// validDelimiter mirrors encoding/csv's rule so our files stay readable by it.
func validDelimiter(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

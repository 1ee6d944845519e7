package formats

import (
	"errors"
	"fmt"
	"io"
	"mime"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Encoder renders one supplier order as one file.
type Encoder interface {
	// Encode writes the file for so to w. The whole file is rendered before
	// anything is written, so an error never leaves half a file behind.
	Encode(w io.Writer, so *domain.SupplierOrder) error
	// Extension is the file name extension without the dot, e.g. "csv".
	Extension() string
	// ContentType is the MIME type for emails and webhooks.
	ContentType() string
}

// Format names accepted in Spec.Format.
const (
	FormatCSV      = "csv"
	FormatJSON     = "json"
	FormatXML      = "xml"
	FormatTemplate = "template"
)

// Spec chooses and configures an encoder, typically from a supplier
// channel's settings.
type Spec struct {
	// Format is "csv" (default when empty), "json", "xml" or "template".
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// CSV configures format "csv".
	CSV CSVOptions `yaml:"csv,omitempty" json:"csv,omitzero"`
	// Template is the text/template source for format "template".
	Template string `yaml:"template,omitempty" json:"template,omitempty"`
	// Extension overrides the file extension (without the dot).
	Extension string `yaml:"extension,omitempty" json:"extension,omitempty"`
	// ContentType overrides the MIME type.
	ContentType string `yaml:"content_type,omitempty" json:"content_type,omitempty"`
}

// errNilOrder is returned by every encoder for a nil supplier order.
var errNilOrder = errors.New("formats: nil supplier order")

// Validate reports every problem in s, each a *FieldError naming the key
// (e.g. "csv.delimiter: must be a single character, got \";;\""). The CSV
// options are checked whatever the format, so a broken layout cannot lie
// dormant until someone switches a supplier back to CSV.
func (s Spec) Validate() error {
	return joinProblems(s.problems())
}

func (s Spec) problems() []*FieldError {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch s.Format {
	case "", FormatCSV, FormatJSON, FormatXML:
		if s.Template != "" {
			bad("template", "only used with format %q", FormatTemplate)
		}
	case FormatTemplate:
		if s.Template == "" {
			bad("template", "is required for format %q", FormatTemplate)
		} else if _, err := parseTemplate(s.Template); err != nil {
			bad("template", "%v", err)
		}
	default:
		bad("format", "unknown format %q (want csv, json, xml or template)", s.Format)
	}
	_, csvProblems := s.CSV.resolve()
	ps = append(ps, withPrefix("csv", csvProblems)...)
	if s.Extension != "" && !validExtension(s.Extension) {
		bad("extension", "%q must be 1-16 letters, digits, '-' or '_' without a dot", s.Extension)
	}
	if s.ContentType != "" {
		if _, _, err := mime.ParseMediaType(s.ContentType); err != nil {
			bad("content_type", "%q is not a MIME type: %v", s.ContentType, err)
		}
	}
	return ps
}

// validExtension keeps the extension safe to paste into a file name: no
// dots, slashes or anything a remote file system could interpret.
func validExtension(ext string) bool {
	if len(ext) > 16 {
		return false
	}
	for _, c := range []byte(ext) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return ext != ""
}

// New validates spec and builds its encoder.
func New(spec Spec) (Encoder, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("formats: invalid spec: %w", err)
	}
	var enc Encoder
	switch spec.Format {
	case "", FormatCSV:
		cfg, _ := spec.CSV.resolve()
		enc = &csvEncoder{cfg: cfg}
	case FormatJSON:
		enc = jsonEncoder{}
	case FormatXML:
		enc = xmlEncoder{}
	case FormatTemplate:
		t, err := parseTemplate(spec.Template)
		if err != nil {
			return nil, fmt.Errorf("formats: %w", err)
		}
		enc = &templateEncoder{tmpl: t}
	}
	if spec.Extension != "" || spec.ContentType != "" {
		enc = overridden{Encoder: enc, ext: spec.Extension, contentType: spec.ContentType}
	}
	return enc, nil
}

// overridden replaces the extension or content type of an encoder.
type overridden struct {
	Encoder
	ext, contentType string
}

// Extension returns the configured extension, else the encoder's own.
func (o overridden) Extension() string {
	if o.ext != "" {
		return o.ext
	}
	return o.Encoder.Extension()
}

// ContentType returns the configured type, else the encoder's own.
func (o overridden) ContentType() string {
	if o.contentType != "" {
		return o.contentType
	}
	return o.Encoder.ContentType()
}

// writeAll writes a fully rendered file and wraps the writer's error.
func writeAll(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("formats: write: %w", err)
	}
	return nil
}

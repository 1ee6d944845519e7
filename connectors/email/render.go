package email

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Template file names: an email of kind NAME is NAME.subject.txt (one line,
// text/template), NAME.txt (text/template) and, optionally, NAME.html
// (html/template). Every .txt file is parsed into one text set and every
// .html file into one HTML set, so a file may {{define}} blocks that others
// use.
const (
	subjectSuffix = ".subject.txt"
	textSuffix    = ".txt"
	htmlSuffix    = ".html"
)

// TemplateSupplierOrder is the kind of the email that sends a supplier its order.
const TemplateSupplierOrder = "supplier_order"

//go:embed templates/*
var embedded embed.FS

// Data is what every template is executed with. Each kind of email fills the
// fields it needs and leaves the others nil, so a new kind (a cancellation to
// a retailer, a monthly summary) is a new set of template files and perhaps a
// new field here, not a new rendering path.
type Data struct {
	// Order is the retailer's order, for emails about one.
	Order *domain.OrderHeader
	// SupplierOrder is the part of Order for one supplier, for emails about one.
	SupplierOrder *domain.SupplierOrder
	// Values holds whatever else a kind needs (a reason, a period); a
	// template reading a missing key fails rather than printing "<no value>".
	Values map[string]any
}

// Renderer renders emails from the embedded templates, each optionally
// replaced by an operator's file of the same name. It is safe for concurrent
// use.
type Renderer struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// NewRenderer parses the templates. Files in overrideDir (when not empty)
// replace the embedded ones of the same name and may add new ones; missing
// files fall back to the embedded ones. Errors name the file at fault.
func NewRenderer(overrideDir string) (*Renderer, error) {
	files, err := templateFiles(overrideDir)
	if err != nil {
		return nil, err
	}
	funcs := templateFuncs()
	text := texttemplate.New("").Funcs(funcs).Option("missingkey=error")
	html := htmltemplate.New("").Funcs(funcs).Option("missingkey=error")
	var htmlNames []string
	for _, f := range files {
		switch {
		case strings.HasSuffix(f.name, textSuffix):
			_, err = text.New(f.name).Parse(f.content)
		case strings.HasSuffix(f.name, htmlSuffix):
			_, err = html.New(f.name).Parse(f.content)
			htmlNames = append(htmlNames, f.name)
		}
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", f.source, err)
		}
	}
	// html/template finds context errors (an attribute left open, say) only
	// when a template first runs; run each once on empty data so they surface
	// here. Errors from the empty data itself are expected and ignored.
	for _, name := range htmlNames {
		err := html.ExecuteTemplate(io.Discard, name, Data{})
		if _, ok := errors.AsType[*htmltemplate.Error](err); ok {
			return nil, fmt.Errorf("parse template %s: %w", sourceOf(files, name), err)
		}
	}
	return &Renderer{text: text, html: html}, nil
}

// RenderSupplierOrder renders the email that sends a supplier its order.
func (r *Renderer) RenderSupplierOrder(so *domain.SupplierOrder) (subject, text, html string, err error) {
	if so == nil {
		return "", "", "", errors.New("render supplier order: no supplier order")
	}
	return r.Render(TemplateSupplierOrder, Data{Order: &so.Order, SupplierOrder: so})
}

// Render renders the email of the given kind. The subject has its whitespace
// collapsed to single spaces so that a template's line breaks cannot reach
// the header; html is empty when the kind has no HTML template.
func (r *Renderer) Render(kind string, data Data) (subject, text, html string, err error) {
	if subject, err = r.execText(kind+subjectSuffix, data); err != nil {
		return "", "", "", err
	}
	subject = strings.Join(strings.Fields(subject), " ")
	if text, err = r.execText(kind+textSuffix, data); err != nil {
		return "", "", "", err
	}
	if t := r.html.Lookup(kind + htmlSuffix); t != nil {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return "", "", "", fmt.Errorf("render %s: %w", t.Name(), err)
		}
		html = b.String()
	}
	return subject, text, html, nil
}

func (r *Renderer) execText(name string, data Data) (string, error) {
	t := r.text.Lookup(name)
	if t == nil {
		return "", fmt.Errorf("render %s: no such template", name)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}

type templateFile struct {
	name    string // the template's name: its file name
	source  string // where it came from, for errors
	content string
}

// templateFiles returns the embedded templates overlaid with those in dir,
// sorted by name so parsing is deterministic.
func templateFiles(dir string) ([]templateFile, error) {
	byName := map[string]templateFile{}
	entries, err := fs.ReadDir(embedded, "templates")
	if err != nil {
		return nil, fmt.Errorf("read embedded templates: %w", err)
	}
	for _, e := range entries {
		p := path.Join("templates", e.Name())
		b, err := fs.ReadFile(embedded, p)
		if err != nil {
			return nil, fmt.Errorf("read embedded template %s: %w", p, err)
		}
		byName[e.Name()] = templateFile{e.Name(), "embedded " + p, string(b)}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("read template override directory: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, textSuffix) && !strings.HasSuffix(name, htmlSuffix) {
				continue // editor backups, READMEs and the like
			}
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("read template %s: %w", p, err)
			}
			byName[name] = templateFile{name, p, string(b)}
		}
	}
	files := make([]templateFile, 0, len(byName))
	for _, f := range byName {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

func sourceOf(files []templateFile, name string) string {
	for _, f := range files {
		if f.name == name {
			return f.source
		}
	}
	return name
}

// templateFuncs are the helpers every template may use.
func templateFuncs() map[string]any {
	return map[string]any{
		// money formats an amount in minor units with its currency: "12.50 EUR".
		"money": func(m domain.Money, currency string) string {
			return strings.TrimSpace(m.Decimal() + " " + currency)
		},
		// add sums amounts, e.g. items and shipping.
		"add": func(ms ...domain.Money) domain.Money {
			var sum domain.Money
			for _, m := range ms {
				sum += m
			}
			return sum
		},
		// datetime formats a time in its own zone: "2024-05-01 10:30 UTC".
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02 15:04 MST")
		},
		// date formats a day: "2024-05-01".
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		},
		// options lists a line's options in key order: "Colour: red, Size: M".
		"options": func(opts map[string]string) string {
			keys := make([]string, 0, len(opts))
			for k := range opts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = k + ": " + opts[k]
			}
			return strings.Join(parts, ", ")
		},
		// addressLines returns an address's non-empty lines, postal code
		// before city as most of Europe writes it.
		"addressLines": func(a domain.Address) []string {
			city := strings.TrimSpace(a.PostalCode + " " + a.City)
			var lines []string
			for _, l := range []string{a.Name, a.Company, a.Line1, a.Line2, city, a.Region, a.Country} {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
			return lines
		},
	}
}

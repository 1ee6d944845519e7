package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// CatalogRow is one item of a catalog feed, parsed but not yet checked
// against business rules (lengths, currency codes: pipeline does that).
type CatalogRow struct {
	// Row locates the item like StatusRow.Row.
	Row      int
	SKU      string
	Name     string
	Price    domain.Money
	Currency string
	// ForSale is true unless the feed says otherwise.
	ForSale bool
	// Stock nil is "not tracked" (an empty cell, null or an absent key).
	Stock       *int
	RestockDate string
	// Raw is the record as written, for the errors report.
	Raw []string
}

// CatalogFile is a decoded catalog feed.
type CatalogFile struct {
	Header []string
	Rows   []CatalogRow
	Errors []RowError
}

// Catalog feed fields, and the names (case-insensitive, spaces and
// hyphens read as underscores) each may be given under.
var catalogAliases = map[string]string{
	"sku": "sku", "item": "sku", "item_number": "sku",
	"name": "name", "title": "name", "description": "name",
	"price": "price", "unit_price": "price",
	"currency": "currency",
	"for_sale": "for_sale", "forsale": "for_sale", "active": "for_sale",
	"stock": "stock", "on_hand": "stock", "stock_on_hand": "stock", "qty": "stock", "quantity": "stock",
	"restock_date": "restock_date", "restock": "restock_date", "restock_on": "restock_date",
}

var catalogRequired = []string{"sku", "name", "price", "currency"}

// DecodeCatalog decodes a catalog feed: "csv" or "json" (by the file's
// extension). Unlike status files, an unknown column or key is refused
// (a misspelt stock column must not silently read as "not tracked").
func DecodeCatalog(format string, r io.Reader, opts DecodeOptions) (*CatalogFile, error) {
	switch format {
	case "csv":
		return DecodeCatalogCSV(r, opts)
	case "json":
		return DecodeCatalogJSON(r, opts)
	}
	return nil, fmt.Errorf("formats: unknown catalog format %q (want csv or json)", format)
}

// DecodeCatalogCSV reads a CSV catalog: a header naming the columns (sku,
// name, price in minor units, currency required; for_sale, stock,
// restock_date optional), then one item per record. Delimiter, BOM and
// UTF-16 are handled as for status files.
func DecodeCatalogCSV(r io.Reader, opts DecodeOptions) (*CatalogFile, error) {
	o := opts.withDefaults()
	data, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	if data, err = fromUTF16(data); err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, errors.New("formats: catalog csv is not valid UTF-8")
	}
	t, err := openCSV(data, "catalog csv")
	if err != nil {
		return nil, err
	}
	header := t.header
	fields := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		f, ok := catalogAliases[normalizeName(h)]
		switch {
		case !ok:
			return nil, fmt.Errorf("formats: catalog csv: unknown column %q (known: sku, name, price, currency, for_sale, stock, restock_date)", h)
		case seen[f]:
			return nil, fmt.Errorf("formats: catalog csv: column %q given twice", f)
		}
		seen[f], fields[i] = true, f
	}
	for _, f := range catalogRequired {
		if !seen[f] {
			return nil, fmt.Errorf("formats: catalog csv: a %q column is required", f)
		}
	}
	file := &CatalogFile{Header: header}
	err = t.each(o, &file.Errors, func(line int, rec []string) {
		vals := make(map[string]string, len(fields))
		for i, f := range fields {
			vals[f] = rec[i]
		}
		row, reason := catalogRow(line, vals, rec)
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

// DecodeCatalogJSON reads a JSON catalog: an array of item objects, or
// {"items": [...]}, with the API's keys (price in minor units; stock null
// or absent for not tracked). Malformed JSON rejects the file; an item
// with an unknown or duplicate key or a wrongly typed value is a RowError.
func DecodeCatalogJSON(r io.Reader, opts DecodeOptions) (*CatalogFile, error) {
	o := opts.withDefaults()
	data, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, errors.New("formats: catalog json is not valid UTF-8")
	}
	var items []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &doc); err != nil {
			return nil, fmt.Errorf("formats: catalog json: %w", err)
		}
		for k := range doc {
			if k != "items" {
				return nil, fmt.Errorf(`formats: catalog json: unknown key %q (want {"items": [...]})`, k)
			}
		}
		if err := json.Unmarshal(doc["items"], &items); err != nil || items == nil {
			return nil, errors.New(`formats: catalog json: "items" must be an array`)
		}
	} else if err := json.Unmarshal(trimmed, &items); err != nil {
		return nil, fmt.Errorf(`formats: catalog json: want an array of items or {"items": [...]}: %w`, err)
	}
	if len(items) > o.MaxRows {
		return nil, o.tooManyRows()
	}
	file := &CatalogFile{Header: []string{"record"}}
	for i, raw := range items {
		n := i + 1
		vals, reason := jsonItem(raw)
		var row CatalogRow
		if reason == "" {
			row, reason = catalogRow(n, vals, []string{compactJSON(raw)})
		}
		if reason != "" {
			file.Errors = append(file.Errors, RowError{Row: n, Raw: []string{compactJSON(raw)}, Reason: reason})
			continue
		}
		file.Rows = append(file.Rows, row)
	}
	return file, nil
}

// jsonItem reads one item object into field → text, refusing unknown and
// duplicate keys and nested values. null reads as empty.
func jsonItem(raw json.RawMessage) (map[string]string, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, "an item must be an object"
	}
	vals := map[string]string{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, "malformed item"
		}
		key, _ := kt.(string)
		f, ok := catalogAliases[key]
		if !ok || f != key {
			return nil, fmt.Sprintf("unknown key %q (known: sku, name, price, currency, for_sale, stock, restock_date)", key)
		}
		if _, dup := vals[key]; dup {
			return nil, fmt.Sprintf("key %q given twice", key)
		}
		vt, err := dec.Token()
		if err != nil {
			return nil, "malformed item"
		}
		switch v := vt.(type) {
		case nil:
			vals[key] = ""
		case string:
			if key == "price" || key == "stock" || key == "for_sale" {
				return nil, fmt.Sprintf("%s must be a JSON %s, not a string", key, map[string]string{"price": "integer", "stock": "integer or null", "for_sale": "boolean"}[key])
			}
			vals[key] = v
		case json.Number:
			if key != "price" && key != "stock" {
				return nil, fmt.Sprintf("%s must be a string", key)
			}
			vals[key] = v.String()
		case bool:
			if key != "for_sale" {
				return nil, fmt.Sprintf("%s must not be a boolean", key)
			}
			vals[key] = strconv.FormatBool(v)
		default:
			return nil, fmt.Sprintf("%s must be a single value, not an object or array", key)
		}
	}
	return vals, ""
}

// catalogRow parses one item's fields and reports every problem at once.
func catalogRow(row int, vals map[string]string, raw []string) (CatalogRow, string) {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	r := CatalogRow{Row: row, Raw: raw, ForSale: true}
	r.SKU, r.Name, r.Currency, r.RestockDate = vals["sku"], vals["name"], vals["currency"], strings.TrimSpace(vals["restock_date"])
	for _, f := range catalogRequired {
		if strings.TrimSpace(vals[f]) == "" {
			bad("%s is required", f)
		}
	}
	if p := strings.TrimSpace(vals["price"]); p != "" {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			bad("price must be a whole number of minor units, such as 1250 for 12.50 (got %q)", p)
		}
		r.Price = domain.Money(n)
	}
	switch v := strings.ToLower(strings.TrimSpace(vals["for_sale"])); v {
	case "", "true", "yes", "y", "1":
	case "false", "no", "n", "0":
		r.ForSale = false
	default:
		bad("for_sale must be true or false (got %q)", vals["for_sale"])
	}
	if s := strings.TrimSpace(vals["stock"]); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad("stock must be a whole number >= 0, or empty for not tracked (got %q)", s)
		} else {
			r.Stock = &n
		}
	}
	if len(problems) > 0 {
		return r, strings.Join(problems, "; ")
	}
	return r, ""
}

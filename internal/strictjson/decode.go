// Package strictjson decodes request bodies without encoding/json's silent
// rewrites: invalid UTF-8, duplicate keys, unknown fields, wrong types and
// excessive nesting are all errors that name the field by its full path
// (lines[2].quantity, customer.email, shipping.31).
//
// encoding/json replaces invalid UTF-8 with U+FFFD, so two different ids
// could decode to the same string; it keeps the last of two duplicate keys;
// and its type errors name fields without array indexes. This package walks
// the body token by token, checks every string and key against the raw bytes,
// and hands each scalar to encoding/json separately, so every error carries
// its exact path.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// MaxDepth is how deeply objects and arrays may nest; a body that nests
// deeper is refused before it is decoded any further.
const MaxDepth = 32

// maxErrors bounds how many field errors one body may collect, so a huge
// body of bad values cannot produce a huge answer.
const maxErrors = 100

// FieldError names one invalid field by its JSON path; Field is "(body)" for
// problems with the body as a whole.
type FieldError struct {
	Field   string
	Message string
}

// Error lists every problem found in a body.
type Error struct{ Fields []FieldError }

func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid JSON body: " + strings.Join(parts, "; ")
}

// errStop ends the walk early (syntax error, nesting, too many errors); the
// reason is already in the collected fields.
var errStop = errors.New("strictjson: stopped")

// Decode decodes body, which must hold exactly one JSON value, into v (a
// non-nil pointer). Object keys must match a field's json name exactly.
// It returns nil or an *Error listing every problem found.
func Decode(body []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, got %T", v)
	}
	d := &decoder{body: body, dec: json.NewDecoder(bytes.NewReader(body)), fields: map[reflect.Type]map[string][]int{}}
	d.dec.UseNumber()
	if err := d.value("", rv.Elem(), 1); err == nil {
		if _, _, err := d.token(); !errors.Is(err, io.EOF) {
			d.add("", "unexpected data after the JSON value")
		}
	}
	if len(d.errs) > 0 {
		return &Error{Fields: d.errs}
	}
	return nil
}

type decoder struct {
	body   []byte
	dec    *json.Decoder
	errs   []FieldError
	fields map[reflect.Type]map[string][]int
}

// add records a field error; past maxErrors it reports errStop.
func (d *decoder) add(path, format string, a ...any) error {
	if path == "" {
		path = "(body)"
	}
	if len(d.errs) >= maxErrors {
		d.errs = append(d.errs, FieldError{Field: "(body)", Message: fmt.Sprintf("more than %d errors; stopped", maxErrors)})
		return errStop
	}
	d.errs = append(d.errs, FieldError{Field: path, Message: fmt.Sprintf(format, a...)})
	return nil
}

// token reads the next token and its raw bytes (separators trimmed).
func (d *decoder) token() (json.Token, []byte, error) {
	start := d.dec.InputOffset()
	tok, err := d.dec.Token()
	end := d.dec.InputOffset()
	return tok, bytes.TrimLeft(d.body[start:end], " \t\r\n,:"), err
}

// next reads the next token; a read or syntax error is recorded and stops
// the walk.
func (d *decoder) next(path string) (json.Token, []byte, error) {
	tok, raw, err := d.token()
	if err == nil {
		return tok, raw, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) && d.dec.InputOffset() == 0:
		_ = d.add("", "empty body")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		_ = d.add("", "the JSON ends early")
	case errors.As(err, &se):
		_ = d.add("", "invalid JSON at byte %d: %v", se.Offset, se)
	default:
		_ = d.add(path, "%v", err)
	}
	return nil, nil, errStop
}

func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// value decodes the next JSON value into v. An invalid v means "check and
// skip": the value belongs to an unknown field or a mistyped container.
func (d *decoder) value(path string, v reflect.Value, depth int) error {
	start := d.dec.InputOffset()
	tok, raw, err := d.next(path)
	if err != nil {
		return err
	}
	delim, isDelim := tok.(json.Delim)
	if !isDelim {
		return d.scalar(path, v, tok, raw)
	}
	if depth > MaxDepth {
		_ = d.add(path, "nests deeper than %d levels", MaxDepth)
		return errStop
	}
	if v.IsValid() && wantsRaw(v) {
		// A custom decoder or an interface gets the whole value at once,
		// after the walk has vetted its strings and keys.
		if err := d.container(path, delim, reflect.Value{}, depth); err != nil {
			return err
		}
		whole := bytes.TrimLeft(d.body[start:d.dec.InputOffset()], " \t\r\n,:")
		return d.unmarshal(path, whole, v)
	}
	if v.IsValid() {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		ok := delim == '{' && (v.Kind() == reflect.Struct || v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String) ||
			delim == '[' && v.Kind() == reflect.Slice
		switch {
		case ok && v.Kind() == reflect.Map && v.IsNil():
			v.Set(reflect.MakeMap(v.Type())) // {} is an empty map, as in encoding/json
		case ok && v.Kind() == reflect.Slice && v.IsNil():
			v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // [] is an empty slice, not nil
		}
		if !ok {
			kind := "an object"
			if delim == '[' {
				kind = "an array"
			}
			if err := d.add(path, "must be %s, not %s", describe(v.Type()), kind); err != nil {
				return err
			}
			v = reflect.Value{}
		}
	}
	return d.container(path, delim, v, depth)
}

// container walks the object or array just opened by delim into v (which
// is a struct, a map, a slice, or invalid to skip).
func (d *decoder) container(path string, delim json.Delim, v reflect.Value, depth int) error {
	if delim == '[' {
		if v.IsValid() {
			v.SetLen(0)
		}
		for i := 0; d.dec.More(); i++ {
			var elem reflect.Value
			if v.IsValid() {
				v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
				elem = v.Index(v.Len() - 1)
			}
			if err := d.value(index(path, i), elem, depth+1); err != nil {
				return err
			}
		}
		_, _, err := d.next(path) // ']'
		return err
	}
	seen := map[string]bool{}
	for d.dec.More() {
		tok, raw, err := d.next(path)
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var target reflect.Value
		switch {
		case !validString(raw):
			err = d.add(path, "key %s is not valid UTF-8", quoteRaw(raw))
		case seen[key]:
			err = d.add(child(path, key), "duplicate key: a repeated key is ambiguous, send it once")
		case !v.IsValid():
		case v.Kind() == reflect.Struct:
			if idx, ok := d.fieldIndex(v.Type())[key]; ok {
				target = fieldByIndex(v, idx)
			} else {
				err = d.add(child(path, key), "unknown field")
			}
		default: // map with string keys, made by value
			target = reflect.New(v.Type().Elem()).Elem()
		}
		if err != nil {
			return err
		}
		seen[key] = true
		if err := d.value(child(path, key), target, depth+1); err != nil {
			return err
		}
		if target.IsValid() && v.Kind() == reflect.Map {
			v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), target)
		}
	}
	_, _, err := d.next(path) // '}'
	return err
}

// fieldByIndex is reflect.Value.FieldByIndex that allocates nil embedded
// pointers on the way instead of panicking.
func fieldByIndex(v reflect.Value, idx []int) reflect.Value {
	for i, x := range idx {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// scalar checks a string, number, boolean or null and stores it in v.
func (d *decoder) scalar(path string, v reflect.Value, tok json.Token, raw []byte) error {
	if _, isString := tok.(string); isString && !validString(raw) {
		return d.add(path, "is not valid UTF-8 (%s); send UTF-8 text", quoteRaw(raw))
	}
	if !v.IsValid() || tok == nil {
		return nil // skipped, or null: the zero value stays
	}
	if !wantsRaw(v) {
		// Fast paths for the common kinds; anything unusual goes through
		// encoding/json below for its exact semantics and error.
		switch x := tok.(type) {
		case string:
			if v.Kind() == reflect.String {
				v.SetString(x)
				return nil
			}
		case json.Number:
			switch v.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				if n, err := strconv.ParseInt(string(x), 10, 64); err == nil && !v.OverflowInt(n) {
					v.SetInt(n)
					return nil
				}
			}
		case bool:
			if v.Kind() == reflect.Bool {
				v.SetBool(x)
				return nil
			}
		}
	}
	return d.unmarshal(path, raw, v)
}

// unmarshal hands one vetted value to encoding/json, keeping its path.
func (d *decoder) unmarshal(path string, raw []byte, v reflect.Value) error {
	err := json.Unmarshal(raw, v.Addr().Interface())
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			path = child(path, te.Field)
		}
		return d.add(path, "must be %s, not %s", describe(te.Type), te.Value)
	}
	return d.add(path, "%v", err)
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// wantsRaw reports whether v decodes a whole value itself.
func wantsRaw(v reflect.Value) bool {
	t := v.Type()
	return t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) ||
		reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// fieldIndex maps the JSON names of t's fields to their index paths,
// following encoding/json's tag rules for exported and embedded fields.
func (d *decoder) fieldIndex(t reflect.Type) map[string][]int {
	if m, ok := d.fields[t]; ok {
		return m
	}
	m := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.Contains(tag, ",") {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			continue // its fields are promoted and listed by VisibleFields
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := m[name]; !dup {
			m[name] = f.Index
		}
	}
	d.fields[t] = m
	return m
}

// describe names a Go type in words a client understands.
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return t.String()
}

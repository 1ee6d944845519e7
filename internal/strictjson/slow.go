package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
)

// decodeSlow is the original walk over encoding/json's Decoder.Token. It is
// the fallback for bodies the fast path does not take (malformed JSON,
// excessive nesting, trailing data), whose messages and byte offsets come
// from encoding/json's own scanner, and the tests' reference for the fast
// path. It allocates per token; do not speed it up at the cost of changing
// a single answer.
func decodeSlow(body []byte, v reflect.Value) []FieldError {
	d := &decoder{body: body, dec: json.NewDecoder(bytes.NewReader(body)), fields: map[reflect.Type]map[string][]int{}}
	d.dec.UseNumber()
	if err := d.value("", v, 1); err == nil {
		if _, _, err := d.token(); !errors.Is(err, io.EOF) {
			d.add("", "unexpected data after the JSON value")
		}
	}
	return d.errs
}

type decoder struct {
	body   []byte
	dec    *json.Decoder
	errs   []FieldError
	fields map[reflect.Type]map[string][]int
}

// add records a field error; past maxErrors it reports errStop.
func (d *decoder) add(path, format string, a ...any) error {
	return addError(&d.errs, path, format, a...)
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
		var mismatch string
		if v, mismatch = containerTarget(v, byte(delim)); mismatch != "" {
			if err := d.add(path, "%s", mismatch); err != nil {
				return err
			}
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
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return addUnmarshalError(&d.errs, path, err)
	}
	return nil
}

// fieldIndex is fieldIndex, cached for the body.
func (d *decoder) fieldIndex(t reflect.Type) map[string][]int {
	if m, ok := d.fields[t]; ok {
		return m
	}
	m := fieldIndex(t)
	d.fields[t] = m
	return m
}

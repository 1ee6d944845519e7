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
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
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

// addError appends a field error to errs (path "" is the body as a
// whole); past maxErrors it appends the note that it stopped and reports
// errStop. Both walks collect their errors through it, so they stop alike.
func addError(errs *[]FieldError, path, format string, a ...any) error {
	if path == "" {
		path = "(body)"
	}
	if len(*errs) >= maxErrors {
		*errs = append(*errs, FieldError{Field: "(body)", Message: fmt.Sprintf("more than %d errors; stopped", maxErrors)})
		return errStop
	}
	*errs = append(*errs, FieldError{Field: path, Message: fmt.Sprintf(format, a...)})
	return nil
}

// containerTarget is what a container opened by open ('{' or '[')
// decodes into, for a valid v: v through its pointers (allocating nil
// ones), with a nil map or slice made empty ({} and [] are empty, not
// nil, as in encoding/json). When v cannot hold that container it returns
// an invalid value (check and skip) and the field error's message.
func containerTarget(v reflect.Value, open byte) (reflect.Value, string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch {
	case open == '{' && v.Kind() == reflect.Struct:
	case open == '{' && v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	case open == '[' && v.Kind() == reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	default:
		kind := "an object"
		if open == '[' {
			kind = "an array"
		}
		return reflect.Value{}, fmt.Sprintf("must be %s, not %s", describe(v.Type()), kind)
	}
	return v, ""
}

// addUnmarshalError adds encoding/json's error decoding one vetted value
// at path: a type error names the field it found within, and says what
// was expected in the client's words.
func addUnmarshalError(errs *[]FieldError, path string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			path = child(path, te.Field)
		}
		return addError(errs, path, "must be %s, not %s", describe(te.Type), te.Value)
	}
	return addError(errs, path, "%v", err)
}

// errStop ends the walk early (syntax error, nesting, too many errors); the
// reason is already in the collected fields.
var errStop = errors.New("strictjson: stopped")

// Decode decodes body, which must hold exactly one JSON value, into v (a
// non-nil pointer). Object keys must match a field's json name exactly.
// It returns nil or an *Error listing every problem found.
//
// A body that is well-formed JSON, nested at most MaxDepth deep, takes the
// fast path (a tokenizer over the byte slice, see fast.go); anything else
// takes the original walk over encoding/json's Decoder.Token (slow.go),
// which is the reference for every message and byte offset, so that both
// paths answer alike for every input.
func Decode(body []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, got %T", v)
	}
	errs, ok := decodeFast(body, rv.Elem())
	if !ok {
		errs = decodeSlow(body, rv.Elem())
	}
	if len(errs) > 0 {
		return &Error{Fields: errs}
	}
	return nil
}

// child is the path of member key of the object at path.
func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index is the path of element i of the array at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

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

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// wantsRaw reports whether v decodes a whole value itself.
func wantsRaw(v reflect.Value) bool { return wantsRawType(v.Type()) }

// wantsRawType reports whether a value of type t decodes a whole value
// itself: an interface, a json.Unmarshaler or an encoding.TextUnmarshaler.
func wantsRawType(t reflect.Type) bool {
	return t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) ||
		reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// fieldIndex maps the JSON names of t's fields to their index paths,
// following encoding/json's tag rules for exported and embedded fields.
// Where two fields share a name, the first in VisibleFields order wins.
func fieldIndex(t reflect.Type) map[string][]int {
	m := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() {
			continue
		}
		if tagName, _, _ := strings.Cut(f.Tag.Get("json"), ","); f.Anonymous && tagName == "" && f.Type.Kind() == reflect.Struct {
			continue // its fields are promoted and listed by VisibleFields
		}
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		if _, dup := m[name]; !dup {
			m[name] = f.Index
		}
	}
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

// jsonName is the name encoding/json gives field f, or false when its tag
// ("-") leaves it out.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" && !strings.Contains(tag, ",") {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, true
}

package store

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// The order header's customer and address, and a line's options, are
// JSON objects of plain strings. Decoding them with encoding/json's
// reflection was about a sixth of the CPU of a supplier page of 100 (two
// objects per order). decodeFlat reads the common shape directly: an
// object whose keys are exactly the field names and whose values are
// strings with no escapes, in valid UTF-8. Anything else (escapes, null,
// numbers, unknown or differently cased keys) reports false and is left
// to encoding/json, so the result is always what json.Unmarshal gives.

// decodeFlat calls set for each key and string value of the object in b,
// in order, and reports false at the first thing it does not handle or
// the first key set refuses. set may have been called before a false.
func decodeFlat(b []byte, set func(key []byte, val string) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		val, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok || !set(key, string(val)) {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// plainString returns the contents of the string starting at b[i] and the
// index after its closing quote, when it has no escape or control
// character and is valid UTF-8.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// decodeCustomer is json.Unmarshal(b, c) for a zero c, faster for the
// common shape.
func decodeCustomer(b []byte, c *domain.Customer) error {
	var v domain.Customer
	ok := decodeFlat(b, func(k []byte, s string) bool {
		switch string(k) {
		case "type":
			v.Type = s
		case "name":
			v.Name = s
		case "company":
			v.Company = s
		case "email":
			v.Email = s
		case "phone":
			v.Phone = s
		default:
			return false
		}
		return true
	})
	if ok {
		*c = v
		return nil
	}
	return json.Unmarshal(b, c)
}

// decodeAddress is json.Unmarshal(b, a) for a zero a, faster for the
// common shape.
func decodeAddress(b []byte, a *domain.Address) error {
	var v domain.Address
	ok := decodeFlat(b, func(k []byte, s string) bool {
		switch string(k) {
		case "name":
			v.Name = s
		case "company":
			v.Company = s
		case "line1":
			v.Line1 = s
		case "line2":
			v.Line2 = s
		case "city":
			v.City = s
		case "region":
			v.Region = s
		case "postal_code":
			v.PostalCode = s
		case "country":
			v.Country = s
		default:
			return false
		}
		return true
	})
	if ok {
		*a = v
		return nil
	}
	return json.Unmarshal(b, a)
}

// decodeOptions is json.Unmarshal(b, m) for a nil *m, faster for the
// common shape.
func decodeOptions(b []byte, m *map[string]string) error {
	v := map[string]string{}
	if decodeFlat(b, func(k []byte, s string) bool { v[string(k)] = s; return true }) {
		*m = v
		return nil
	}
	return json.Unmarshal(b, m)
}

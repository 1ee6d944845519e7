package strictjson

import (
	"fmt"
	"reflect"
)

// DecodeSlow is Decode by the original Token walk alone: the differential
// tests' reference.
func DecodeSlow(body []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, got %T", v)
	}
	if errs := decodeSlow(body, rv.Elem()); len(errs) > 0 {
		return &Error{Fields: errs}
	}
	return nil
}

// TakesFastPath reports whether Decode answers body on the fast path.
func TakesFastPath(body []byte) bool {
	_, ok := lex(body, nil)
	return ok
}

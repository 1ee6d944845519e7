package strictjson

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode checks Decode against encoding/json: it must never panic, and
// whatever it accepts (exact keys, no duplicates, valid UTF-8) encoding/json
// must decode to the very same value.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"external_id":"A-\u00e9","customer":{"Email":"a@b.c"},"lines":[{"sku":"X","quantity":2,"price":5,"options":{"k":"v"}}],"shipping":{"31":1},"tracking":{"number":"T"},"raw":[1,{"a":null}]}`,
		"{\"external_id\":\"U\xff\xfe1\"}",
		`{"external_id":"\ud83d\ude00\ud800"}`,
		`{"lines":[{"quantity":1},{"quantity":"2"}]}`,
		`{"shipping":{"31":1,"31":2}}`,
		`{"lines":[],"shipping":{},"tracking":null}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"raw":"\\ufffd"}  `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got doc
		if err := Decode(body, &got); err != nil {
			if e, ok := err.(*Error); !ok || len(e.Fields) == 0 {
				t.Fatalf("error %v is not an *Error with fields", err)
			}
			return
		}
		var want doc
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("strictjson accepted what encoding/json refuses (%v): %q", err, body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded differently from encoding/json:\n%+v\n%+v\nbody %q", got, want, body)
		}
	})
}

package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// TestDecodeFlatMatchesEncodingJSON checks that the fast decoders give
// exactly what json.Unmarshal gives, errors included, on the common shape
// and on every shape they hand over to it.
func TestDecodeFlatMatchesEncodingJSON(t *testing.T) {
	for _, in := range flatInputs {
		checkDecodeFlat(t, []byte(in))
	}
	// The common shape takes the fast path.
	if !decodeFlat([]byte(flatInputs[1]), func([]byte, string) bool { return true }) {
		t.Error("plain object not decoded directly")
	}
}

// FuzzDecodeFlat looks for an input on which a fast decoder and
// json.Unmarshal disagree (CI runs it briefly; see .ci/run).
func FuzzDecodeFlat(f *testing.F) {
	for _, in := range flatInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDecodeFlat(t, b) })
}

var flatInputs = []string{
	`{"type":"b2c","name":"Bulk Buyer","email":"bulk@example.com"}`,
	`{"name":"Zoë","line1":"1 Rue","city":"Paris","postal_code":"75001","country":"FR"}`,
	` { "name" : "a" , "city":"b" } `, `{}`, ` {} `, `{"colour":"red","size":"L"}`,
	`{"name":"a\"b"}`, `{"name":"\u00e9"}`, `{"Name":"case"}`, `{"NAME":"x","name":"y"}`, `{"name":"x","name":"y"}`,
	`{"name":null}`, `null`, `{"name":1}`, `{"extra":"x","name":"y"}`, `{"name":"a"`, `{"name":"a"}x`, `{"name":"a",}`,
	`[]`, `""`, ``, `{"name":"` + "\xff" + `"}`, `{"` + "\xff" + `":"a"}`, "{\"name\":\"tab\there\"}", `{"name":"line2"}`,
	`{"company":"C","phone":"+33","region":"IDF","line2":"b"}`, `{"name":"a" "city":"b"}`, `{"name":"a":"b"}`, `{,}`,
	`{"name":"` + "\u2028" + `"}`, `{"a":"1","a":"2"}`, `{"a":{"b":"c"}}`, `{"a":["b"]}`, `{"name":"x"}  ` + "\n",
}

func checkDecodeFlat(t *testing.T, b []byte) {
	t.Helper()
	in := string(b)
	{
		var c1, c2 domain.Customer
		e1, e2 := decodeCustomer(b, &c1), json.Unmarshal(b, &c2)
		if !reflect.DeepEqual(c1, c2) || (e1 == nil) != (e2 == nil) {
			t.Errorf("customer %q: %+v %v, json %+v %v", in, c1, e1, c2, e2)
		}
		var a1, a2 domain.Address
		e1, e2 = decodeAddress(b, &a1), json.Unmarshal(b, &a2)
		if !reflect.DeepEqual(a1, a2) || (e1 == nil) != (e2 == nil) {
			t.Errorf("address %q: %+v %v, json %+v %v", in, a1, e1, a2, e2)
		}
		var m1, m2 map[string]string
		e1, e2 = decodeOptions(b, &m1), json.Unmarshal(b, &m2)
		if !reflect.DeepEqual(m1, m2) || (e1 == nil) != (e2 == nil) {
			t.Errorf("options %q: %v %v, json %v %v", in, m1, e1, m2, e2)
		}
	}
}

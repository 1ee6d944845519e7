package strictjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type money int64

func (m *money) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if n < 0 {
		return &json.UnsupportedValueError{Str: "negative"}
	}
	*m = money(n)
	return nil
}

type line struct {
	SKU      string            `json:"sku"`
	Quantity int               `json:"quantity"`
	Price    money             `json:"price"`
	Options  map[string]string `json:"options,omitempty"`
}

type doc struct {
	ID       string                 `json:"external_id"`
	Customer struct{ Email string } `json:"customer"`
	Lines    []line                 `json:"lines"`
	Shipping map[string]int64       `json:"shipping"`
	Tracking *struct {
		Number string `json:"number"`
	} `json:"tracking"`
	Raw json.RawMessage `json:"raw"`
}

func TestDecodeAccepts(t *testing.T) {
	body := `{"external_id":"A-\u00e9\ud83d\ude00 \ufffd","customer":{"Email":"a@b.c"},
	  "lines":[{"sku":"X","quantity":2,"price":5,"options":{"colour":"red"}}],
	  "shipping":{"31":500},"tracking":{"number":"T1"},"raw":{"a":[1,2]}}`
	var d doc
	if err := Decode([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	want := doc{ID: "A-é😀 \ufffd", Lines: []line{{SKU: "X", Quantity: 2, Price: 5, Options: map[string]string{"colour": "red"}}},
		Shipping: map[string]int64{"31": 500}, Raw: json.RawMessage(`{"a":[1,2]}`)}
	want.Customer.Email = "a@b.c"
	want.Tracking = &struct {
		Number string `json:"number"`
	}{"T1"}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // "field: message prefix"
	}{
		{"invalid utf8 value", "{\"external_id\":\"U\xff\xfe1\"}", []string{`external_id: is not valid UTF-8 ("U\xff\xfe1")`}},
		{"invalid utf8 nested", "{\"lines\":[{\"sku\":\"ok\"},{\"sku\":\"\xc3\"}]}", []string{"lines[1].sku: is not valid UTF-8"}},
		{"invalid utf8 map key", "{\"lines\":[{\"options\":{\"k\xff\":\"v\"}}]}", []string{`lines[0].options: key "k\xff" is not valid UTF-8`}},
		{"invalid utf8 map value", "{\"shipping\":{\"31\":1},\"lines\":[{\"options\":{\"k\":\"\xed\xa0\x80\"}}]}", []string{"lines[0].options.k: is not valid UTF-8"}},
		{"lone high surrogate", `{"external_id":"\ud800x"}`, []string{"external_id: is not valid UTF-8"}},
		{"lone low surrogate", `{"external_id":"\udc00"}`, []string{"external_id: is not valid UTF-8"}},
		{"escaped backslash then surrogate", `{"external_id":"\\ufffd\ud800"}`, []string{"external_id: is not valid UTF-8"}},
		{"invalid utf8 in unknown field", "{\"nope\":\"\xff\"}", []string{"nope: unknown field", "nope: is not valid UTF-8"}},
		{"type error indexed", `{"lines":[{"quantity":1},{"quantity":1},{"quantity":"2"}]}`, []string{"lines[2].quantity: must be an integer, not string"}},
		{"map value type", `{"shipping":{"31":"x"}}`, []string{"shipping.31: must be an integer, not string"}},
		{"custom unmarshaler error", `{"lines":[{"price":-1}]}`, []string{"lines[0].price: json: unsupported value: negative"}},
		{"overflow", `{"lines":[{"quantity":99999999999999999999}]}`, []string{"lines[0].quantity: must be an integer, not number 99999999999999999999"}},
		{"float for int", `{"lines":[{"quantity":1.5}]}`, []string{"lines[0].quantity: must be an integer, not number 1.5"}},
		{"duplicate key", `{"external_id":"a","external_id":"b"}`, []string{"external_id: duplicate key"}},
		{"duplicate map key", `{"shipping":{"31":1,"31":2}}`, []string{"shipping.31: duplicate key"}},
		{"case differs", `{"External_ID":"a"}`, []string{"External_ID: unknown field"}},
		{"object for string", `{"external_id":{"a":1}}`, []string{"external_id: must be a string, not an object"}},
		{"array for object", `{"customer":[1]}`, []string{"customer: must be an object, not an array"}},
		{"deep nesting", `{"raw":` + strings.Repeat("[", 100000), []string{"raw" + strings.Repeat("[0]", MaxDepth-1) + ": nests deeper than 32 levels"}},
		{"deep nesting at top", strings.Repeat("[", 100000), []string{"(body): must be an object, not an array", strings.Repeat("[0]", MaxDepth) + ": nests deeper"}},
		{"empty", ``, []string{"(body): empty body"}},
		{"truncated", `{"external_id":"a"`, []string{"(body): the JSON ends early"}},
		{"syntax", `{"external_id":}`, []string{"(body): invalid JSON at byte"}},
		{"trailing", `{} {}`, []string{"(body): unexpected data after the JSON value"}},
		{"scalar body", `"x"`, []string{"(body): must be an object, not string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.body), &d)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("err = %v, want *Error", err)
			}
			if len(e.Fields) != len(tt.want) {
				t.Fatalf("fields %q, want %q", e.Fields, tt.want)
			}
			for i, w := range tt.want {
				if got := e.Fields[i].Field + ": " + e.Fields[i].Message; !strings.HasPrefix(got, w) {
					t.Errorf("field %d = %q, want prefix %q", i, got, w)
				}
			}
		})
	}
}

// The two ids of the original report must stay apart: encoding/json maps
// both to "U\ufffd\ufffd1".
func TestDecodeKeepsDistinctInvalidIDsApart(t *testing.T) {
	for _, id := range []string{"U\xff\xfe1", "U\xfe\xff1"} {
		var d doc
		if err := Decode([]byte(`{"external_id":"`+id+`"}`), &d); err == nil {
			t.Errorf("%q decoded to %q, want an error", id, d.ID)
		}
	}
}

func TestDecodeTooManyErrors(t *testing.T) {
	body := `{"lines":[` + strings.Repeat(`{"quantity":"x"},`, 500) + `{}]}`
	var d doc
	err := Decode([]byte(body), &d)
	e, ok := err.(*Error)
	if !ok || len(e.Fields) != maxErrors+1 || !strings.Contains(e.Fields[maxErrors].Message, "stopped") {
		t.Fatalf("err = %v", err)
	}
}

type Inner struct {
	A string `json:"a"`
}

type outer struct {
	*Inner
	B []byte `json:"b"`
	C any    `json:"c"`
}

func TestDecodeEmbeddedPointerAndOddTargets(t *testing.T) {
	var o outer
	if err := Decode([]byte(`{"a":"x","b":"aGk=","c":{"k":[1,"2"]}}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.Inner == nil || o.A != "x" || string(o.B) != "hi" || !reflect.DeepEqual(o.C, map[string]any{"k": []any{1.0, "2"}}) {
		t.Errorf("got %+v", o)
	}
	if err := Decode([]byte(`{"c":{"k":"\udc00"}}`), &o); err == nil || !strings.Contains(err.Error(), "c.k: is not valid UTF-8") {
		t.Errorf("invalid UTF-8 inside an interface value: %v", err)
	}
}

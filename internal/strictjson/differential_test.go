package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/strictjson"
	"github.com/supplyhub/supplyhub/pipeline"
)

// The differential tests hold Decode (the fast path, falling back to the
// Token walk) to the Token walk alone: for every body and target type, the
// same decoded value and the same error list.

// Shapes of connectors/api's request bodies, whose types are unexported.
type statusRequest struct {
	Status     string `json:"status"`
	Note       string `json:"note"`
	OccurredAt string `json:"occurred_at"`
	Tracking   *struct {
		Carrier string `json:"carrier"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"tracking"`
	Lines []struct {
		Position int    `json:"position,omitempty"`
		SKU      string `json:"sku,omitempty"`
		Quantity int    `json:"quantity"`
	} `json:"lines"`
}

type replayRequest struct {
	IDs      []int64 `json:"ids"`
	Endpoint string  `json:"endpoint"`
	Since    string  `json:"since"`
}

// cents is a json.Unmarshaler that refuses negative amounts.
type cents int64

func (c *cents) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if n < 0 {
		return errors.New("negative")
	}
	*c = cents(n)
	return nil
}

// tags is a json.Unmarshaler that merges into what it holds.
type tags map[string]int

func (t *tags) UnmarshalJSON(b []byte) error {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if *t == nil {
		*t = tags{}
	}
	for k, v := range m {
		(*t)[k] += v
	}
	return nil
}

type colour string

type Base struct {
	ID   string `json:"id"`
	Note string `json:"note,omitempty"`
}

type Extra struct {
	Flag  bool `json:"flag"`
	Level int8 `json:"level"`
}

type inner struct {
	Ignored string `json:"-"`
	Dash    string `json:"-,"`
	Name    string
	private int
}

// Named is embedded under a tag, so it is one field, not promoted ones.
type Named struct {
	X int `json:"x"`
}

// kitchen has a field of most kinds the walk treats differently.
type kitchen struct {
	Base
	*Extra
	inner
	Count    int                         `json:"count"`
	Small    uint8                       `json:"small"`
	Ratio    float64                     `json:"ratio"`
	Ptr      *int                        `json:"ptr"`
	PtrPtr   **string                    `json:"ptrptr"`
	Any      any                         `json:"any"`
	Anys     []any                       `json:"anys"`
	Raw      json.RawMessage             `json:"raw"`
	Bytes    []byte                      `json:"bytes"`
	Money    cents                       `json:"money"`
	Monies   map[string]cents            `json:"monies"`
	Tags     tags                        `json:"tags"`
	When     time.Time                   `json:"when"`
	Addr     netip.Addr                  `json:"addr"` // a TextUnmarshaler
	Colours  map[colour][]colour         `json:"colours"`
	Nested   map[string]map[string]*Base `json:"nested"`
	IntKeys  map[int]string              `json:"int_keys"`
	Matrix   [][]int                     `json:"matrix"`
	Array    [2]int                      `json:"array"`
	Children []*kitchen                  `json:"children"`
	Num      json.Number                 `json:"num"`
	Str      string                      `json:"str,string"`
	Named    `json:"named"`
	Shadow   int `json:"note"` // Base's note comes first, so it wins
}

// targets makes a fresh value of every type the differential tests try.
var targets = []func() any{
	func() any { return new(pipeline.OrderRequest) },
	func() any { return new(statusRequest) },
	func() any { return new(replayRequest) },
	func() any { return new(kitchen) },
	func() any { return new(any) },
	func() any { return new(map[string]any) },
	func() any { return new([]int) },
	func() any { return new(string) },
	func() any { return new(*pipeline.LineRequest) },
}

// prefills are what a target holds before the body is decoded into it:
// nothing, or the values of other bodies, which shows whether slices, maps
// and pointers are reused alike.
var prefills = []string{"", orderBody, kitchenBody}

// compare decodes body into every target both ways, after each of
// prefills, and reports any difference.
func compare(t *testing.T, body []byte, prefills ...string) {
	t.Helper()
	for _, mk := range targets {
		for _, prefill := range prefills {
			fast, slow := mk(), mk()
			if prefill != "" {
				_ = strictjson.Decode([]byte(prefill), fast)
				_ = strictjson.Decode([]byte(prefill), slow)
			}
			errFast := strictjson.Decode(body, fast)
			errSlow := strictjson.DecodeSlow(body, slow)
			if !reflect.DeepEqual(errFast, errSlow) {
				t.Fatalf("%T: errors differ for %q:\nfast %v\nslow %v", fast, body, errFast, errSlow)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%T: values differ for %q:\nfast %+v\nslow %+v", fast, body, fast, slow)
			}
		}
	}
	if ok := strictjson.TakesFastPath(body); ok != (json.Valid(body) && depth(body) <= strictjson.MaxDepth) {
		t.Fatalf("fast path %v for %q; valid %v, depth %d", ok, body, json.Valid(body), depth(body))
	}
}

// depth is how deeply a valid body nests.
func depth(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	n, most := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return most
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			n++
			most = max(most, n)
		case json.Delim('}'), json.Delim(']'):
			n--
		}
	}
}

const orderBody = `{
  "external_id": "SO-2026-118734",
  "placed_at": "2026-11-30T14:03:27+01:00",
  "currency": "EUR",
  "customer": {"type": "business", "name": "Zoë Martín", "company": "Atelier Nord",
    "email": "zoe.martin@example.com", "phone": "+33 6 12 34 56 78"},
  "shipping_address": {"name": "Zoë Martín", "company": "Atelier Nord", "line1": "12 rue de la Paix",
    "line2": "Bâtiment B, 3e étage", "city": "Paris", "region": "Île-de-France", "postal_code": "75002", "country": "FR"},
  "lines": [
    {"sku": "HAM-200", "supplier": "31", "name": "Claw hammer 20 oz", "quantity": 2, "unit_price": "24.90",
     "options": {"handle": "fibreglass", "colour": "red"}},
    {"sku": "SCR-4x40-200", "supplier": "31", "name": "Wood screws 4x40, box of 200", "quantity": 5, "unit_price": 699,
     "discount": "1.50"},
    {"sku": "LVL-600", "supplier": "40", "name": "Spirit level 600 mm \"pro\"", "quantity": 1, "unit_price": "39.00",
     "options": {"length": "600mm"}}
  ],
  "shipping": {"31": "6.90", "40": 450},
  "notes": "Deliver to the back door\nring twice"
}`

const kitchenBody = `{"count":-9223372036854775808,"small":256,"ratio":1e400,"ptr":null,"ptrptr":"s","any":{"a":[1,"2",null,true]},
		  "anys":[1,{"b":2}],"raw":[ 1 , 2 ],"bytes":"aGk=","money":"12","monies":{"a":1,"b":-1},"tags":{"x":1},
		  "when":"2026-01-02T03:04:05Z","addr":"10.0.0.1","colours":{"red":["a","b"]},"nested":{"a":{"b":{"id":"c"}}},
		  "int_keys":{"1":"a"},"matrix":[[1,2],[],[3]],"array":[1,2],"children":[{"count":1},null],"num":1.5e3,"str":"\"q\""}`

// seeds are the bodies of decode_test.go, the committed fuzz corpora of
// this package and of pipeline's order decoder, and a few shapes more.
func seeds(tb testing.TB) [][]byte {
	bodies := []string{
		orderBody,
		`{"external_id":"A-\u00e9\ud83d\ude00 \ufffd","customer":{"Email":"a@b.c"},
	  "lines":[{"sku":"X","quantity":2,"price":5,"options":{"colour":"red"}}],
	  "shipping":{"31":500},"tracking":{"number":"T1"},"raw":{"a":[1,2]}}`,
		"{\"external_id\":\"U\xff\xfe1\"}",
		"{\"lines\":[{\"sku\":\"ok\"},{\"sku\":\"\xc3\"}]}",
		"{\"lines\":[{\"options\":{\"k\xff\":\"v\"}}]}",
		"{\"shipping\":{\"31\":1},\"lines\":[{\"options\":{\"k\":\"\xed\xa0\x80\"}}]}",
		`{"external_id":"\ud800x"}`,
		`{"external_id":"\udc00"}`,
		`{"external_id":"\\ufffd\ud800"}`,
		"{\"nope\":\"\xff\"}",
		`{"lines":[{"quantity":1},{"quantity":1},{"quantity":"2"}]}`,
		`{"shipping":{"31":"x"}}`,
		`{"lines":[{"price":-1}]}`,
		`{"lines":[{"quantity":99999999999999999999}]}`,
		`{"lines":[{"quantity":1.5}]}`,
		`{"external_id":"a","external_id":"b"}`,
		`{"shipping":{"31":1,"31":2}}`,
		`{"External_ID":"a"}`,
		`{"external_id":{"a":1}}`,
		`{"customer":[1]}`,
		`{"raw":` + strings.Repeat("[", 1000),
		strings.Repeat("[", 1000),
		strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth),
		strings.Repeat("[", strictjson.MaxDepth+1) + strings.Repeat("]", strictjson.MaxDepth+1),
		``, `   `, `{"external_id":"a"`, `{"external_id":}`, `{} {}`, `{} x`, `1x`, `"x"`, `null`, `true`, `-0`, ` 12 `,
		`{"lines":[` + strings.Repeat(`{"quantity":"x"},`, 150) + `{}]}`,
		`{"k\u0061":1,"ka":2,"k\ud83d\ude00":3,"k😀":4}`,
		"{\"k\xff\":1,\"k\xfe\":2,\"k\ufffd\":3}",
		`{"id":"x","note":"n","flag":true,"level":300,"Name":"n","-":"dash","Ignored":"no","private":1}`,
		kitchenBody,
		`{"when":"yesterday","addr":"nope","bytes":"!","array":[1],"int_keys":{"x":"y"},"num":"x","str":1}`,
		`{"a":"\b\f\n\r\t\/\\\"\u0000\u001f\u00e9\u20ac","b":"\uD83D\uDE00"}`,
		`{"external_id":"\b\f\n\r\t\/\\\"\u0000\u001f\u00e9\u20ac\uD83D\uDE00x","notes":"a\\ud800","id":"\"","Name":"\u00e9t\u00e9"}`,
		`{"count":-9223372036854775808,"small":255,"level":-128,"ptr":9223372036854775807,"ids":[-1,0,1]}`,
		`{"named":{"x":1},"x":2,"note":"a","Shadow":1}`,
		`{"any":"\udc00","anys":["\ud800"],"raw":{"\udfff":1}}`,
	}
	var out [][]byte
	for _, b := range bodies {
		out = append(out, []byte(b))
	}
	for _, dir := range []string{"testdata/fuzz/FuzzDecode", "testdata/fuzz/FuzzDecodeMatchesSlow", "../../pipeline/testdata/fuzz/FuzzDecodeOrderRequest"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, file := range files {
			b, err := corpusEntry(file)
			if err != nil {
				tb.Fatalf("%s: %v", file, err)
			}
			out = append(out, b)
		}
	}
	return out
}

// corpusEntry reads the one []byte of a "go test fuzz v1" file.
func corpusEntry(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	_, rest, _ := strings.Cut(string(data), "\n")
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "[]byte(") || !strings.HasSuffix(rest, ")") {
		return nil, io.ErrUnexpectedEOF
	}
	s, err := strconv.Unquote(rest[len("[]byte(") : len(rest)-1])
	return []byte(s), err
}

func TestDecodeMatchesSlow(t *testing.T) {
	for _, body := range seeds(t) {
		compare(t, body, prefills...)
		// Prefixes, to cover the ways a body can end early: every one of
		// a short body, about 50 of a long one.
		step := max(1, len(body)/50)
		for i := 0; i < len(body); i += step {
			compare(t, body[:i], "")
		}
	}
}

func TestOrderTakesFastPath(t *testing.T) {
	if !strictjson.TakesFastPath([]byte(orderBody)) {
		t.Fatal("a valid order body does not take the fast path")
	}
	var req pipeline.OrderRequest
	if err := strictjson.Decode([]byte(orderBody), &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Lines) != 3 || req.Lines[2].Name != `Spirit level 600 mm "pro"` || req.ShippingAddress.Region != "Île-de-France" {
		t.Errorf("decoded %+v", req)
	}
}

// FuzzDecodeMatchesSlow: for any body and every target type, Decode and the
// original Token walk decode the same value and the same error list, and
// the fast path takes exactly the well-formed bodies within MaxDepth.
func FuzzDecodeMatchesSlow(f *testing.F) {
	for _, body := range seeds(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compare(t, body, prefills[len(body)%len(prefills)]) // one prefill per body keeps the target quick
	})
}

package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// rawOrder is order(ext) as JSON with the literal bytes raw in place of
// the string "@RAW@" (so raw may hold invalid UTF-8, which json.Marshal
// would rewrite).
func rawOrder(t *testing.T, o map[string]any, raw string) []byte {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("@RAW@")) {
		t.Fatalf("no @RAW@ in %s", b)
	}
	return bytes.ReplaceAll(b, []byte("@RAW@"), []byte(raw))
}

// Two external ids that differ only in invalid bytes used to decode to the
// same U+FFFD text: the second order was answered 200 with the first one's
// number and silently dropped.
func TestInvalidUTF8ExternalIDsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		for _, id := range []string{"U\xff\xfe1", "U\xfe\xff1"} {
			code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, rawOrder(t, order("@RAW@"), id))
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("external_id %q: status %d, want 422: %s", id, code, body)
			}
			wantField(t, body, "external_id")
		}
	})
}

// wantField fails unless the error body names field.
func wantField(t *testing.T, body []byte, field string) {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	for _, f := range e.Error.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields %+v lack %q", e.Error.Fields, field)
}

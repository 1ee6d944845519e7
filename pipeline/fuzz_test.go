package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzDecodeOrderRequest feeds arbitrary bodies to the order decoder and
// validator. They must never panic, every refusal must be a
// *ValidationError naming fields, and an accepted order must re-encode to
// JSON that decodes and validates to the same content.
func FuzzDecodeOrderRequest(f *testing.F) {
	valid := `{"external_id":"A-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
	  "customer":{"name":"Zoë","email":"z@example.com"},
	  "shipping_address":{"name":"Zoë","line1":"1 rue","city":"Paris","country":"FR"},
	  "lines":[{"sku":"H","supplier":"31","name":"Hammer","quantity":2,"unit_price":"12.50","options":{"colour":"red"}}],
	  "shipping":{"31":500},"notes":"ring\r\ntwice"}`
	for _, seed := range []string{
		valid,
		"{\"external_id\":\"U\xff\xfe1\"}",
		`{"external_id":"\ud800"}`,
		`{"external_id":"a","external_id":"b"}`,
		`{"lines":[{"quantity":1e400,"unit_price":"92233720368547758.08"}]}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"shipping":{"31":-1,"40":9223372036854775807}}`,
		``,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	suppliers := func(code string) bool { return code == "31" || code == "40" }
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeOrderRequest(bytes.NewReader(body))
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("decode error %v is not a ValidationError with fields", err)
			}
			return
		}
		if _, err := req.Validate(suppliers); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("validate error %v is not a ValidationError with fields", err)
			}
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("accepted order does not encode: %v", err)
		}
		req2, err := DecodeOrderRequest(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-encoded order %s does not decode: %v", again, err)
		}
		if _, err := req2.Validate(suppliers); err != nil {
			t.Fatalf("re-encoded order %s does not validate: %v", again, err)
		}
		if req.Hash() != req2.Hash() {
			t.Fatalf("round trip changed the order:\n%s\n%s", body, again)
		}
	})
}

// FuzzNextRun parses schedule and time_zone settings as a channel's would
// be. It must never panic, and an accepted schedule must give a time that
// is not before now.
func FuzzNextRun(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""}, {"immediate", ""}, {"0 6 * * *", "Europe/Paris"}, {"*/15 * * * *", ""},
		{"@every 1h", ""}, {"@daily", "UTC"}, {"0 0 31 2 *", ""}, {"CRON_TZ=Asia/Tokyo 0 9 * * 1-5", ""},
		{"TZ=", ""}, {"0 0 * * *", "../../etc/passwd"}, {"60 25 32 13 8", ""}, {"@every -1s", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, schedule, zone string) {
		settings, err := json.Marshal(map[string]string{"schedule": schedule, "time_zone": zone})
		if err != nil {
			return
		}
		next, err := NextRun(settings, now)
		if err != nil {
			return
		}
		if next.Before(now) {
			t.Fatalf("schedule %q zone %q: next run %v is before now %v", schedule, zone, next, now)
		}
	})
}

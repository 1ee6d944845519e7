package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestNewSecretParses(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("NewSecret returned the same secret twice")
	}
	key, err := ParseSecret(a)
	if err != nil {
		t.Fatalf("ParseSecret(NewSecret()): %v", err)
	}
	if len(key) != newSecretBytes {
		t.Fatalf("key length %d, want %d", len(key), newSecretBytes)
	}
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name   string
		secret string
		want   string // substring of the error; "" means valid
	}{
		{"24 bytes", "whsec_" + b64(24), ""},
		{"64 bytes", "whsec_" + b64(64), ""},
		{"no prefix", b64(32), "must start with"},
		{"wrong prefix", "whsek_" + b64(32), "must start with"},
		{"bad base64", "whsec_!!!!", "bad base64"},
		{"url-safe alphabet", "whsec_" + strings.Repeat("-_", 16), "bad base64"},
		{"too short", "whsec_" + b64(23), "23 bytes"},
		{"too long", "whsec_" + b64(65), "65 bytes"},
		{"empty", "", "must start with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSecret(tt.secret)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSecret) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrInvalidSecret mentioning %q", err, tt.want)
			}
		})
	}
}

// TestSignMatchesIndependentLibrary checks our signer against the Standard
// Webhooks reference library, for each secret of a rotation.
func TestSignMatchesIndependentLibrary(t *testing.T) {
	oldSecret, newSecret := NewSecret(), NewSecret()
	body := []byte(`{"type":"order.created","timestamp":"2024-05-01T10:00:00Z","data":{"n":1}}`)
	now := time.Now()
	sig, err := Sign([]string{oldSecret, newSecret}, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("signature header has %d entries, want 2: %q", n, sig)
	}
	h := http.Header{}
	h.Set(HeaderID, "msg_1")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	for _, s := range []string{oldSecret, newSecret} {
		if err := independentVerify(t, s, h, body); err != nil {
			t.Errorf("reference library rejected a rotation secret: %v", err)
		}
	}
	if err := independentVerify(t, NewSecret(), h, body); err == nil {
		t.Error("reference library accepted an unrelated secret")
	}
}

func independentVerify(t *testing.T, secret string, h http.Header, body []byte) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("reference NewWebhook: %v", err)
	}
	return wh.Verify(body, h)
}

// TestVerifyAcceptsReferenceSignature checks our verifier against a header
// the reference library produced.
func TestVerifyAcceptsReferenceSignature(t *testing.T) {
	secret := NewSecret()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"a":1}`)
	now := time.Now()
	sig, err := wh.Sign("msg_2", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, "msg_2")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	// An unknown version and a garbage entry ahead of the real one must be
	// skipped, not fail verification.
	h.Set(HeaderSignature, "v2,abc v1,!!! "+sig)
	if err := Verify([]string{NewSecret(), secret}, h, body, 0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	secret := NewSecret()
	body := []byte(`{"a":1}`)
	now := time.Unix(1_700_000_000, 0)
	signed := func(id string, ts time.Time) http.Header {
		sig, err := Sign([]string{secret}, id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(HeaderSignature, sig)
		return h
	}
	tests := []struct {
		name    string
		secrets []string
		h       http.Header
		body    []byte
		want    error
	}{
		{"tampered body", []string{secret}, signed("m", now), []byte(`{"a":2}`), ErrNoMatchingSignature},
		{"other secret", []string{NewSecret()}, signed("m", now), body, ErrNoMatchingSignature},
		{"too old", []string{secret}, signed("m", now.Add(-6*time.Minute)), body, ErrTimestampTolerance},
		{"too new", []string{secret}, signed("m", now.Add(6*time.Minute)), body, ErrTimestampTolerance},
		{"missing headers", []string{secret}, http.Header{}, body, ErrMissingHeaders},
		{"no secrets", nil, signed("m", now), body, ErrNoSecrets},
		{"bad secret", []string{"nope"}, signed("m", now), body, ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyAt(tt.secrets, tt.h, tt.body, 0, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
	// Changing the id must break the signature too.
	h := signed("m", now)
	h.Set(HeaderID, "other")
	if err := verifyAt([]string{secret}, h, body, 0, now); !errors.Is(err, ErrNoMatchingSignature) {
		t.Fatalf("changed id: error %v", err)
	}
	if err := verifyAt([]string{secret}, signed("m", now.Add(-4*time.Minute)), body, 0, now); err != nil {
		t.Fatalf("within tolerance: %v", err)
	}
}

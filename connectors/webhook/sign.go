package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a webhook-timestamp may be from the verifier's
// clock; the Standard Webhooks libraries use the same five minutes.
const DefaultTolerance = 5 * time.Minute

const (
	secretPrefix   = "whsec_"
	minSecretBytes = 24
	maxSecretBytes = 64
	newSecretBytes = 32
	sigVersion     = "v1"
)

// Signing and verification errors.
var (
	ErrInvalidSecret       = errors.New("invalid webhook secret")
	ErrNoSecrets           = errors.New("no webhook signing secret")
	ErrMissingHeaders      = errors.New("missing webhook signature headers")
	ErrTimestampTolerance  = errors.New("webhook timestamp outside tolerance")
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
)

// NewSecret returns a fresh secret, "whsec_" followed by the base64 of 32
// random bytes.
func NewSecret() string {
	b := make([]byte, newSecretBytes)
	// crypto/rand.Read never returns an error since Go 1.24 (it crashes the
	// program instead of handing out weak randomness).
	_, _ = rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ParseSecret validates a "whsec_…" secret and returns its key bytes.
func ParseSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("parse secret: %w: must start with %q", ErrInvalidSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// The decoder's message quotes the offending input offset, never the
		// secret itself, so it is safe to keep.
		return nil, fmt.Errorf("parse secret: %w: bad base64 after prefix: %w", ErrInvalidSecret, err)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("parse secret: %w: key is %d bytes, want %d to %d",
			ErrInvalidSecret, len(key), minSecretBytes, maxSecretBytes)
	}
	return key, nil
}

// Sign returns the webhook-signature header value: one "v1,<base64>" per
// secret, separated by spaces.
func Sign(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	unix := strconv.FormatInt(ts.Unix(), 10)
	var sb strings.Builder
	enc := base64.StdEncoding
	sb.Grow(len(keys) * (len(sigVersion) + 1 + enc.EncodedLen(sha256.Size) + 1))
	var sum [sha256.Size]byte
	for i, key := range keys {
		if i > 0 {
			sb.WriteByte(' ')
		}
		mac := signature(hmac.New(sha256.New, key), msgID, unix, body, sum[:0])
		sb.WriteString(sigVersion)
		sb.WriteByte(',')
		sb.WriteString(enc.EncodeToString(mac))
	}
	return sb.String(), nil
}

// Verify checks Standard Webhooks headers against the body with any of the
// secrets; tolerance <= 0 means DefaultTolerance.
func Verify(secrets []string, h http.Header, body []byte, tolerance time.Duration) error {
	return verifyAt(secrets, h, body, tolerance, time.Now())
}

func verifyAt(secrets []string, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	id, unix, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || unix == "" || sigs == "" {
		return fmt.Errorf("verify: %w", ErrMissingHeaders)
	}
	secs, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return fmt.Errorf("verify: bad %s: %w", HeaderTimestamp, err)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Compare in whole seconds so a huge timestamp cannot overflow a Duration.
	if skew := now.Unix() - secs; skew > int64(tolerance/time.Second) || -skew > int64(tolerance/time.Second) {
		return fmt.Errorf("verify: %w: %d s off", ErrTimestampTolerance, skew)
	}
	expected := make([][]byte, len(keys))
	for i, key := range keys {
		expected[i] = signature(hmac.New(sha256.New, key), id, unix, body, nil)
	}
	for _, tok := range strings.Fields(sigs) {
		version, enc, ok := strings.Cut(tok, ",")
		if !ok || version != sigVersion {
			continue // unknown versions are skipped, as the spec requires
		}
		got, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			continue
		}
		for _, want := range expected {
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return fmt.Errorf("verify: %w", ErrNoMatchingSignature)
}

// signature computes HMAC(key, "{id}.{timestamp}.{body}") without building
// the concatenated string, appending the sum to dst.
func signature(mac hash.Hash, id, unix string, body, dst []byte) []byte {
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(unix))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(dst)
}

func parseSecrets(secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, ErrNoSecrets
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := ParseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		keys[i] = k
	}
	return keys, nil
}

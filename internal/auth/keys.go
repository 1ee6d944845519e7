// Package auth makes and checks API keys. A key is 32 random bytes shown
// once; only its SHA-256 is stored. A slow password hash would add nothing
// for keys this long and would cost every request.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewKey returns a new key for role ("sh_r_…", "sh_s_…", "sh_a_…"), its
// hash for storage, and a short hint for listings.
func NewKey(role string) (key, hash, hint string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	key = "sh_" + role[:1] + "_" + strings.ToLower(keyEncoding.EncodeToString(b))
	return key, HashKey(key), key[:9] + "…"
}

// HashKey is the stored form of a key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ErrNoKey and ErrBadKey are the two ways authentication fails.
var (
	ErrNoKey  = errors.New("missing Authorization: Bearer <key> header")
	ErrBadKey = errors.New("unknown or revoked API key")
)

// AuthenticateFor finds the principal behind the request's bearer key, for
// a route that needs role ("" for any). For the retailer role it reads the
// key's retailer with the key (Principal's Retailer), saving the order
// route a statement; a key of another role is then looked up again, to be
// told apart from an unknown one.
func AuthenticateFor(ctx context.Context, st *store.Store, r *http.Request, role string) (*store.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return nil, ErrNoKey
	}
	hash := HashKey(strings.TrimSpace(key))
	var (
		p   *store.Principal
		err error
	)
	if role == store.RoleRetailer {
		p, err = st.RetailerPrincipalByKeyHash(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			p, err = st.PrincipalByKeyHash(ctx, hash)
		}
	} else {
		p, err = st.PrincipalByKeyHash(ctx, hash)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadKey
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	return p, nil
}

// UsedEvery is how stale a key's last-used time may get: it is written at
// most once per interval per key, not on every request.
const UsedEvery = time.Minute

// MarkUsed records that p's key was used now, unless that was recorded
// less than UsedEvery ago; most requests write nothing.
func MarkUsed(ctx context.Context, st *store.Store, p *store.Principal, now time.Time) error {
	if p.LastUsedAt != nil && now.Sub(*p.LastUsedAt) < UsedEvery {
		return nil
	}
	return st.TouchAPIKey(ctx, p.KeyID, now, UsedEvery)
}

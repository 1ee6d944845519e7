package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Key roles.
const (
	RoleRetailer = "retailer"
	RoleSupplier = "supplier"
	RoleAdmin    = "admin"
)

// Principal is who an API key belongs to.
type Principal struct {
	KeyID      int64
	Role       string
	RetailerID int64
	SupplierID int64
	// LastUsedAt is when the key was last recorded as used; nil if never.
	LastUsedAt *time.Time
	// Retailer is the key's retailer with its channels when the lookup
	// read it with the key (RetailerPrincipalByKeyHash); nil otherwise.
	Retailer *domain.Retailer
}

// NewAPIKey is a key to store: only its hash and a short hint, never the key.
type NewAPIKey struct {
	Hash       string
	Hint       string
	Role       string
	RetailerID int64
	SupplierID int64
	Name       string
}

// APIKey is a stored key as listings show it: never the key or its hash.
type APIKey struct {
	ID   int64
	Role string
	// Owner is the retailer's or supplier's code; "" for admin keys.
	Owner string
	Name  string
	// Hint is the key's first characters, e.g. "sh_r_abcd…".
	Hint       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// APIKeyFilter narrows ListAPIKeys; zero fields match everything.
type APIKeyFilter struct {
	ID         int64
	RetailerID int64
	SupplierID int64
	// HintPrefix keeps keys whose hint starts with it.
	HintPrefix string
	// Hash keeps the key with this hash.
	Hash string
}

// ErrKeyRevoked is returned by RevokeAPIKey for a key revoked before.
var ErrKeyRevoked = errors.New("api key already revoked")

const (
	qInsertKey = `INSERT INTO api_keys (key_hash, hint, role, retailer_id, supplier_id, name, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	qKeyByHash = `SELECT id, role, COALESCE(retailer_id, 0), COALESCE(supplier_id, 0), last_used_at FROM api_keys
WHERE key_hash = $1 AND revoked_at IS NULL`
	qListKeys = `SELECT k.id, k.role, COALESCE(r.code, s.code, ''), k.name, k.hint, k.created_at, k.last_used_at, k.revoked_at
FROM api_keys k LEFT JOIN retailers r ON r.id = k.retailer_id LEFT JOIN suppliers s ON s.id = k.supplier_id
WHERE ($1 = 0 OR k.retailer_id = $1) AND ($2 = 0 OR k.supplier_id = $2) AND ($3 = '' OR k.key_hash = $3) AND ($4 = 0 OR k.id = $4)
ORDER BY k.id`
	qRevokeKey = `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`
	qKeyExists = `SELECT count(*) FROM api_keys WHERE id = $1`
	// qTouchKey re-checks the age in SQL, so that replicas seeing the same
	// stale time write once between them, not once each.
	qTouchKey = `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`
)

// CreateAPIKey stores a hashed key and returns its id.
func (s *Store) CreateAPIKey(ctx context.Context, k NewAPIKey) (int64, error) {
	var id int64
	err := s.d.QueryRow(ctx, qInsertKey, k.Hash, k.Hint, k.Role, nullID(k.RetailerID), nullID(k.SupplierID), k.Name, time.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create api key: %w", err)
	}
	return id, nil
}

// PrincipalByKeyHash finds the live key with that hash. It reads the
// database every time: a revoked key is refused on the next request, on
// every replica.
func (s *Store) PrincipalByKeyHash(ctx context.Context, hash string) (*Principal, error) {
	var p Principal
	if err := s.d.QueryRow(ctx, qKeyByHash, hash).Scan(&p.KeyID, &p.Role, &p.RetailerID, &p.SupplierID, nullTimeCol{&p.LastUsedAt}); err != nil {
		return nil, err
	}
	return &p, nil
}

// qRetailerPrincipal is qKeyByHash with the key's retailer and its
// channels (qRetailerJoined), one row per channel: taking an order needs
// both, and on PostgreSQL each statement is a round trip and a backend's
// bind and execute. Keys of no retailer match no row.
const qRetailerPrincipal = `SELECT k.id, k.role, COALESCE(k.retailer_id, 0), COALESCE(k.supplier_id, 0), k.last_used_at,
` + retailerJoinedCols + `
FROM api_keys k JOIN retailers r ON r.id = k.retailer_id LEFT JOIN retailer_channels c ON c.retailer_id = r.id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL ORDER BY c.name`

// RetailerPrincipalByKeyHash is PrincipalByKeyHash for a retailer's key,
// with Retailer set, read in the same statement and so just as fresh:
// revocation still takes effect on the next request, on every replica.
// ErrNotFound also for a live key that is not a retailer's.
func (s *Store) RetailerPrincipalByKeyHash(ctx context.Context, hash string) (*Principal, error) {
	var p Principal
	r, err := retailerWithChannels(ctx, s.d, qRetailerPrincipal, hash,
		&p.KeyID, &p.Role, &p.RetailerID, &p.SupplierID, nullTimeCol{&p.LastUsedAt})
	if err != nil {
		return nil, err
	}
	p.Retailer = r
	return &p, nil
}

// ListAPIKeys returns the keys matching f, revoked ones included, by id.
func (s *Store) ListAPIKeys(ctx context.Context, f APIKeyFilter) ([]APIKey, error) {
	rows, err := s.d.Query(ctx, qListKeys, f.RetailerID, f.SupplierID, f.Hash, f.ID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		if err := rows.Scan(&k.ID, &k.Role, &k.Owner, &k.Name, &k.Hint, timeCol{&k.CreatedAt}, nullTimeCol{&k.LastUsedAt}, nullTimeCol{&k.RevokedAt}); err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		if f.HintPrefix != "" && !strings.HasPrefix(k.Hint, f.HintPrefix) {
			continue
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey stops the key from authenticating from now on. It returns
// ErrNotFound for an unknown id and ErrKeyRevoked when it was revoked
// before.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) error {
	n, err := s.d.Exec(ctx, qRevokeKey, id, time.Now())
	if err != nil {
		return fmt.Errorf("revoke api key %d: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	var exists int
	if err := s.d.QueryRow(ctx, qKeyExists, id).Scan(&exists); err != nil {
		return fmt.Errorf("revoke api key %d: %w", id, err)
	}
	if exists == 0 {
		return ErrNotFound
	}
	return ErrKeyRevoked
}

// TouchAPIKey records that the key was used at now unless that was
// already recorded less than every ago.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, now time.Time, every time.Duration) error {
	if _, err := s.d.Exec(ctx, qTouchKey, id, now, now.Add(-every)); err != nil {
		return fmt.Errorf("record use of api key %d: %w", id, err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

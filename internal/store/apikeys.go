package store

import (
	"context"
	"fmt"
	"time"
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

const (
	qInsertKey = `INSERT INTO api_keys (key_hash, hint, role, retailer_id, supplier_id, name, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	qKeyByHash = `SELECT id, role, COALESCE(retailer_id, 0), COALESCE(supplier_id, 0) FROM api_keys
WHERE key_hash = $1 AND revoked_at IS NULL`
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

// PrincipalByKeyHash finds the live key with that hash.
func (s *Store) PrincipalByKeyHash(ctx context.Context, hash string) (*Principal, error) {
	var p Principal
	if err := s.d.QueryRow(ctx, qKeyByHash, hash).Scan(&p.KeyID, &p.Role, &p.RetailerID, &p.SupplierID); err != nil {
		return nil, err
	}
	return &p, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

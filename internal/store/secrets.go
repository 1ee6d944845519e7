package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const (
	qInsertSecret = `INSERT INTO shared_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`
	qSecret       = `SELECT value FROM shared_secrets WHERE name = $1`
	qSetSecret    = `UPDATE shared_secrets SET value = $2, created_at = $3 WHERE name = $1`
	qRetrieved    = `UPDATE supplier_orders SET retrieved_at = $3 WHERE supplier_id = $1 AND number = $2 AND retrieved_at IS NULL`
)

// SharedSecret returns the secret called name, creating it with generate
// the first time. Replicas starting together all end up with the first
// one stored.
func (s *Store) SharedSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := s.d.QueryRow(ctx, qSecret, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if err != ErrNotFound {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	nv, err := generate()
	if err != nil {
		return nil, fmt.Errorf("secret %s: generate: %w", name, err)
	}
	if _, err := s.d.Exec(ctx, qInsertSecret, name, nv, time.Now()); err != nil {
		return nil, fmt.Errorf("secret %s: store: %w", name, err)
	}
	if err := s.d.QueryRow(ctx, qSecret, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

// Secret returns the secret called name, or ErrNotFound.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := s.d.QueryRow(ctx, qSecret, name).Scan(&v); err != nil {
		if err == ErrNotFound {
			return nil, err
		}
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

// RotateSecret replaces the secret called name with a new one from
// generate, keeping the old value under previous, in one transaction.
func (s *Store) RotateSecret(ctx context.Context, name, previous string, generate func() ([]byte, error)) error {
	nv, err := generate()
	if err != nil {
		return fmt.Errorf("rotate secret %s: generate: %w", name, err)
	}
	return s.InTx(ctx, func(tx Tx) error {
		var cur []byte
		if err := tx.QueryRow(ctx, qSecret, name).Scan(&cur); err != nil {
			return fmt.Errorf("rotate secret %s: %w", name, err)
		}
		now := time.Now()
		if _, err := tx.Exec(ctx, qInsertSecret, previous, cur, now); err != nil {
			return fmt.Errorf("rotate secret %s: keep previous: %w", name, err)
		}
		if _, err := tx.Exec(ctx, qSetSecret, previous, cur, now); err != nil {
			return fmt.Errorf("rotate secret %s: keep previous: %w", name, err)
		}
		if _, err := tx.Exec(ctx, qSetSecret, name, nv, now); err != nil {
			return fmt.Errorf("rotate secret %s: %w", name, err)
		}
		return nil
	})
}

// MarkRetrieved records that a supplier took the file of one of its
// supplier orders out of the built-in SFTP server. The supplier order is
// found from the file name's part before the first dot (file names start
// with the supplier order number); it reports false when none matched.
func (s *Store) MarkRetrieved(ctx context.Context, supplierID int64, fileName string, at time.Time) (bool, error) {
	number, _, _ := strings.Cut(fileName, ".")
	n, err := s.d.Exec(ctx, qRetrieved, supplierID, number, at)
	if err != nil {
		return false, fmt.Errorf("mark %s retrieved: %w", number, err)
	}
	return n > 0, nil
}

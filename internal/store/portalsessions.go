package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const (
	qFindSession   = `SELECT data FROM portal_sessions WHERE token = $1 AND expiry > $2`
	qCommitSession = `INSERT INTO portal_sessions (token, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`
	qDeleteSession  = `DELETE FROM portal_sessions WHERE token = $1`
	qExpireSessions = `DELETE FROM portal_sessions WHERE expiry <= $1`
	qInsertFailure  = `INSERT INTO portal_login_failures (key, at) VALUES ($1, $2)`
	qCountFailures  = `SELECT count(*), min(at) FROM portal_login_failures WHERE key = $1 AND at > $2`
	qClearFailures  = `DELETE FROM portal_login_failures WHERE key = $1`
	qExpireFailures = `DELETE FROM portal_login_failures WHERE at <= $1`
)

// FindSession returns a live portal session's data.
func (s *Store) FindSession(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.d.QueryRow(ctx, qFindSession, token, time.Now().UTC()).Scan(&b)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitSession creates or replaces a portal session.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	if _, err := s.d.Exec(ctx, qCommitSession, token, data, expiry.UTC()); err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteSession removes a portal session.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.d.Exec(ctx, qDeleteSession, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CleanPortal deletes expired sessions and login failures older than
// window, returning how many rows went.
func (s *Store) CleanPortal(ctx context.Context, now time.Time, window time.Duration) (int64, error) {
	n, err := s.d.Exec(ctx, qExpireSessions, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("expire sessions: %w", err)
	}
	m, err := s.d.Exec(ctx, qExpireFailures, now.Add(-window).UTC())
	if err != nil {
		return n, fmt.Errorf("expire login failures: %w", err)
	}
	return n + m, nil
}

// RecordLoginFailure notes a failed sign-in under key.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time) error {
	if _, err := s.d.Exec(ctx, qInsertFailure, key, at.UTC()); err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts key's failed sign-ins after since, and the oldest
// of them (zero when none).
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var oldest time.Time
	if err := s.d.QueryRow(ctx, qCountFailures, key, since.UTC()).Scan(&n, timeCol{&oldest}); err != nil {
		return 0, time.Time{}, fmt.Errorf("count login failures: %w", err)
	}
	return n, oldest, nil
}

// ClearLoginFailures forgets key's failures (after a successful sign-in).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.d.Exec(ctx, qClearFailures, key); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Portal user roles. An operator belongs to no party.
const (
	PortalOperator = "operator"
	PortalSupplier = "supplier"
	PortalRetailer = "retailer"
)

// ErrUserExists is returned by CreateUser for an email already taken.
var ErrUserExists = errors.New("a user with this email exists")

// User is a portal account. Exactly one of SupplierID and RetailerID is
// set for supplier and retailer users; neither for operators.
type User struct {
	ID         int64
	Email      string
	Role       string
	SupplierID int64
	RetailerID int64
	// Party is the supplier's or retailer's code ("" for operators).
	Party        string
	PasswordHash string
	SessionGen   int64
	CreatedAt    time.Time
	LastLoginAt  *time.Time
	DisabledAt   *time.Time
}

const (
	userCols = `u.id, u.email, u.role, COALESCE(u.supplier_id, 0), COALESCE(u.retailer_id, 0), COALESCE(s.code, r.code, ''),
u.password_hash, u.session_gen, u.created_at, u.last_login_at, u.disabled_at`
	userFrom    = ` FROM portal_users u LEFT JOIN suppliers s ON s.id = u.supplier_id LEFT JOIN retailers r ON r.id = u.retailer_id`
	qInsertUser = `INSERT INTO portal_users (email, role, supplier_id, retailer_id, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	qUserByEmail = `SELECT ` + userCols + userFrom + ` WHERE u.email = $1`
	qUserByID    = `SELECT ` + userCols + userFrom + ` WHERE u.id = $1`
	qListUsers   = `SELECT ` + userCols + userFrom + ` ORDER BY u.id`
	qSetPassword = `UPDATE portal_users SET password_hash = $2, session_gen = session_gen + 1 WHERE id = $1`
	qBumpGen     = `UPDATE portal_users SET session_gen = session_gen + 1 WHERE id = $1`
	qDisableUser = `UPDATE portal_users SET disabled_at = $2, session_gen = session_gen + 1 WHERE id = $1 AND disabled_at IS NULL`
	qEnableUser  = `UPDATE portal_users SET disabled_at = NULL WHERE id = $1`
	qTouchLogin  = `UPDATE portal_users SET last_login_at = $2 WHERE id = $1`
)

// NormalizeEmail is how emails are stored and looked up.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores u (its PasswordHash already set) and sets its ID.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = NormalizeEmail(u.Email)
	switch {
	case u.Role == PortalOperator && (u.SupplierID != 0 || u.RetailerID != 0):
		return fmt.Errorf("create user: an operator belongs to no supplier or retailer")
	case u.Role == PortalSupplier && (u.SupplierID == 0 || u.RetailerID != 0):
		return fmt.Errorf("create user: a supplier user needs a supplier, and only that")
	case u.Role == PortalRetailer && (u.RetailerID == 0 || u.SupplierID != 0):
		return fmt.Errorf("create user: a retailer user needs a retailer, and only that")
	case u.Role != PortalOperator && u.Role != PortalSupplier && u.Role != PortalRetailer:
		return fmt.Errorf("create user: unknown role %q", u.Role)
	}
	u.CreatedAt = time.Now().UTC()
	err := s.write().QueryRow(ctx, qInsertUser, u.Email, u.Role, nullID(u.SupplierID), nullID(u.RetailerID),
		u.PasswordHash, u.CreatedAt).Scan(&u.ID)
	if err != nil && s.IsUniqueViolation(err) {
		return fmt.Errorf("create user %s: %w", u.Email, ErrUserExists)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	u.SessionGen = 1
	return nil
}

// UserByEmail returns the user with that email (any case), or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(s.d.QueryRow(ctx, qUserByEmail, NormalizeEmail(email)))
}

// UserByID returns a user, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return scanUser(s.d.QueryRow(ctx, qUserByID, id))
}

// ListUsers returns every portal user, oldest first.
func (s *Store) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := s.d.Query(ctx, qListUsers)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetUserPassword replaces a user's password hash and ends their sessions.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return s.execOne(ctx, "set password", qSetPassword, id, hash)
}

// EndUserSessions makes every session of the user invalid at its next
// request, on every replica ("log out everywhere").
func (s *Store) EndUserSessions(ctx context.Context, id int64) error {
	return s.execOne(ctx, "end sessions", qBumpGen, id)
}

// DisableUser refuses the user's sign-ins and ends their sessions; it
// reports false when the user was disabled already.
func (s *Store) DisableUser(ctx context.Context, id int64) (bool, error) {
	n, err := s.d.Exec(ctx, qDisableUser, id, time.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("disable user %d: %w", id, err)
	}
	return n > 0, nil
}

// EnableUser lets a disabled user sign in again.
func (s *Store) EnableUser(ctx context.Context, id int64) error {
	return s.execOne(ctx, "enable user", qEnableUser, id)
}

// TouchUserLogin records a successful sign-in.
func (s *Store) TouchUserLogin(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, "record sign-in", qTouchLogin, id, at)
}

func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	n, err := s.d.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

func scanUser(row Row) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.SupplierID, &u.RetailerID, &u.Party, &u.PasswordHash, &u.SessionGen,
		timeCol{&u.CreatedAt}, nullTimeCol{&u.LastLoginAt}, nullTimeCol{&u.DisabledAt})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

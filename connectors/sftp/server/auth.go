package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/store"
)

// Password length bounds: bcrypt only reads the first 72 bytes, so a
// longer password would silently lose its tail.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 72
)

// authLookupTimeout bounds one account lookup during the handshake.
const authLookupTimeout = 10 * time.Second

// ErrNoAccount is returned by Accounts.Account for an unknown user name.
var ErrNoAccount = errors.New("no such sftp account")

// Account is what a login resolves to: one per supplier.
type Account struct {
	SupplierID int64
	Username   string
	// PasswordHash is a bcrypt hash, or "" when password login is off.
	PasswordHash string
	Keys         []ssh.PublicKey
}

// Accounts finds login accounts by user name.
type Accounts interface {
	// Account returns the account, or an error matching ErrNoAccount.
	Account(ctx context.Context, username string) (*Account, error)
}

// StoreAccounts keeps accounts in the database (sftp_accounts and
// sftp_account_keys); passwords are stored as bcrypt hashes only.
type StoreAccounts struct {
	st   *store.Store
	cost int // bcrypt cost; tests lower it
}

// NewStoreAccounts returns the accounts kept in st.
func NewStoreAccounts(st *store.Store) *StoreAccounts {
	return &StoreAccounts{st: st, cost: bcrypt.DefaultCost}
}

// Account looks an account up by user name, with its keys.
func (a *StoreAccounts) Account(ctx context.Context, username string) (*Account, error) {
	sa, err := a.st.SFTPAccountByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("sftp account %q: %w", username, ErrNoAccount)
	}
	if err != nil {
		return nil, err
	}
	acct := &Account{SupplierID: sa.SupplierID, Username: sa.Username, PasswordHash: sa.PasswordHash}
	for _, k := range sa.Keys {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.PublicKey))
		if err != nil {
			return nil, fmt.Errorf("sftp account %q: key %s: %w", username, k.Fingerprint, err)
		}
		acct.Keys = append(acct.Keys, pk)
	}
	return acct, nil
}

// SetUsername creates the supplier's account or renames it; an empty name
// means the supplier code (on create) or unchanged.
func (a *StoreAccounts) SetUsername(ctx context.Context, supplierID int64, username string) error {
	if username != "" {
		if err := checkUsername(username); err != nil {
			return err
		}
	}
	return a.st.UpsertSFTPAccount(ctx, supplierID, username)
}

// SetPassword hashes password with bcrypt and stores the hash, creating
// the account (named after the supplier code) if needed. An empty
// password turns password login off.
func (a *StoreAccounts) SetPassword(ctx context.Context, supplierID int64, password string) error {
	hash := ""
	if password != "" {
		var err error
		if hash, err = hashPassword(password, a.cost); err != nil {
			return err
		}
	}
	if err := a.st.SetSFTPPasswordHash(ctx, supplierID, hash); err != nil {
		return fmt.Errorf("set sftp password: %w", err)
	}
	return nil
}

// AddKey allows the public key in authorized_keys format (options are
// refused) to log in to the supplier's account, creating the account if
// needed, and returns its SHA256 fingerprint.
func (a *StoreAccounts) AddKey(ctx context.Context, supplierID int64, authorizedKey []byte) (string, error) {
	pk, comment, options, rest, err := ssh.ParseAuthorizedKey(authorizedKey)
	if err != nil {
		return "", fmt.Errorf("add sftp key: %w", err)
	}
	if len(options) > 0 {
		return "", fmt.Errorf("add sftp key: options (%s) are not supported", strings.Join(options, ","))
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return "", errors.New("add sftp key: give one key per call")
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	fp := ssh.FingerprintSHA256(pk)
	if err := a.st.AddSFTPKey(ctx, supplierID, store.SFTPKey{Fingerprint: fp, PublicKey: line, Comment: comment}); err != nil {
		return "", fmt.Errorf("add sftp key: %w", err)
	}
	return fp, nil
}

// RemoveKey stops the key with that fingerprint from logging in.
func (a *StoreAccounts) RemoveKey(ctx context.Context, supplierID int64, fingerprint string) error {
	if err := a.st.DeleteSFTPKey(ctx, supplierID, fingerprint); err != nil {
		return fmt.Errorf("remove sftp key %s: %w", fingerprint, err)
	}
	return nil
}

// HashPassword returns the bcrypt hash to store for a new password.
func HashPassword(password string) (string, error) {
	return hashPassword(password, bcrypt.DefaultCost)
}

func hashPassword(password string, cost int) (string, error) {
	switch {
	case len(password) < MinPasswordLen:
		return "", fmt.Errorf("sftp password: at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return "", fmt.Errorf("sftp password: at most %d bytes", MaxPasswordLen)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("sftp password: hash: %w", err)
	}
	return string(h), nil
}

func checkUsername(u string) error {
	if len(u) > 64 {
		return errors.New("sftp username: at most 64 characters")
	}
	for _, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@'
		if !ok {
			return fmt.Errorf("sftp username %q: only letters, digits and . _ - @", u)
		}
	}
	return nil
}

// principal is who a connection authenticated as; it rides in
// ssh.Permissions.ExtraData from the auth callback to the session, so the
// supplier id never comes from anything the client sends later.
type principal struct {
	supplierID int64
	username   string
	method     string
}

type principalKey struct{}

// authenticator checks logins against Accounts.
type authenticator struct {
	accounts Accounts
	log      *slog.Logger
	// dummyHash is compared against when the user is unknown or has no
	// password, so a failure takes as long either way and the timing does
	// not tell which user names exist.
	dummyHash []byte
}

// newAuthenticator makes the dummy hash with cost, which should be the
// cost of the stored hashes.
func newAuthenticator(accounts Accounts, log *slog.Logger, cost int) (*authenticator, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	h, err := bcrypt.GenerateFromPassword(secret, cost)
	if err != nil {
		return nil, fmt.Errorf("auth: dummy hash: %w", err)
	}
	return &authenticator{accounts: accounts, log: log, dummyHash: h}, nil
}

func (a *authenticator) lookup(ctx context.Context, conn ssh.ConnMetadata, method string) *Account {
	ctx, cancel := context.WithTimeout(ctx, authLookupTimeout)
	defer cancel()
	acct, err := a.accounts.Account(ctx, conn.User())
	if err != nil {
		if !errors.Is(err, ErrNoAccount) {
			a.log.Error("sftp login: account lookup failed", "user", conn.User(), "remote", conn.RemoteAddr().String(), "method", method, "error", err)
		}
		return nil
	}
	return acct
}

func (a *authenticator) password(ctx context.Context, conn ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	acct := a.lookup(ctx, conn, "password")
	hash := a.dummyHash
	if acct != nil && acct.PasswordHash != "" {
		hash = []byte(acct.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, password)
	if acct == nil || acct.PasswordHash == "" || err != nil {
		reason := "wrong password"
		switch {
		case acct == nil:
			reason = "unknown user"
		case acct.PasswordHash == "":
			reason = "password login off"
		}
		a.log.Warn("sftp login failed", "user", conn.User(), "remote", conn.RemoteAddr().String(), "method", "password", "reason", reason)
		return nil, errors.New("sftp: login failed")
	}
	return permissions(acct, "password"), nil
}

func (a *authenticator) publicKey(ctx context.Context, conn ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	acct := a.lookup(ctx, conn, "publickey")
	if acct != nil {
		offered := key.Marshal()
		for _, k := range acct.Keys {
			if bytes.Equal(k.Marshal(), offered) {
				return permissions(acct, "publickey"), nil
			}
		}
	}
	// Clients offer every key they have, so a refusal here is routine:
	// Info, not Warn.
	a.log.Info("sftp key not accepted", "user", conn.User(), "remote", conn.RemoteAddr().String(),
		"method", "publickey", "key", ssh.FingerprintSHA256(key), "known_user", acct != nil)
	return nil, errors.New("sftp: key not accepted")
}

func permissions(acct *Account, method string) *ssh.Permissions {
	return &ssh.Permissions{ExtraData: map[any]any{
		principalKey{}: &principal{supplierID: acct.SupplierID, username: acct.Username, method: method},
	}}
}

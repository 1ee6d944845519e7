package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
)

// DemoUsersFile is where writeDemoUsers puts the demo sign-ins, under the data dir.
const DemoUsersFile = "demo-users.txt"

// writeDemoUsers creates, on first start, one portal user of each role
// (operator; the first declared supplier; the first declared retailer)
// with a generated password, and writes the sign-ins to
// $DATA_DIR/demo-users.txt (mode 0600). Passwords stay hashed in the
// database; once the file exists nothing is done again.
func writeDemoUsers(ctx context.Context, st *store.Store, cfg *config.Config, log *slog.Logger) error {
	path := filepath.Join(cfg.DataDir, DemoUsersFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo users: %w", err)
	}
	users := []*store.User{{Email: "operator@demo.supplyhub.test", Role: store.PortalOperator}}
	if len(cfg.Suppliers) > 0 {
		sup, err := st.SupplierByCode(ctx, cfg.Suppliers[0].Code)
		if err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		users = append(users, &store.User{Email: "supplier-" + sup.Code + "@demo.supplyhub.test", Role: store.PortalSupplier, SupplierID: sup.ID})
	}
	if len(cfg.Retailers) > 0 {
		rt, err := st.RetailerByCode(ctx, cfg.Retailers[0].Code)
		if err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		users = append(users, &store.User{Email: "retailer-" + rt.Code + "@demo.supplyhub.test", Role: store.PortalRetailer, RetailerID: rt.ID})
	}
	var b strings.Builder
	b.WriteString("# Supplyhub portal demo sign-ins: open /portal/login\n")
	for _, u := range users {
		password := demoPassword()
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		if err := st.CreateUser(ctx, u); errors.Is(err, store.ErrUserExists) {
			// A database kept from an earlier data dir: give it the new password.
			old, err := st.UserByEmail(ctx, u.Email)
			if err != nil {
				return fmt.Errorf("demo users: %w", err)
			}
			if err := st.SetUserPassword(ctx, old.ID, hash); err != nil {
				return fmt.Errorf("demo users: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		fmt.Fprintf(&b, "%-9s %s  %s\n", u.Role, u.Email, password)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("demo users: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("demo users: %w", err)
	}
	log.Info("demo portal users written", "path", path)
	return nil
}

// demoPassword is 16 random base32 characters (80 bits).
func demoPassword() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/supplyhub/supplyhub/config"
	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// SyncDeclared creates or updates the retailers and suppliers the
// configuration declares. A declared supplier's channels are replaced by
// the file's; parties created with the CLI and absent from the file are
// left alone.
func SyncDeclared(ctx context.Context, st *store.Store, cfg *config.Config) error {
	for _, r := range cfg.Retailers {
		dr := &domain.Retailer{Code: r.Code, Name: r.Name, Email: r.Email, TimeZone: r.TimeZone, StatusEmails: r.StatusEmails}
		for _, ch := range r.Channels {
			dr.Channels = append(dr.Channels, domain.Channel{Name: ch.ChannelName(), Type: ch.Type, Settings: ch.SettingsJSON()})
		}
		if err := st.UpsertRetailer(ctx, dr); err != nil {
			return err
		}
	}
	for _, s := range cfg.Suppliers {
		ds, err := SupplierFromConfig(s)
		if err != nil {
			return err
		}
		if err := st.UpsertSupplier(ctx, ds); err != nil {
			return err
		}
	}
	return nil
}

// SupplierFromConfig converts a declared supplier.
func SupplierFromConfig(s config.Supplier) (*domain.Supplier, error) {
	ds := &domain.Supplier{Code: s.Code, Name: s.Name, Email: s.Email, CommissionBP: domain.DefaultCommissionBP,
		Catalog: domain.CatalogSettings{Mode: s.Catalog.Mode, PriceMismatch: s.Catalog.PriceMismatch,
			Feed: domain.CatalogFeed{Channel: s.Catalog.Feed.Channel, Dir: s.Catalog.Feed.Dir, ArchiveDir: s.Catalog.Feed.ArchiveDir, Poll: s.Catalog.Feed.Poll}}}
	if s.CommissionRate != "" {
		bp, err := config.ParseRate(s.CommissionRate)
		if err != nil {
			return nil, fmt.Errorf("supplier %s: commission_rate: %w", s.Code, err)
		}
		ds.CommissionBP = bp
	}
	for _, ch := range s.Channels {
		ds.Channels = append(ds.Channels, domain.Channel{Name: ch.ChannelName(), Type: ch.Type, Settings: ch.SettingsJSON()})
	}
	return ds, nil
}

// writeDemoKeys gives each declared party a key on first start and writes
// it to $DATA_DIR/demo-keys/<role>-<code>.key (mode 0600), so the README's
// demo works without a setup step. Keys stay hashed in the database.
func writeDemoKeys(ctx context.Context, st *store.Store, cfg *config.Config, log *slog.Logger) error {
	dir := filepath.Join(cfg.DataDir, "demo-keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo keys: %w", err)
	}
	write := func(role, code string, k store.NewAPIKey) error {
		path := filepath.Join(dir, role+"-"+code+".key")
		if _, err := os.Stat(path); err == nil {
			return nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		key, hash, hint := auth.NewKey(role)
		k.Hash, k.Hint, k.Role, k.Name = hash, hint, role, "demo"
		if _, err := st.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo keys: %w", err)
		}
		log.Info("demo API key written", "role", role, "code", code, "path", path)
		return nil
	}
	for _, r := range cfg.Retailers {
		dr, err := st.RetailerByCode(ctx, r.Code)
		if err != nil {
			return err
		}
		if err := write(store.RoleRetailer, r.Code, store.NewAPIKey{RetailerID: dr.ID}); err != nil {
			return err
		}
	}
	for _, s := range cfg.Suppliers {
		ds, err := st.SupplierByCode(ctx, s.Code)
		if err != nil {
			return err
		}
		if err := write(store.RoleSupplier, s.Code, store.NewAPIKey{SupplierID: ds.ID}); err != nil {
			return err
		}
		if err := writeDemoSFTPPassword(ctx, st, dir, ds.ID, s, log); err != nil {
			return err
		}
	}
	return nil
}

// writeDemoSFTPPassword gives a supplier with a hosted SFTP channel a
// password on the built-in server, written to demo-keys/sftp-<code>.password.
func writeDemoSFTPPassword(ctx context.Context, st *store.Store, dir string, supplierID int64, s config.Supplier, log *slog.Logger) error {
	hosted := false
	for _, ch := range s.Channels {
		hosted = hosted || (ch.Type == "sftp" && isHosted(ch.SettingsJSON()))
	}
	path := filepath.Join(dir, "sftp-"+s.Code+".password")
	if _, err := os.Stat(path); !hosted || err == nil {
		return nil
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	password := hex.EncodeToString(b)
	accounts := sftpserver.NewStoreAccounts(st)
	if err := accounts.SetUsername(ctx, supplierID, s.Code); err != nil {
		return err
	}
	if err := accounts.SetPassword(ctx, supplierID, password); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("demo keys: %w", err)
	}
	log.Info("demo SFTP password written", "user", s.Code, "path", path)
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
)

// configAndStore loads the configuration named by the flag or the
// environment and opens its store.
func configAndStore(ctx context.Context, cfgPath string, env []string) (*config.Config, *store.Store, error) {
	cfg, err := loadConfig(cfgPath, env)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// openStore opens the configured database, migrating it when allowed, for
// commands that run beside a live serve.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Database.AutoMigrate {
		if err := app.Migrate(ctx, st); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

func cmdMigrate(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("migrate", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := jobs.MigrateAll(ctx, st)
	if err != nil {
		return err
	}
	for _, a := range applied {
		fmt.Fprintln(stderr, "applied", a)
	}
	fmt.Fprintln(stderr, "database is up to date")
	return nil
}

func cmdConfigCheck(args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("config check", stderr)
	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	path := *cfgPath
	if fs.NArg() > 1 {
		return usageErr("config check takes one file")
	}
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if _, err := loadConfig(path, env); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "configuration is valid")
	return nil
}

func cmdRetailerAdd(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("retailer add", stderr)
	r := config.Retailer{}
	fs.StringVar(&r.Code, "code", "", "retailer code (letters, digits, _ and -)")
	fs.StringVar(&r.Name, "name", "", "display name")
	fs.StringVar(&r.Email, "email", "", "address for notifications")
	fs.StringVar(&r.TimeZone, "time-zone", "UTC", "IANA time zone for summaries")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	check := *cfg
	check.Retailers, check.Suppliers = []config.Retailer{r}, nil
	if ps := check.Validate(nil); len(ps) > 0 {
		return usageErr("%s", strings.ReplaceAll(ps.Error(), "retailers[0].", "--"))
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	dr := &domain.Retailer{Code: r.Code, Name: r.Name, Email: r.Email, TimeZone: r.TimeZone}
	if err := st.UpsertRetailer(ctx, dr); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "retailer %s saved (id %d)\n", dr.Code, dr.ID)
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdSupplierAdd(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("supplier add", stderr)
	s := config.Supplier{}
	var channels multiFlag
	fs.StringVar(&s.Code, "code", "", "supplier code, used in supplier order numbers (e.g. 31)")
	fs.StringVar(&s.Name, "name", "", "display name")
	fs.StringVar(&s.Email, "email", "", "contact address")
	fs.StringVar(&s.CommissionRate, "commission-rate", "2.2", "commission in percent of item value")
	fs.Var(&channels, "channel", "channel type with default settings (repeatable), e.g. file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	for _, c := range channels {
		s.Channels = append(s.Channels, config.Channel{Name: c, Type: c})
	}
	check := *cfg
	check.Retailers, check.Suppliers = nil, []config.Supplier{s}
	if ps := check.Validate(app.ChannelCheck(nil)); len(ps) > 0 {
		return usageErr("%s", strings.ReplaceAll(ps.Error(), "suppliers[0].", "--"))
	}
	ds, err := app.SupplierFromConfig(s)
	if err != nil {
		return usageErr("%v", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpsertSupplier(ctx, ds); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "supplier %s saved (id %d, commission %s%%)\n", ds.Code, ds.ID, domain.Money(ds.CommissionBP).Decimal())
	return nil
}

func cmdKeyCreate(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("key create", stderr)
	retailer := fs.String("retailer", "", "retailer code")
	supplier := fs.String("supplier", "", "supplier code")
	admin := fs.Bool("admin", false, "an operator key for the admin API")
	name := fs.String("name", "", "label to recognise the key by")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{*retailer != "", *supplier != "", *admin} {
		if set {
			n++
		}
	}
	if n != 1 {
		return usageErr("key create needs exactly one of --retailer, --supplier, --admin")
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	k := store.NewAPIKey{Name: *name}
	switch {
	case *retailer != "":
		r, err := st.RetailerByCode(ctx, *retailer)
		if err != nil {
			return usageErr("retailer %q: %v", *retailer, err)
		}
		k.Role, k.RetailerID = store.RoleRetailer, r.ID
	case *supplier != "":
		s, err := st.SupplierByCode(ctx, *supplier)
		if err != nil {
			return usageErr("supplier %q: %v", *supplier, err)
		}
		k.Role, k.SupplierID = store.RoleSupplier, s.ID
	default:
		k.Role = store.RoleAdmin
	}
	key, hash, hint := auth.NewKey(k.Role)
	k.Hash, k.Hint = hash, hint
	if _, err := st.CreateAPIKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created %s key %s; it is shown only once\n", k.Role, hint)
	fmt.Fprintln(stdout, key)
	return nil
}

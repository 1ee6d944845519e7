// Command supplyhub is the Supplyhub daemon (serve) and its operator
// commands. Exit codes: 0 success, 1 runtime failure, 2 usage or
// configuration error. Secrets are the only thing printed on stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: supplyhub <command> [flags]

commands:
  serve                         run the daemon
  migrate                       apply database migrations and exit
  config check [FILE]           validate a configuration file (every problem, with its key)
  retailer add --code C --name N [--email E] [--time-zone TZ]
  supplier add --code C --name N [--email E] [--commission-rate 2.2] [--channel TYPE]...
  key create --retailer C | --supplier C | --admin [--name N]   print a new API key on stdout
  key list [--retailer C | --supplier C] [--json]   API keys with owner, hint, created, last used, revoked
  key revoke ID|HINT|KEY        refuse a key from the next request on, on every replica
  deliveries list [--failed] [--status S] [--supplier C] [--channel N]
  deliveries show ID            one delivery with every attempt and the remote answers
  deliveries replay ID… | --endpoint SUPPLIER/CHANNEL [--since TIME]
  endpoint list | enable --supplier C --channel N
  webhook secret                print a new whsec_ signing secret on stdout
  sftp password --supplier C [--generate]   set the built-in SFTP server password (stdin, or print a generated one)
  sftp key add --supplier C --file KEY.pub  authorize a public key on the built-in SFTP server
  sftp key list --supplier C    the supplier's SFTP public keys (SHA256 fingerprint, comment, added)
  sftp key remove --supplier C SHA256:…   stop a public key from logging in
  report commissions --month 2026-10 [--retailer C] [--format table|csv]
  summary send --retailer C --month 2026-10   send (or re-send) a monthly summary now
  review list                   inbound emails waiting for an operator (unmatched, unclear, unknown sender)
  overdue list [--limit N] [--json]   supplier orders past their acknowledge or ship limit, still open
  mail rotate-reply-key         new key for email reply tokens (the previous one stays valid)
  user add --email E --role operator|supplier|retailer [--supplier C | --retailer C]
                                add a portal user (password from stdin, or generated and printed on stdout)
  user list [--json]            portal users with role, supplier or retailer, last sign-in, disabled
  user password --email E       set a new password (stdin, or generated and printed); ends their sessions
  user disable | enable | logout --email E   refuse sign-ins / allow again / end every session
  version                       print the version

Every command reads --config FILE (or SUPPLYHUB_CONFIG) and SUPPLYHUB_* variables.
`

// exitError carries an exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	if err == nil {
		return
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintln(os.Stderr, "supplyhub: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErr("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr, env)
	case "migrate":
		return cmdMigrate(ctx, rest, stderr, env)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			return usageErr("usage: supplyhub config check [FILE]")
		}
		return cmdConfigCheck(rest[1:], stderr, env)
	case "retailer":
		if len(rest) == 0 || rest[0] != "add" {
			return usageErr("usage: supplyhub retailer add --code C --name N")
		}
		return cmdRetailerAdd(ctx, rest[1:], stderr, env)
	case "supplier":
		if len(rest) == 0 || rest[0] != "add" {
			return usageErr("usage: supplyhub supplier add --code C --name N")
		}
		return cmdSupplierAdd(ctx, rest[1:], stderr, env)
	case "key":
		return cmdKey(ctx, rest, stdout, stderr, env)
	case "deliveries":
		return cmdDeliveries(ctx, rest, stdout, stderr, env)
	case "endpoint":
		return cmdEndpoint(ctx, rest, stdout, stderr, env)
	case "summary":
		return cmdSummary(ctx, rest, stdout, stderr, env)
	case "review":
		return cmdReview(ctx, rest, stdout, stderr, env)
	case "overdue":
		return cmdOverdue(ctx, rest, stdout, stderr, env)
	case "mail":
		return cmdMail(ctx, rest, stdout, stderr, env)
	case "report":
		return cmdReport(ctx, rest, stdout, stderr, env)
	case "user":
		return cmdUser(ctx, rest, os.Stdin, stdout, stderr, env)
	case "sftp":
		return cmdSFTP(ctx, rest, os.Stdin, stdout, stderr, env)
	case "webhook":
		if len(rest) != 1 || rest[0] != "secret" {
			return usageErr("usage: supplyhub webhook secret")
		}
		return cmdWebhookSecret(stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErr("unknown command %q", cmd)
}

func buildVersion() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + bi.GoVersion
	}
	return v
}

// newFlags returns a flag set with --config, which every command takes.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default $SUPPLYHUB_CONFIG)")
	return fs, cfgPath
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{code: 0, err: err}
		}
		return usageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// loadConfig reads the file named by --config or SUPPLYHUB_CONFIG, then
// the environment; problems are configuration errors (exit 2).
func loadConfig(path string, env []string) (*config.Config, error) {
	if path == "" {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "SUPPLYHUB_CONFIG="); ok {
				path = v
			}
		}
	}
	// Validation needs only the connectors' rules, not a data dir.
	cfg, err := config.Load(path, env, app.ChannelCheck(nil))
	var ps config.Problems
	if errors.As(err, &ps) {
		return nil, &exitError{code: 2, err: fmt.Errorf("invalid configuration:\n%s", ps.Error())}
	}
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return cfg, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("serve", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if pct, ok := serveGCPercent(env); ok {
		debug.SetGCPercent(pct)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.Run(ctx, nil)
}

// serveGCPercentDefault is the garbage collector's target for serve: the
// heap may grow to three times what is live between collections instead
// of Go's default two. Serve's live heap is small (its peak RSS is
// SQLite's page caches and the Go runtime's, about 97 MiB in a burst
// either way) while it allocates fast (requests, JSON, rows), so at 100
// the collector ran often for little: in a burst of 5,000 orders x 2
// webhooks on SQLite, 200 cut the daemon's CPU per 1,000 orders from
// 0.81-0.96 to 0.71-0.82 s with peak RSS 96-99 -> 98-100 MiB (400 reached
// 147-149 MiB for no further gain).
const serveGCPercentDefault = 200

// serveGCPercent is the GC target serve sets, unless the operator chose
// one with GOGC (which the Go runtime has applied already).
func serveGCPercent(env []string) (int, bool) {
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOGC=") {
			return 0, false
		}
	}
	return serveGCPercentDefault, true
}

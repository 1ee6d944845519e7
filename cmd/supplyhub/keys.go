package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supplyhub/supplyhub/connectors/api"
	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
)

const keyUsage = "usage: supplyhub key create --retailer C | --supplier C | --admin [--name N] | key list [--retailer C | --supplier C] [--json] | key revoke ID|PREFIX|KEY"

// cmdKey creates, lists and revokes API keys.
func cmdKey(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageErr(keyUsage)
	}
	switch args[0] {
	case "create":
		return cmdKeyCreate(ctx, args[1:], stdout, stderr, env)
	case "list":
		return cmdKeyList(ctx, args[1:], stdout, stderr, env)
	case "revoke":
		return cmdKeyRevoke(ctx, args[1:], stderr, env)
	}
	return usageErr(keyUsage)
}

// cmdKeyList prints every key, revoked ones included: never the secret,
// only its hint.
func cmdKeyList(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("key list", stderr)
	retailer := fs.String("retailer", "", "only this retailer's keys")
	supplier := fs.String("supplier", "", "only this supplier's keys")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *retailer != "" && *supplier != "" {
		return usageErr("give --retailer or --supplier, not both")
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	var f store.APIKeyFilter
	if *retailer != "" {
		r, err := st.RetailerByCode(ctx, *retailer)
		if err != nil {
			return usageErr("retailer %q: %v", *retailer, err)
		}
		f.RetailerID = r.ID
	}
	if f.SupplierID, err = supplierID(ctx, st, *supplier); err != nil {
		return err
	}
	keys, err := st.ListAPIKeys(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		views := make([]api.KeyView, 0, len(keys))
		for _, k := range keys {
			views = append(views, api.NewKeyView(k))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tOWNER\tNAME\tHINT\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, dash(k.Owner), dash(k.Name), k.Hint,
			k.CreatedAt.UTC().Format(time.RFC3339), optTime(k.LastUsedAt), optTime(k.RevokedAt))
	}
	return w.Flush()
}

// cmdKeyRevoke revokes one key, named by its id, a prefix of its hint
// (at least the "sh_r_" part and one more character) or the key itself.
func cmdKeyRevoke(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("key revoke", stderr)
	which, err := parseWithOneArg(fs, args, "key revoke needs the key's id, the start of its hint (sh_r_abcd) or the key")
	if err != nil {
		return err
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := findKey(ctx, st, which)
	if err != nil {
		return err
	}
	err = st.RevokeAPIKey(ctx, k.ID)
	if errors.Is(err, store.ErrKeyRevoked) {
		return fmt.Errorf("key %d (%s) was already revoked at %s", k.ID, k.Hint, optTime(k.RevokedAt))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "revoked %s key %d (%s%s); it is refused from the next request on\n", k.Role, k.ID, k.Hint, ownerNote(k))
	return nil
}

// findKey resolves what the operator typed to exactly one key; an unknown
// or ambiguous name is a runtime failure (exit 1) that says which.
func findKey(ctx context.Context, st *store.Store, which string) (*store.APIKey, error) {
	var f store.APIKeyFilter
	switch id, err := strconv.ParseInt(which, 10, 64); {
	case err == nil:
		f.ID = id
	case len(which) > 40 && strings.HasPrefix(which, "sh_"):
		f.Hash = auth.HashKey(which) // the whole key, pasted
	case len(which) >= 6 && strings.HasPrefix(which, "sh_"):
		f.HintPrefix = strings.TrimSuffix(which, "…")
	default:
		return nil, usageErr("%q is neither a key id, a key hint such as sh_r_abcd, nor a key", which)
	}
	keys, err := st.ListAPIKeys(ctx, f)
	if err != nil {
		return nil, err
	}
	switch len(keys) {
	case 0:
		return nil, fmt.Errorf("no API key matches %q (see supplyhub key list)", which)
	case 1:
		return &keys[0], nil
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = strconv.FormatInt(k.ID, 10)
	}
	return nil, fmt.Errorf("%q matches %d keys (ids %s): give the id", which, len(keys), strings.Join(ids, ", "))
}

// parseWithOneArg parses flags placed before or after one positional
// argument and returns that argument.
func parseWithOneArg(fs *flag.FlagSet, args []string, missing string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", &exitError{code: 0, err: err}
		}
		return "", usageErr("%v", err)
	}
	if fs.NArg() == 0 {
		return "", usageErr("%s", missing)
	}
	arg := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	return arg, nil
}

func ownerNote(k *store.APIKey) string {
	if k.Owner == "" {
		return ""
	}
	return " of " + k.Owner
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func optTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/internal/store"
)

// sftpKeyList prints the public keys that may log in as the supplier on
// the built-in SFTP server.
func sftpKeyList(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("sftp key list", stderr)
	supplier := fs.String("supplier", "", "supplier code")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *supplier == "" {
		return usageErr("--supplier is required")
	}
	st, sid, err := storeAndSupplier(ctx, *cfgPath, env, *supplier)
	if err != nil {
		return err
	}
	defer st.Close()
	var keys []store.SFTPKey
	acct, err := st.SFTPAccountBySupplier(ctx, sid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// No account yet: no keys.
	case err != nil:
		return err
	default:
		keys = acct.Keys
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FINGERPRINT\tTYPE\tCOMMENT\tADDED")
	for _, k := range keys {
		typ, _, _ := strings.Cut(k.PublicKey, " ")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.Fingerprint, typ, dash(k.Comment), k.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// sftpKeyRemove stops a public key from logging in; sessions it opened
// before keep running until they end.
func sftpKeyRemove(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs, cfgPath := newFlags("sftp key remove", stderr)
	supplier := fs.String("supplier", "", "supplier code")
	fp, err := parseWithOneArg(fs, args, "sftp key remove needs the key's fingerprint (SHA256:…, see sftp key list)")
	if err != nil {
		return err
	}
	if *supplier == "" {
		return usageErr("--supplier is required")
	}
	if !strings.HasPrefix(fp, "SHA256:") {
		return usageErr("%q is not a SHA256:… fingerprint (see sftp key list)", fp)
	}
	st, sid, err := storeAndSupplier(ctx, *cfgPath, env, *supplier)
	if err != nil {
		return err
	}
	defer st.Close()
	err = sftpserver.NewStoreAccounts(st).RemoveKey(ctx, sid, fp)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("supplier %s has no SFTP key %s (see supplyhub sftp key list --supplier %s)", *supplier, fp, *supplier)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "key %s removed from SFTP user %s; it can no longer log in\n", fp, *supplier)
	return nil
}

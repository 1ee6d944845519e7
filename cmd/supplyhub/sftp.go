package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"os"
	"strings"

	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
)

// cmdSFTP manages suppliers' accounts on the built-in SFTP server:
//
//	supplyhub sftp password --supplier 31 [--generate]   (password from stdin otherwise)
//	supplyhub sftp key add --supplier 31 --file id_ed25519.pub
//	supplyhub sftp key list --supplier 31
//	supplyhub sftp key remove --supplier 31 SHA256:…
func cmdSFTP(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) error {
	sub := strings.Join(args[:min(len(args), 2)], " ")
	var rest []string
	switch {
	case sub == "key list":
		return sftpKeyList(ctx, args[2:], stdout, stderr, env)
	case sub == "key remove":
		return sftpKeyRemove(ctx, args[2:], stderr, env)
	case len(args) >= 1 && args[0] == "password":
		sub, rest = "password", args[1:]
	case sub == "key add":
		rest = args[2:]
	default:
		return usageErr("usage: supplyhub sftp password --supplier C [--generate] | sftp key add --supplier C --file KEY.pub | sftp key list --supplier C | sftp key remove --supplier C SHA256:…")
	}
	fs, cfgPath := newFlags("sftp "+sub, stderr)
	supplier := fs.String("supplier", "", "supplier code")
	generate := fs.Bool("generate", false, "generate a password and print it on stdout")
	keyFile := fs.String("file", "", "public key file (authorized_keys format)")
	if err := parseFlags(fs, rest); err != nil {
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
	accounts := sftpserver.NewStoreAccounts(st)
	if err := accounts.SetUsername(ctx, sid, *supplier); err != nil {
		return err
	}
	if sub == "key add" {
		if *keyFile == "" {
			return usageErr("--file is required")
		}
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return usageErr("%v", err)
		}
		fp, err := accounts.AddKey(ctx, sid, b)
		if err != nil {
			return usageErr("%v", err)
		}
		fmt.Fprintf(stderr, "key %s added for SFTP user %s\n", fp, *supplier)
		return nil
	}
	var password string
	if *generate {
		password = newPassword()
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return usageErr("give the password on stdin, or use --generate")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if err := accounts.SetPassword(ctx, sid, password); err != nil {
		return usageErr("%v", err)
	}
	fmt.Fprintf(stderr, "password set for SFTP user %s\n", *supplier)
	if *generate {
		fmt.Fprintln(stdout, password)
	}
	return nil
}

// newPassword is 20 random base32 characters (100 bits).
func newPassword() string {
	b := make([]byte, 13)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))[:20]
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/supplyhub/supplyhub/internal/app"
)

// cmdMail: supplyhub mail rotate-reply-key — a new key for the reply tokens
// of supplier order emails; the old one keeps verifying replies until the
// next rotation.
func cmdMail(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "rotate-reply-key" {
		return usageErr("usage: supplyhub mail rotate-reply-key")
	}
	fs, cfgPath := newFlags("mail rotate-reply-key", stderr)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := app.RotateReplyKey(ctx, st); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "reply key rotated; restart every replica to sign with the new key (the previous key stays valid for replies)")
	return nil
}

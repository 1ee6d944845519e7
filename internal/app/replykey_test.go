package app_test

import (
	"bytes"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestReplyKeyRotation: every replica reads the same reply key from the
// store; after a rotation the old key still verifies the tokens of emails
// already sent, and after a second rotation it no longer does.
func TestReplyKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		ctx, st := t.Context(), d.App.Store
		k1, err := app.ReplyKeys(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		again, err := app.ReplyKeys(ctx, st)
		if err != nil || !bytes.Equal(again.Current, k1.Current) || len(k1.Current) != 32 || len(k1.Previous) != 0 {
			t.Fatalf("second read gave another key (%v) or a bad first key", err)
		}
		tok := k1.Token("1-31", "31")
		if err := app.RotateReplyKey(ctx, st); err != nil {
			t.Fatal(err)
		}
		k2, err := app.ReplyKeys(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(k2.Current, k1.Current) || k2.Token("1-31", "31") == tok {
			t.Error("rotation kept the current key")
		}
		if !k2.Valid("1-31", "31", tok) {
			t.Error("a token of the previous key is refused right after rotation")
		}
		if err := app.RotateReplyKey(ctx, st); err != nil {
			t.Fatal(err)
		}
		k3, err := app.ReplyKeys(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if k3.Valid("1-31", "31", tok) {
			t.Error("a token two keys old is still accepted")
		}
		if !k3.Valid("1-31", "31", k2.Token("1-31", "31")) {
			t.Error("the previous key's token is refused")
		}
	})
}

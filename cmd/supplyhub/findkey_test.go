package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestFindKey resolves what an operator types to one key: an id, a hint
// prefix, the key; a prefix shared by two keys is refused with both ids.
func TestFindKey(t *testing.T) {
	st := storetest.Open(t, store.KindSQLite)
	ctx := context.Background()
	mk := func(hint string) (string, int64) {
		key, hash, _ := auth.NewKey(store.RoleAdmin)
		id, err := st.CreateAPIKey(ctx, store.NewAPIKey{Hash: hash, Hint: hint, Role: store.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		return key, id
	}
	_, a := mk("sh_a_abcd…")
	_, b := mk("sh_a_abzz…")
	key, c := mk("sh_a_qrst…")
	for _, tt := range []struct {
		which  string
		want   int64
		errMsg string
		usage  bool
	}{
		{strconv.FormatInt(a, 10), a, "", false},
		{"sh_a_abcd", a, "", false},
		{"sh_a_abcd…", a, "", false},
		{key, c, "", false},
		{"sh_a_ab", 0, fmt.Sprintf("matches 2 keys (ids %d, %d)", a, b), false},
		{"sh_a_xy", 0, "no API key matches", false},
		{"42", 0, "no API key matches", false},
		{"sh_a", 0, "neither", true},
		{"abcd", 0, "neither", true},
	} {
		k, err := findKey(ctx, st, tt.which)
		var ee *exitError
		switch {
		case tt.errMsg == "" && (err != nil || k.ID != tt.want):
			t.Errorf("%q: %v %v, want key %d", tt.which, k, err, tt.want)
		case tt.errMsg != "" && (err == nil || !strings.Contains(err.Error(), tt.errMsg)):
			t.Errorf("%q: %v, want %q", tt.which, err, tt.errMsg)
		case tt.errMsg != "" && errors.As(err, &ee) != tt.usage:
			t.Errorf("%q: usage error %v, want %v", tt.which, !tt.usage, tt.usage)
		}
	}
}

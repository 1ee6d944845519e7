package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestUserCommands adds, lists, re-passwords and disables portal users
// through the binary: a piped password is used as given and never
// printed; a generated one is the only thing on stdout.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	dbURL := storetest.URL(t, "sqlite")
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		cmd := command(t, cfg, dbURL, nil, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if err != nil {
			code = cmd.ProcessState.ExitCode()
		}
		return code, stdout.String(), stderr.String()
	}
	// Declared parties reach the database when serve starts; the test
	// adds the ones it needs the way an operator without serve would.
	for _, party := range [][]string{{"supplier", "add", "--code", "31", "--name", "Tools"}, {"retailer", "add", "--code", "acme", "--name", "Acme"}} {
		if code, _, errOut := run("", party...); code != 0 {
			t.Fatalf("%v: %s", party, errOut)
		}
	}
	code, out, errOut := run("piped password 1\n", "user", "add", "--email", "Orders@Tools.example", "--role", "supplier", "--supplier", "31")
	if code != 0 || out != "" {
		t.Fatalf("add with piped password: %d stdout %q stderr %q", code, out, errOut)
	}
	code, out, errOut = run("", "user", "add", "--email", "ops@hub.example", "--role", "operator")
	generated := strings.TrimSpace(out)
	if code != 0 || strings.Count(out, "\n") != 1 || len(generated) < 16 {
		t.Fatalf("add with generated password: %d stdout %q stderr %q", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"user", "add", "--email", "x@y.example", "--role", "supplier"},
		{"user", "add", "--email", "x@y.example", "--role", "operator", "--retailer", "acme"},
		{"user", "add", "--email", "x@y.example", "--role", "boss"},
		{"user", "add", "--email", "orders@tools.example", "--role", "supplier", "--supplier", "31"},
		{"user", "add", "--email", "x@y.example", "--role", "retailer", "--retailer", "nope"},
		{"user", "disable", "--email", "nobody@y.example"},
	} {
		if code, _, errOut := run("some password 2\n", bad...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", bad, code, errOut)
		}
	}
	if code, _, errOut := run("short\n", "user", "add", "--email", "s@y.example", "--role", "operator"); code != 2 || !strings.Contains(errOut, "at least") {
		t.Errorf("short password: %d %q", code, errOut)
	}
	code, out, _ = run("", "user", "list", "--json")
	var users []userView
	if err := json.Unmarshal([]byte(out), &users); code != 0 || err != nil || len(users) != 2 {
		t.Fatalf("list: %d %v %s", code, err, out)
	}
	if users[0].Email != "orders@tools.example" || users[0].Role != "supplier" || users[0].Party != "31" || strings.Contains(out, "argon2") {
		t.Errorf("list: %s", out)
	}
	if code, _, _ := run("a new password 3\n", "user", "password", "--email", "ops@hub.example"); code != 0 {
		t.Fatalf("password: %d", code)
	}
	if code, _, _ := run("", "user", "disable", "--email", "ops@hub.example"); code != 0 {
		t.Fatalf("disable: %d", code)
	}
	st := storetest.OpenURL(t, dbURL)
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, "ops@hub.example")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(u.PasswordHash, "a new password 3"); !ok || u.DisabledAt == nil || u.SessionGen < 3 {
		t.Errorf("after password and disable: ok=%v disabled=%v gen=%d", ok, u.DisabledAt, u.SessionGen)
	}
	s, _ := st.UserByEmail(ctx, "orders@tools.example")
	if ok, _ := auth.CheckPassword(s.PasswordHash, "piped password 1"); !ok {
		t.Error("the piped password was not stored")
	}
}

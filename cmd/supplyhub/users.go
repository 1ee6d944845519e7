package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
)

const userUsage = "usage: supplyhub user add --email E --role operator|supplier|retailer [--supplier C | --retailer C] | user list [--json] | user password --email E | user disable --email E | user enable --email E | user logout --email E"

// cmdUser manages portal accounts:
//
//	supplyhub user add --email E --role supplier --supplier 31   (password: stdin, or generated and printed)
//	supplyhub user list [--json]
//	supplyhub user password --email E      (stdin, or generated and printed; ends the user's sessions)
//	supplyhub user disable|enable --email E
//	supplyhub user logout --email E        (ends every session of the user)
func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageErr(userUsage)
	}
	sub, rest := args[0], args[1:]
	fs, cfgPath := newFlags("user "+sub, stderr)
	email := fs.String("email", "", "the user's email address (sign-in name)")
	var role, supplier, retailer *string
	var asJSON *bool
	switch sub {
	case "add":
		role = fs.String("role", "", "operator, supplier or retailer")
		supplier = fs.String("supplier", "", "supplier code (role supplier)")
		retailer = fs.String("retailer", "", "retailer code (role retailer)")
	case "list":
		asJSON = fs.Bool("json", false, "print a JSON array instead of a table")
	case "password", "disable", "enable", "logout":
	default:
		return usageErr(userUsage)
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if sub != "list" {
		if _, err := mail.ParseAddress(*email); err != nil || !strings.Contains(*email, "@") {
			return usageErr("--email: give the user's email address")
		}
	}
	var u store.User
	if sub == "add" {
		u = store.User{Email: *email, Role: *role}
		switch {
		case *role == store.PortalOperator && (*supplier != "" || *retailer != ""):
			return usageErr("an operator belongs to no supplier or retailer: drop --supplier/--retailer")
		case *role == store.PortalSupplier && (*supplier == "" || *retailer != ""):
			return usageErr("--role supplier needs --supplier C (and no --retailer)")
		case *role == store.PortalRetailer && (*retailer == "" || *supplier != ""):
			return usageErr("--role retailer needs --retailer C (and no --supplier)")
		case *role != store.PortalOperator && *role != store.PortalSupplier && *role != store.PortalRetailer:
			return usageErr("--role must be operator, supplier or retailer")
		}
	}
	_, st, err := configAndStore(ctx, *cfgPath, env)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		return userList(ctx, st, stdout, *asJSON)
	case "add":
		if u.SupplierID, err = supplierID(ctx, st, *supplier); err != nil {
			return err
		}
		if *retailer != "" {
			r, err := st.RetailerByCode(ctx, *retailer)
			if err != nil {
				return usageErr("retailer %q: %v", *retailer, err)
			}
			u.RetailerID = r.ID
		}
		password, generated, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if u.PasswordHash, err = auth.HashPassword(password); err != nil {
			return usageErr("%v", err)
		}
		if err := st.CreateUser(ctx, &u); errors.Is(err, store.ErrUserExists) {
			return usageErr("%v", err)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "user %s added (%s, id %d)\n", u.Email, u.Role, u.ID)
		if generated {
			fmt.Fprintln(stdout, password)
		}
		return nil
	}
	found, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return usageErr("no user %s", *email)
	}
	if err != nil {
		return err
	}
	switch sub {
	case "password":
		password, generated, err := readPassword(stdin)
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return usageErr("%v", err)
		}
		if err := st.SetUserPassword(ctx, found.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "password of %s changed; their sessions are ended\n", found.Email)
		if generated {
			fmt.Fprintln(stdout, password)
		}
	case "disable":
		changed, err := st.DisableUser(ctx, found.ID)
		if err != nil {
			return err
		}
		if !changed {
			fmt.Fprintf(stderr, "user %s was disabled already\n", found.Email)
			return nil
		}
		fmt.Fprintf(stderr, "user %s disabled; their sessions are ended\n", found.Email)
	case "enable":
		if err := st.EnableUser(ctx, found.ID); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "user %s enabled\n", found.Email)
	case "logout":
		if err := st.EndUserSessions(ctx, found.ID); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "every session of %s is ended\n", found.Email)
	}
	return nil
}

// readPassword takes the first line of stdin when stdin is not a terminal
// and holds one; otherwise it generates a password (generated=true), which
// the caller prints on stdout, alone.
func readPassword(stdin io.Reader) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return newPassword(), true, nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return newPassword(), true, nil
	}
	return line, false, nil
}

// userView is a user as `user list --json` prints it: never the hash.
type userView struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	Party       string     `json:"party,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
}

func userList(ctx context.Context, st *store.Store, stdout io.Writer, asJSON bool) error {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		views := make([]userView, 0, len(users))
		for _, u := range users {
			views = append(views, userView{u.ID, u.Email, u.Role, u.Party, u.CreatedAt, u.LastLoginAt, u.DisabledAt})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tROLE\tOF\tCREATED\tLAST SIGN-IN\tDISABLED")
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, u := range users {
		party := u.Party
		if party == "" {
			party = "-"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, party, u.CreatedAt.UTC().Format(time.RFC3339),
			ts(u.LastLoginAt), ts(u.DisabledAt))
	}
	return w.Flush()
}

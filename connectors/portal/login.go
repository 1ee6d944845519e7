package portal

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/store"
)

type loginPage struct {
	Email, Next, Error string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if u, _ := s.currentUser(r); u != nil {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Page: loginPage{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login checks the throttle first (a locked account is refused without
// looking at the password), then the password; every failure counts
// against the account and the client address, in the store, so all
// replicas share the count.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := store.NormalizeEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	page := loginPage{Email: email, Next: safeNext(r.PostFormValue("next"))}
	fail := func(status int, msg string) {
		page.Error = msg
		s.render(w, r, status, "login", view{Title: "Sign in", Page: page})
	}
	if email == "" || password == "" {
		fail(http.StatusUnprocessableEntity, "Enter your email address and your password.")
		return
	}
	now := time.Now()
	keys := []string{"account:" + email, "ip:" + clientIP(r)}
	limits := []int{s.opts.Throttle.PerAccount, s.opts.Throttle.PerAddress}
	for i, key := range keys {
		n, oldest, err := s.st.LoginFailures(ctx, key, now.Add(-s.opts.Throttle.Window))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if n >= limits[i] {
			wait := max(time.Minute, oldest.Add(s.opts.Throttle.Window).Sub(now))
			what := "this account"
			if i == 1 {
				what = "your network address"
			}
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
			fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins for %s. Try again in %d minutes.", what, int(math.Ceil(wait.Minutes()))))
			return
		}
	}
	u, err := s.st.UserByEmail(ctx, email)
	hash := auth.DummyPasswordHash
	if err == nil {
		hash = u.PasswordHash
	} else if !errors.Is(err, store.ErrNotFound) {
		s.internal(w, r, err)
		return
	}
	ok, err := auth.CheckPassword(hash, password)
	if err != nil {
		s.log.Error("portal password check", "user", email, "error", err)
	}
	if u == nil || !ok || u.DisabledAt != nil {
		for _, key := range keys {
			if err := s.st.RecordLoginFailure(ctx, key, now); err != nil {
				s.internal(w, r, err)
				return
			}
		}
		s.log.Info("portal sign-in failed", "user", email, "address", clientIP(r))
		fail(http.StatusUnauthorized, "The email address or the password is wrong, or the account is disabled.")
		return
	}
	if err := s.st.ClearLoginFailures(ctx, keys[0]); err != nil {
		s.internal(w, r, err)
		return
	}
	// A new session token at sign-in, so a token planted before it
	// (session fixation) is worthless; a new CSRF token with it.
	if err := s.sm.RenewToken(ctx); err != nil {
		s.internal(w, r, err)
		return
	}
	s.sm.Remove(ctx, "csrf")
	s.sm.Put(ctx, "uid", u.ID)
	s.sm.Put(ctx, "gen", u.SessionGen)
	if err := s.st.TouchUserLogin(ctx, u.ID, now); err != nil {
		s.log.Warn("portal sign-in not recorded", "user", email, "error", err)
	}
	s.log.Info("portal sign-in", "user", email, "role", u.Role)
	next := page.Next
	if next == "" {
		next = "/portal/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, u *store.User) {
	if err := s.sm.Destroy(r.Context()); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the user on every replica.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, u *store.User) {
	if err := s.st.EndUserSessions(r.Context(), u.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	if err := s.sm.Destroy(r.Context()); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
}

// home sends each role to its first page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, u *store.User) {
	if u.Role == store.PortalSupplier {
		http.Redirect(w, r, "/portal/orders", http.StatusSeeOther)
		return
	}
	if u.Role == store.PortalOperator {
		s.dashboard(w, r, u)
		return
	}
	s.render(w, r, http.StatusOK, "home", view{Title: "Supplyhub", User: u, Nav: "home"})
}

// safeNext keeps only a local portal path, so the sign-in form cannot be
// made to redirect elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/portal/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return ""
	}
	return next
}

// clientIP is the connection's address. Behind a proxy every client shares
// the proxy's address, so the per-address limit then throttles them all
// together; the per-account limit is unaffected.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

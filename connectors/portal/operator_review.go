package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// reviewActions are the commands an operator can apply from the queue,
// as a supplier's reply would; shipping needs a tracking number, so it
// is done from the supplier's side or the API.
var reviewActions = []string{pipeline.ActAcknowledge, pipeline.ActBackorder, pipeline.ActDeliver, pipeline.ActCancel, pipeline.ActReject, pipeline.ActNote}

type reviewItem struct {
	store.Review
	Excerpt string
	Form    map[string]string
	Errors  map[string]string
}

type reviewPage struct {
	Items   []reviewItem
	Actions []string
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.renderReview(w, r, u, http.StatusOK, 0, nil, nil)
}

// renderReview shows the queue; form and errs belong to review bad.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, u *store.User, status int, bad int64, form, errs map[string]string) {
	rs, err := s.st.ListReviews(r.Context(), 200)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := reviewPage{Actions: reviewActions}
	for _, rv := range rs {
		it := reviewItem{Review: rv, Form: map[string]string{}, Errors: map[string]string{}}
		if d, err := s.st.ReviewByID(r.Context(), rv.ID); err == nil {
			it.Excerpt = messageExcerpt(d.Raw, 600)
		}
		if rv.ID == bad {
			it.Form, it.Errors = form, errs
		}
		p.Items = append(p.Items, it)
	}
	s.render(w, r, status, "operator_review", view{Title: "Review queue", User: u, Nav: "review", Page: p})
}

// messageExcerpt is the start of a message's body (after its header),
// for an operator to read what the sender wrote.
func messageExcerpt(raw []byte, n int) string {
	s := string(raw)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[i+4:]
	} else if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[i+2:]
	}
	s = strings.TrimSpace(strings.ToValidUTF8(s, "�"))
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// review loads the unresolved review of the path, or answers 404 / a
// message that it was already resolved.
func (s *Server) review(w http.ResponseWriter, r *http.Request) (*store.ReviewDetail, bool) {
	rv, ok := byPathID(s, w, r, "id", s.st.ReviewByID)
	if !ok {
		return nil, false
	}
	if rv.ResolvedAt != nil {
		s.flash(r, fmt.Sprintf("Review %d was already resolved by %s: %s.", rv.ID, rv.ResolvedBy, rv.Resolution))
		http.Redirect(w, r, "/portal/admin/review", http.StatusSeeOther)
		return nil, false
	}
	return rv, true
}

// applyReview applies the command the operator chose to the supplier
// order they chose, through pipeline.ApplyStatus like any reply, then
// resolves the review and records it.
func (s *Server) applyReview(w http.ResponseWriter, r *http.Request, u *store.User) {
	rv, ok := s.review(w, r)
	if !ok {
		return
	}
	form := map[string]string{"number": strings.TrimSpace(r.PostFormValue("number")), "action": r.PostFormValue("action"),
		"note": strings.TrimSpace(r.PostFormValue("note"))}
	errs := map[string]string{}
	known := false
	for _, a := range reviewActions {
		known = known || a == form["action"]
	}
	if !known {
		errs["action"] = "Choose a command."
	}
	sid, err := s.st.SupplierIDOfNumber(r.Context(), form["number"])
	if errors.Is(err, store.ErrNotFound) || form["number"] == "" {
		errs["number"] = "No supplier order with this number."
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(errs) > 0 {
		s.renderReview(w, r, u, http.StatusUnprocessableEntity, rv.ID, form, errs)
		return
	}
	if s.opts.Queue == nil {
		s.renderReview(w, r, u, http.StatusServiceUnavailable, rv.ID, form, map[string]string{"action": "Applying needs the job queue, which this replica does not run."})
		return
	}
	upd := pipeline.StatusUpdate{Action: form["action"], Note: form["note"], Channel: rv.Source,
		Actor: fmt.Sprintf("operator %s (review %d)", u.Email, rv.ID)}
	res, err := pipeline.ApplyStatus(r.Context(), s.st, s.opts.Queue, sid, form["number"], upd)
	switch {
	case errors.Is(err, pipeline.ErrNoteRequired):
		errs["note"] = "A note is required for this command: it is sent to the retailer."
	case errors.Is(err, pipeline.ErrIllegalTransition):
		errs["action"] = err.Error()
	case err != nil:
		s.internal(w, r, err)
		return
	}
	if len(errs) > 0 {
		s.renderReview(w, r, u, http.StatusUnprocessableEntity, rv.ID, form, errs)
		return
	}
	outcome := "applied " + form["action"] + " to " + form["number"]
	if !res.Applied {
		outcome += " (nothing changed: " + res.Reason + ")"
	}
	if _, err := s.st.ResolveReview(r.Context(), rv.ID, u.Email, outcome); err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, u, "review apply", fmt.Sprintf("review %d", rv.ID), outcome)
	s.flash(r, fmt.Sprintf("Review %d: %s.", rv.ID, outcome))
	http.Redirect(w, r, "/portal/admin/review", http.StatusSeeOther)
}

// dismissReview resolves a review without acting on it.
func (s *Server) dismissReview(w http.ResponseWriter, r *http.Request, u *store.User) {
	rv, ok := s.review(w, r)
	if !ok {
		return
	}
	outcome := "dismissed"
	if why := strings.TrimSpace(r.PostFormValue("why")); why != "" {
		outcome += ": " + why
	}
	if _, err := s.st.ResolveReview(r.Context(), rv.ID, u.Email, outcome); err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, u, "review dismiss", fmt.Sprintf("review %d", rv.ID), outcome)
	s.flash(r, fmt.Sprintf("Review %d dismissed.", rv.ID))
	http.Redirect(w, r, "/portal/admin/review", http.StatusSeeOther)
}

package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// answerCancelRequest accepts or refuses the retailer's cancellation
// request shown on the order page, through the pipeline like the API.
func (s *Server) answerCancelRequest(w http.ResponseWriter, r *http.Request, u *store.User) {
	number := r.PathValue("number")
	form := map[string]string{"cr_note": strings.TrimSpace(r.PostFormValue("cr_note"))}
	id, err := strconv.ParseInt(r.PostFormValue("request"), 10, 64)
	answer := r.PostFormValue("answer")
	if err != nil || (answer != "accept" && answer != "refuse") {
		s.notFound(w, r)
		return
	}
	// The request must be about the order in the path: a form cannot
	// answer another order's request from this page.
	c, err := s.st.CancelRequestOfSupplier(r.Context(), nil, u.SupplierID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.SupplierOrder != number) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := orderPage{Form: form, Errors: map[string]string{}}
	_, err = pipeline.AnswerCancellation(r.Context(), s.st, s.opts.Queue, u.SupplierID, id, pipeline.CancelAnswer{
		Accept: answer == "accept", Note: form["cr_note"], Actor: "portal user " + u.Email, Channel: "portal"})
	var ve *pipeline.ValidationError
	switch {
	case errors.Is(err, pipeline.ErrNoteRequired):
		p.Errors["cr_note"] = "A note is required to refuse: it is sent to the retailer."
	case errors.As(err, &ve):
		p.Errors["cr_note"] = ve.Error()
	case errors.Is(err, pipeline.ErrCancelAnswered):
		p.Problem = err.Error()
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		done := "Cancellation refused; the retailer is told."
		if answer == "accept" {
			done = "Cancellation accepted: the order is being cancelled and the retailer is told."
		}
		s.flash(r, done)
		http.Redirect(w, r, "/portal/orders/"+number, http.StatusSeeOther)
		return
	}
	so, ok := s.supplierOrder(w, r, u)
	if !ok {
		return
	}
	s.renderOrder(w, r, u, so, http.StatusUnprocessableEntity, p)
}

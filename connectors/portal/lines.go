package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// lineField is the form field of one line's answer: "action:2", "date:2"…
func lineField(name string, position int) string { return name + ":" + strconv.Itoa(position) }

// answerLines applies the per-line answer form: for each line, an action
// (accept, backorder with a date, reject with a reason, quantity with the
// new quantity) or nothing. The answers go through pipeline together, as
// the API's do; refusals are shown next to their line.
func (s *Server) answerLines(w http.ResponseWriter, r *http.Request, u *store.User) {
	so, ok := s.supplierOrder(w, r, u)
	if !ok {
		return
	}
	form := map[string]string{}
	errs := map[string]string{}
	upd := pipeline.LineUpdate{Actor: "portal user " + u.Email, Channel: "portal", Note: strings.TrimSpace(r.PostFormValue("lines_note"))}
	form["lines_note"] = upd.Note
	var positions []int // of upd.Answers, to put pipeline's refusals next to their line
	for _, l := range so.Lines {
		get := func(name string) string {
			v := strings.TrimSpace(r.PostFormValue(lineField(name, l.Position)))
			form[lineField(name, l.Position)] = v
			return v
		}
		action, date, qty, code, reason := get("action"), get("date"), get("newqty"), get("code"), get("reason")
		if action == "" {
			continue
		}
		a := pipeline.LineAnswer{Position: l.Position, Action: action, ReasonCode: code, Reason: reason}
		switch action {
		case pipeline.LineAccept, pipeline.LineReject:
		case pipeline.LineBackorder:
			d, err := time.Parse("2006-01-02", date)
			if err != nil {
				errs[lineField("date", l.Position)] = "Enter the expected date, YYYY-MM-DD."
			}
			a.ExpectedDate = d
		case pipeline.LineChangeQuantity:
			n, err := strconv.Atoi(qty)
			if err != nil || n <= 0 {
				errs[lineField("newqty", l.Position)] = "Enter the new quantity, a whole number above 0."
			}
			a.Quantity = n
		default:
			errs[lineField("action", l.Position)] = "Choose accept, backorder, reject or change quantity."
		}
		upd.Answers = append(upd.Answers, a)
		positions = append(positions, l.Position)
	}
	if len(upd.Answers) == 0 && len(errs) == 0 {
		errs["lines"] = "Choose an answer for at least one line."
	}
	p := orderPage{Form: form, Errors: errs}
	if len(errs) == 0 {
		res, err := pipeline.ApplyLineAnswers(r.Context(), s.st, s.opts.Queue, u.SupplierID, so.Number, upd)
		var le *pipeline.LinesError
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.notFound(w, r)
			return
		case errors.As(err, &le):
			for _, f := range le.Fields {
				p.Errors[portalLineField(f.Field, positions)] = f.Message
			}
		case errors.Is(err, pipeline.ErrIllegalTransition):
			p.Problem = err.Error()
		case err != nil:
			s.internal(w, r, err)
			return
		case !res.Applied:
			p.Problem = "Nothing changed: " + res.Reason + "."
		default:
			s.flash(r, fmt.Sprintf("%d line(s) answered; the retailer is told.", len(upd.Answers)))
			http.Redirect(w, r, "/portal/orders/"+so.Number, http.StatusSeeOther)
			return
		}
	}
	s.renderOrder(w, r, u, so, http.StatusUnprocessableEntity, p)
}

// portalLineField turns pipeline's "lines[i].expected_date" into the
// form's "date:<position>".
func portalLineField(field string, positions []int) string {
	idx, name, _ := strings.Cut(strings.TrimPrefix(field, "lines["), "].")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(positions) {
		return "lines"
	}
	switch name {
	case "expected_date":
		name = "date"
	case "quantity":
		name = "newqty"
	case "reason":
		name = "reason"
	default:
		name = "action"
	}
	return lineField(name, positions[i])
}

// canAnswerLines reports whether a supplier order still takes line answers.
func canAnswerLines(status string) bool {
	switch status {
	case domain.StatusCancelled, domain.StatusRejected, domain.StatusDelivered, domain.StatusShipped:
		return false
	}
	return true
}

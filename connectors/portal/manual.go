package portal

import (
	"encoding/json"
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

// manualPage is the manual order form (or, once confirmed or discarded,
// its read-only view).
type manualPage struct {
	M         *store.ManualOrder // nil for a new form
	Retailer  string
	Retailers []*domain.Retailer
	D         draft
	Files     []store.Attachment
	Order     *domain.Order
	Errors    map[string]string
	Problem   string
	MaxFile   string
	Editable  bool
	// LineTotals and Total are the amounts of the rows that parse ("" for
	// the others), as a help while typing; the pipeline computes its own.
	LineTotals []string
	Total      string
}

type manualListPage struct {
	Rows          []*manualRow
	Status        string
	Newest, Older string
}

// manualPerPage is the number of manual orders on one list page.
const manualPerPage = 50

type manualRow struct {
	*store.ManualOrder
	D draft
}

// manualStatuses are the list filters, in order.
var manualStatuses = []string{store.ManualDraft, store.ManualConfirming, store.ManualConfirmed, store.ManualDiscarded}

// manualList lists manual orders, newest first, a page at a time.
func (s *Server) manualList(w http.ResponseWriter, r *http.Request, u *store.User) {
	status := r.URL.Query().Get("status")
	if status != "" && !contains(manualStatuses, status) {
		status = ""
	}
	before, ok := s.parseBefore(w, r)
	if !ok {
		return
	}
	ms, err := s.st.ListManualOrders(r.Context(), status, before, manualPerPage+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := manualListPage{Status: status}
	ms, p.Newest, p.Older = keysetPage(r, ms, manualPerPage, func(m *store.ManualOrder) int64 { return m.ID })
	for _, m := range ms {
		var d draft
		_ = json.Unmarshal(m.Request, &d)
		p.Rows = append(p.Rows, &manualRow{m, d})
	}
	s.render(w, r, http.StatusOK, "manual_list", view{Title: "Manual orders", User: u, Nav: "manual", Page: p})
}

// manualNew shows an empty form; nothing is stored until it is sent.
func (s *Server) manualNew(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.renderManual(w, r, u, http.StatusOK, &manualPage{D: draft{Currency: "EUR", Customer: domain.Customer{Type: domain.CustomerB2C},
		Lines: []draftLine{{Quantity: "1"}}}, Editable: true})
}

// manualCreate stores the new form as a draft (whatever button was
// pressed: add a line, attach, save) and goes on as for an existing one.
func (s *Server) manualCreate(w http.ResponseWriter, r *http.Request, u *store.User) {
	d := draftFromForm(r.PostForm)
	rt, err := s.st.RetailerByCode(r.Context(), strings.TrimSpace(r.PostFormValue("retailer")))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
		p := &manualPage{D: d, Retailer: r.PostFormValue("retailer"), Editable: true, Errors: map[string]string{"retailer": "Choose the retailer."}}
		s.renderManual(w, r, u, http.StatusUnprocessableEntity, p)
		return
	}
	raw, _ := json.Marshal(d)
	m := &store.ManualOrder{RetailerID: rt.ID, Request: raw, CreatedBy: u.Email}
	if err := s.st.CreateManualOrder(r.Context(), m); err != nil {
		s.internal(w, r, err)
		return
	}
	s.log.Info("manual order draft created", "id", m.ID, "retailer", rt.Code, "by", u.Email)
	s.manualAct(w, r, u, m.ID, d, rt)
}

// manualView shows a manual order.
func (s *Server) manualView(w http.ResponseWriter, r *http.Request, u *store.User) {
	m, ok := s.manualOrder(w, r)
	if !ok {
		return
	}
	p := &manualPage{M: m}
	_ = json.Unmarshal(m.Request, &p.D)
	if len(p.D.Lines) == 0 {
		p.D.Lines = []draftLine{{}}
	}
	s.renderManual(w, r, u, http.StatusOK, p)
}

// manualPost saves the form, then does what its button says: save, add a
// line, fill lines from the catalog, remove a line or a file, confirm, or
// discard.
func (s *Server) manualPost(w http.ResponseWriter, r *http.Request, u *store.User) {
	m, ok := s.manualOrder(w, r)
	if !ok {
		return
	}
	if m.Status != store.ManualDraft && m.Status != store.ManualConfirming {
		s.manualProblem(w, r, u, m, "This order was "+m.Status+" and can no longer be changed.")
		return
	}
	if m.Status == store.ManualConfirming {
		// Its confirmation was cut short: the one thing left is to finish it.
		var d draft
		_ = json.Unmarshal(m.Request, &d)
		if r.PostFormValue("action") != "confirm" {
			s.manualProblem(w, r, u, m, "This order is being confirmed and can no longer be changed; confirm it again to finish.")
			return
		}
		rt, err := s.st.RetailerByID(r.Context(), m.RetailerID)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		s.confirmManual(w, r, u, m.ID, d, rt)
		return
	}
	d := draftFromForm(r.PostForm)
	rt, err := s.st.RetailerByCode(r.Context(), strings.TrimSpace(r.PostFormValue("retailer")))
	if errors.Is(err, store.ErrNotFound) {
		p := &manualPage{M: m, D: d, Retailer: r.PostFormValue("retailer"), Editable: true, Errors: map[string]string{"retailer": "Choose the retailer."}}
		s.renderManual(w, r, u, http.StatusUnprocessableEntity, p)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	raw, _ := json.Marshal(d)
	if err := s.st.UpdateManualDraft(r.Context(), m.ID, rt.ID, raw); errors.Is(err, store.ErrNotDraft) {
		s.manualProblem(w, r, u, m, "This order was confirmed or discarded meanwhile and can no longer be changed.")
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	s.manualAct(w, r, u, m.ID, d, rt)
}

// manualAct stores the files sent with the form and does the button's
// action on the saved draft id.
func (s *Server) manualAct(w http.ResponseWriter, r *http.Request, u *store.User, id int64, d draft, rt *domain.Retailer) {
	ctx := r.Context()
	here := fmt.Sprintf("/portal/manual/%d", id)
	if msg, err := s.saveUploads(r, id); err != nil {
		s.internal(w, r, err)
		return
	} else if msg != "" {
		p := &manualPage{D: d, Errors: map[string]string{"files": msg}}
		s.reloadManual(w, r, u, id, p, http.StatusUnprocessableEntity)
		return
	}
	action := r.PostFormValue("action")
	switch {
	case action == "add_line":
		if len(d.Lines) >= maxDraftLines {
			s.reloadManual(w, r, u, id, &manualPage{D: d, Errors: map[string]string{"lines": fmt.Sprintf("A manual order holds at most %d lines.", maxDraftLines)}}, http.StatusUnprocessableEntity)
			return
		}
		d.Lines = append(d.Lines, draftLine{Quantity: "1"})
		raw, _ := json.Marshal(d)
		if err := s.st.UpdateManualDraft(ctx, id, rt.ID, raw); err != nil && !errors.Is(err, store.ErrNotDraft) {
			s.internal(w, r, err)
			return
		}
		http.Redirect(w, r, here+fmt.Sprintf("#line-%d", len(d.Lines)-1), http.StatusSeeOther)
	case action == "fill_catalog":
		n, errs, err := s.fillFromCatalog(ctx, &d)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		raw, _ := json.Marshal(d)
		if err := s.st.UpdateManualDraft(ctx, id, rt.ID, raw); err != nil && !errors.Is(err, store.ErrNotDraft) {
			s.internal(w, r, err)
			return
		}
		if len(errs) > 0 {
			s.reloadManual(w, r, u, id, &manualPage{D: d, Errors: errs}, http.StatusUnprocessableEntity)
			return
		}
		s.flash(r, filledMessage(n))
		http.Redirect(w, r, here+"#lines", http.StatusSeeOther)
	case strings.HasPrefix(action, "remove_line:"):
		n, err := strconv.Atoi(strings.TrimPrefix(action, "remove_line:"))
		if err == nil && n >= 0 && n < len(d.Lines) {
			d.Lines = append(d.Lines[:n], d.Lines[n+1:]...)
			if len(d.Lines) == 0 {
				d.Lines = []draftLine{{}}
			}
			raw, _ := json.Marshal(d)
			if err := s.st.UpdateManualDraft(ctx, id, rt.ID, raw); err != nil && !errors.Is(err, store.ErrNotDraft) {
				s.internal(w, r, err)
				return
			}
		}
		s.flash(r, "Line removed.")
		http.Redirect(w, r, here+"#lines", http.StatusSeeOther)
	case strings.HasPrefix(action, "remove_file:"):
		fid, _ := strconv.ParseInt(strings.TrimPrefix(action, "remove_file:"), 10, 64)
		if err := s.st.DeleteAttachment(ctx, id, fid); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrNotDraft) {
			s.internal(w, r, err)
			return
		}
		s.flash(r, "File removed.")
		http.Redirect(w, r, here+"#files", http.StatusSeeOther)
	case action == "discard":
		if err := s.st.MoveManualOrder(ctx, id, store.ManualDraft, store.ManualDiscarded); err != nil && !errors.Is(err, store.ErrNotDraft) {
			s.internal(w, r, err)
			return
		}
		s.log.Info("manual order discarded", "id", id, "by", u.Email)
		s.flash(r, "Draft discarded.")
		http.Redirect(w, r, "/portal/manual", http.StatusSeeOther)
	case action == "confirm":
		s.confirmManual(w, r, u, id, d, rt)
	default:
		s.flash(r, "Draft saved.")
		http.Redirect(w, r, here, http.StatusSeeOther)
	}
}

// confirmManual sends the draft into the ingest pipeline, exactly as the
// API's POST /api/v1/orders does. The draft is claimed first, so that it
// cannot be edited while the pipeline takes it; a refusal gives it back
// as a draft with the pipeline's errors next to the fields.
func (s *Server) confirmManual(w http.ResponseWriter, r *http.Request, u *store.User, id int64, d draft, rt *domain.Retailer) {
	ctx := r.Context()
	p := &manualPage{D: d, Errors: map[string]string{}}
	if d.Notify {
		switch {
		case rt.Email == "":
			p.Errors["notify"] = "Retailer " + rt.Code + " has no email address; untick this or set one in the configuration."
		case d.NoticeSubject == "":
			p.Errors["notice_subject"] = "Enter a subject for the email."
		case pipeline.HasControl(d.NoticeSubject, false):
			p.Errors["notice_subject"] = "The subject must be one line."
		}
	}
	req, errs := d.request(time.Now())
	for k, v := range errs {
		p.Errors[k] = v
	}
	if len(p.Errors) > 0 {
		s.reloadManual(w, r, u, id, p, http.StatusUnprocessableEntity)
		return
	}
	if s.opts.Ingest == nil {
		s.internal(w, r, errors.New("portal: no ingestor configured"))
		return
	}
	if d.PlacedAt == "" {
		// Kept with the draft before it is claimed: see draft.PlacedAt.
		d.PlacedAt = req.PlacedAt
		raw, _ := json.Marshal(d)
		if err := s.st.UpdateManualDraft(ctx, id, rt.ID, raw); err != nil && !errors.Is(err, store.ErrNotDraft) {
			s.internal(w, r, err)
			return
		}
	}
	if err := s.st.ClaimManualOrder(ctx, id); errors.Is(err, store.ErrNotDraft) {
		s.reloadManual(w, r, u, id, &manualPage{Problem: "This order was confirmed or discarded meanwhile."}, http.StatusConflict)
		return
	} else if err != nil {
		s.internal(w, r, err)
		return
	}
	res, err := s.opts.Ingest.Submit(ctx, rt, req)
	if err != nil {
		var ve *pipeline.ValidationError
		switch {
		case errors.As(err, &ve):
			p.Errors = d.fieldErrors(ve)
		case errors.Is(err, pipeline.ErrConflict):
			p.Errors["external_id"] = "Retailer " + rt.Code + " already has a different order with this external ID."
		case errors.Is(err, pipeline.ErrStopped):
			p.Problem = "Supplyhub is restarting and did not take the order. Confirm it again in a few seconds."
		default:
			s.log.Error("manual order not confirmed", "id", id, "error", err)
			p.Problem = "The order could not be confirmed (" + err.Error() + "). It is still a draft; try again."
		}
		// Not stored: back to a draft, with a new placing time next time.
		if rerr := s.st.MoveManualOrder(ctx, id, store.ManualConfirming, store.ManualDraft); rerr != nil {
			s.internal(w, r, rerr)
			return
		}
		d.PlacedAt = ""
		raw, _ := json.Marshal(d)
		if rerr := s.st.UpdateManualDraft(ctx, id, rt.ID, raw); rerr != nil && !errors.Is(rerr, store.ErrNotDraft) {
			s.internal(w, r, rerr)
			return
		}
		s.reloadManual(w, r, u, id, p, http.StatusUnprocessableEntity)
		return
	}
	if err := s.st.ManualOrderConfirmed(ctx, id, res.Order.ID); err != nil && !errors.Is(err, store.ErrNotDraft) {
		s.internal(w, r, err)
		return
	}
	s.log.Info("manual order confirmed", "id", id, "order", res.Order.Header.Number, "retailer", rt.Code, "by", u.Email, "created", res.Created)
	msg := "Order " + res.Order.Header.Number + " confirmed and sent to its suppliers."
	if !res.Created {
		msg = "Order " + res.Order.Header.Number + " was already stored with this external ID and content; this draft is now linked to it."
	}
	if d.Notify {
		msg += " " + s.sendNotice(r, id, rt, d)
	}
	s.flash(r, msg)
	http.Redirect(w, r, fmt.Sprintf("/portal/manual/%d", id), http.StatusSeeOther)
}

// sendNotice emails the retailer the operator's notice and records what
// happened; it says so in words for the flash message.
func (s *Server) sendNotice(r *http.Request, id int64, rt *domain.Retailer, d draft) string {
	n := store.ManualNotice{To: rt.Email, Subject: d.NoticeSubject, Message: d.NoticeMessage}
	var err error
	if s.opts.Mail == nil {
		err = errors.New("no mail transport configured")
	} else {
		err = s.opts.Mail.SendText(r.Context(), rt.Email, d.NoticeSubject, d.NoticeMessage)
	}
	out := "The retailer was emailed at " + rt.Email + "."
	if err != nil {
		n.Error = err.Error()
		s.log.Error("manual order notice not sent", "id", id, "to", rt.Email, "error", err)
		out = "The email to the retailer could not be sent: " + err.Error()
	} else {
		now := time.Now().UTC()
		n.SentAt = &now
	}
	if rerr := s.st.RecordManualNotice(r.Context(), id, n); rerr != nil {
		s.log.Error("manual order notice not recorded", "id", id, "error", rerr)
	}
	return out
}

// manualOrder loads the manual order named in the path, or answers 404.
func (s *Server) manualOrder(w http.ResponseWriter, r *http.Request) (*store.ManualOrder, bool) {
	return byPathID(s, w, r, "id", s.st.ManualOrderByID)
}

// reloadManual renders manual order id again with p's form and errors.
func (s *Server) reloadManual(w http.ResponseWriter, r *http.Request, u *store.User, id int64, p *manualPage, status int) {
	m, err := s.st.ManualOrderByID(r.Context(), id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p.M = m
	if p.D.Lines == nil {
		_ = json.Unmarshal(m.Request, &p.D)
	}
	s.renderManual(w, r, u, status, p)
}

func (s *Server) manualProblem(w http.ResponseWriter, r *http.Request, u *store.User, m *store.ManualOrder, problem string) {
	p := &manualPage{M: m, Problem: problem}
	_ = json.Unmarshal(m.Request, &p.D)
	s.renderManual(w, r, u, http.StatusConflict, p)
}

func (s *Server) renderManual(w http.ResponseWriter, r *http.Request, u *store.User, status int, p *manualPage) {
	ctx := r.Context()
	var err error
	if p.Retailers, err = s.st.ListRetailers(ctx); err != nil {
		s.internal(w, r, err)
		return
	}
	title := "New manual order"
	if p.M != nil {
		title = fmt.Sprintf("Manual order %d", p.M.ID)
		p.Editable = p.M.Status == store.ManualDraft
		if p.Retailer == "" {
			p.Retailer = p.M.RetailerCode
		}
		if p.Files, err = s.st.Attachments(ctx, p.M.ID); err != nil {
			s.internal(w, r, err)
			return
		}
		if p.M.OrderID != 0 {
			if p.Order, err = s.st.OrderByID(ctx, nil, p.M.RetailerID, p.M.OrderID); err != nil {
				s.internal(w, r, err)
				return
			}
		}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.MaxFile = byteSize(s.opts.MaxAttachmentBytes)
	p.LineTotals, p.Total = p.D.totals()
	s.render(w, r, status, "manual", view{Title: title, User: u, Nav: "manual", Page: p})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// byteSize writes n for people: "10 MiB", "512 KiB", "900 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

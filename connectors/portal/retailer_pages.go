package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/reports"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// summaryPage is a retailer's monthly summary, built by internal/reports
// like the emailed one.
type summaryPage struct {
	Month    string
	Months   []string
	S        *reports.Summary
	Currency string
	Error    string
}

// retailerMonths are the last 12 months in the retailer's time zone,
// newest first.
func retailerMonths(r *domain.Retailer, now time.Time) []string {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	t := now.In(loc)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	out := make([]string, 12)
	for i := range out {
		out[i] = first.AddDate(0, -i, 0).Format("2006-01")
	}
	return out
}

func (s *Server) summaries(w http.ResponseWriter, r *http.Request, u *store.User) {
	rt, err := s.st.RetailerByID(r.Context(), u.RetailerID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := summaryPage{Months: retailerMonths(rt, time.Now()), Month: r.URL.Query().Get("month")}
	if p.Month == "" {
		p.Month = p.Months[0]
	}
	status := http.StatusOK
	if _, err := reports.ParseMonth(p.Month); err != nil {
		p.Error, status = "Choose a month such as "+p.Months[0]+".", http.StatusUnprocessableEntity
	} else if p.S, err = reports.BuildSummary(r.Context(), s.st, rt, p.Month); err != nil {
		s.internal(w, r, err)
		return
	} else if len(p.S.Rows) > 0 {
		p.Currency = p.S.Rows[0].Currency
	}
	s.render(w, r, status, "retailer_summaries", view{Title: "Monthly summary " + p.Month, User: u, Nav: "summaries", Page: p})
}

// summaryCSV downloads the month's detail, the CSV the summary email
// carries.
func (s *Server) summaryCSV(w http.ResponseWriter, r *http.Request, u *store.User) {
	month := r.URL.Query().Get("month")
	if _, err := reports.ParseMonth(month); err != nil {
		s.notFound(w, r)
		return
	}
	rt, err := s.st.RetailerByID(r.Context(), u.RetailerID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sum, err := reports.BuildSummary(r.Context(), s.st, rt, month)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := sum.WriteCSV(&buf); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="supplyhub-`+rt.Code+"-"+month+`.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// endpointView is one of the retailer's channels as shown to it: the
// webhook URL without credentials or query (which may hold a token).
type endpointView struct {
	Name, Type, Target string
}

type notificationPage struct {
	R         *domain.Retailer
	Endpoints []endpointView
}

func endpointsOf(rt *domain.Retailer) []endpointView {
	var out []endpointView
	for _, c := range rt.Channels {
		e := endpointView{Name: c.Name, Type: c.Type}
		var set struct {
			URL string `json:"url"`
			To  string `json:"to"`
		}
		_ = json.Unmarshal(c.Settings, &set)
		if u, err := url.Parse(set.URL); err == nil && u.Host != "" {
			e.Target = u.Scheme + "://" + u.Host + u.EscapedPath()
		}
		if e.Target == "" {
			e.Target = set.To
		}
		out = append(out, e)
	}
	return out
}

// notificationSettings shows what the retailer is told and how. The
// settings live in the configuration, so the page only shows them.
func (s *Server) notificationSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	rt, err := s.st.RetailerByID(r.Context(), u.RetailerID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "retailer_notifications", view{Title: "Notifications", User: u, Nav: "notifications",
		Page: notificationPage{R: rt, Endpoints: endpointsOf(rt)}})
}

type notificationRow struct {
	*domain.Delivery
	Name     string // the channel's name without "retailer/"
	Type     string // event type without the history event id
	Attempts []domain.Attempt
	Replay   bool
}

type webhooksPage struct {
	Endpoints     []endpointView
	Channel       string
	Rows          []notificationRow
	Newest, Older string
}

// webhooksPerPage is the number of notifications on one webhook log page.
const webhooksPerPage = 50

// webhooks lists the retailer's notifications, newest first, with every
// attempt (code, latency, answer excerpt) and a replay button, like an
// app portal for webhook consumers.
func (s *Server) webhooks(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	rt, err := s.st.RetailerByID(ctx, u.RetailerID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	before, ok := s.parseBefore(w, r)
	if !ok {
		return
	}
	p := webhooksPage{Endpoints: endpointsOf(rt), Channel: r.URL.Query().Get("channel")}
	filter := ""
	if p.Channel != "" {
		filter = pipeline.RetailerChannelPrefix + p.Channel
	}
	ds, err := s.st.RetailerDeliveries(ctx, u.RetailerID, filter, before, webhooksPerPage+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ds, p.Newest, p.Older = keysetPage(r, ds, webhooksPerPage, func(d *domain.Delivery) int64 { return d.ID })
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	attempts, err := s.st.AttemptsOf(ctx, ids)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, d := range ds {
		row := notificationRow{Delivery: d, Name: strings.TrimPrefix(d.Channel, pipeline.RetailerChannelPrefix),
			Replay: d.Status == domain.DeliveryDelivered || d.Status == domain.DeliveryDead, Attempts: attempts[d.ID]}
		row.Type, _, _ = pipeline.ParseNotificationEvent(d.Event)
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, "retailer_webhooks", view{Title: "Webhooks", User: u, Nav: "webhooks", Page: p})
}

// replayNotification sends one of the retailer's notifications again,
// under its original id, through pipeline.Replay as the admin API does.
func (s *Server) replayNotification(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, ok := byPathID(s, w, r, "id", func(ctx context.Context, id int64) (*domain.Delivery, error) {
		return s.st.RetailerDelivery(ctx, u.RetailerID, id)
	})
	if !ok {
		return
	}
	id := d.ID
	res, err := pipeline.Replay(r.Context(), s.st, s.opts.Queue, []int64{id})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(res) == 1 && res[0].Replayed {
		s.flash(r, "Notification "+strconv.FormatInt(id, 10)+" will be sent again, with the same id.")
	} else if len(res) == 1 {
		s.flash(r, "Not sent again: "+res[0].Reason+".")
	}
	back := "/portal/webhooks"
	if c := r.PostFormValue("channel"); c != "" {
		back += "?channel=" + url.QueryEscape(c)
	}
	http.Redirect(w, r, back+"#d"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// listBounds is what the supplier's ORDER HISTORY and the operator's order
// list parse alike from their query: a day range and a retailer code.
type listBounds struct {
	From, To   time.Time // creation time, [From, To); zero is open
	RetailerID int64
}

// parseListBounds parses the from and to dates (YYYY-MM-DD; to includes the
// whole day), checks status against historyStatuses and looks up the
// retailer code. Each problem is put in errs under its field name.
func (s *Server) parseListBounds(r *http.Request, from, to, status, retailer string, errs map[string]string) listBounds {
	var b listBounds
	if from != "" {
		t, err := time.Parse("2006-01-02", from)
		if err != nil {
			errs["from"] = "Use a date like 2026-11-30."
		}
		b.From = t
	}
	if to != "" {
		t, err := time.Parse("2006-01-02", to)
		if err != nil {
			errs["to"] = "Use a date like 2026-11-30."
		} else {
			b.To = t.AddDate(0, 0, 1) // the whole day is included
		}
	}
	if status != "" {
		ok := false
		for _, st := range historyStatuses {
			ok = ok || st == status
		}
		if !ok {
			errs["status"] = "Unknown status."
		}
	}
	if retailer != "" {
		rt, err := s.st.RetailerByCode(r.Context(), retailer)
		if err != nil {
			errs["retailer"] = "No retailer with this code."
		} else {
			b.RetailerID = rt.ID
		}
	}
	return b
}

// listPage is the page number of a list's query (1 when absent or bad)
// and the offset of its first row.
func listPage(q url.Values) (page, offset int) {
	page, _ = strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	return page, (page - 1) * pageSize
}

// Lists paged by id, newest first (the webhook log, the manual orders and
// the audit log): "before" in the query is the id the page starts below,
// so a page stays cheap however far back it is and does not shift while
// new rows arrive.

// parseBefore reads the "before" cursor of r's query. A malformed one is
// a 400 with a clear page (shown by parseBefore), not the newest page in
// disguise.
func (s *Server) parseBefore(w http.ResponseWriter, r *http.Request) (int64, bool) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return 0, true
	}
	before, err := strconv.ParseInt(v, 10, 64)
	if err != nil || before <= 0 {
		u, _ := s.currentUser(r)
		s.render(w, r, http.StatusBadRequest, "error", view{Title: "Bad link", User: u,
			Page: errorPage{Heading: "Bad link", Message: "The page cursor “before” must be a positive whole number. Go back to the list and use its Older link."}})
		return 0, false
	}
	return before, true
}

// keysetPage cuts rows, read newest first with perPage+1 as the limit, to
// one page, and returns the links to the newest page ("" when r is on it)
// and to the next older one ("" when rows held no more), both keeping the
// other parameters of r's query (a filter).
func keysetPage[T any](r *http.Request, rows []T, perPage int, id func(T) int64) (page []T, newest, older string) {
	q := r.URL.Query()
	v := url.Values{}
	for k, vs := range q {
		if k != "before" {
			v[k] = vs
		}
	}
	if q.Get("before") != "" {
		newest = r.URL.Path
		if len(v) > 0 {
			newest += "?" + v.Encode()
		}
	}
	if len(rows) > perPage {
		rows = rows[:perPage]
		v.Set("before", strconv.FormatInt(id(rows[perPage-1]), 10))
		older = "?" + v.Encode()
	}
	return rows, newest, older
}

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

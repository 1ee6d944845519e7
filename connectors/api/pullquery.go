package api

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// maxPullRange bounds a pull window. Pages seek by cursor, so the window
// does not make paging slower; it bounds what one status-filtered page may
// have to walk past to fill itself, and it keeps "everything" requests from
// becoming a habit.
const maxPullRange = 31 * 24 * time.Hour

// orderStatuses lists every supplier order status, for the status filter.
func orderStatuses() []string {
	return []string{
		domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusShipped,
		domain.StatusDelivered, domain.StatusCancelled, domain.StatusRejected, domain.StatusBackordered,
		domain.StatusPartiallyShipped, domain.StatusPartiallyCancelled,
	}
}

// parsePullQuery reads a supplier's list query: from and to (RFC 3339,
// half-open [from, to), to defaulting to now and from to 31 days before
// to), by (updated, the default, or created), status (one or more, comma
// separated or repeated), limit (default 100, at most 500) and cursor. It
// returns every problem at once.
func parsePullQuery(q url.Values, now time.Time) (store.SupplierOrderPage, []pipeline.FieldError) {
	var fe []pipeline.FieldError
	bad := func(field, msg string) { fe = append(fe, pipeline.FieldError{Field: field, Message: msg}) }
	p := store.SupplierOrderPage{By: store.SupplierOrdersByUpdated, To: ceilMicro(now.UTC()), Limit: 100}
	timeOK := true
	parse := func(name string, dst *time.Time) bool {
		v := q.Get(name)
		if v == "" {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad(name, "must be an RFC 3339 time such as 2026-11-22T10:00:00Z, got "+strconv.Quote(v))
			timeOK = false
			return false
		}
		// Times are stored to the microsecond; rounding both bounds up
		// keeps [from, to) exact for times given with nanoseconds.
		*dst = ceilMicro(t.UTC())
		return true
	}
	parse("to", &p.To)
	if !parse("from", &p.From) {
		p.From = p.To.Add(-maxPullRange)
	}
	if timeOK {
		switch {
		case !p.From.Before(p.To):
			bad("from", "must be before to: the range is [from, to), so from = to selects nothing")
		case p.To.Sub(p.From) > maxPullRange:
			bad("to", "the range may span at most 31 days; page through shorter windows")
		}
	}
	switch by := q.Get("by"); by {
	case "", store.SupplierOrdersByUpdated:
	case store.SupplierOrdersByCreated:
		p.By = by
	default:
		bad("by", `must be "updated" (the default) or "created", got `+strconv.Quote(by))
	}
	p.Statuses, fe = parseStatuses(q["status"], fe)
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			bad("limit", "must be an integer from 1 to 500")
		} else {
			p.Limit = n
		}
	}
	if v := q.Get("cursor"); v != "" {
		t, id, err := decodeCursor(v)
		if err != nil {
			bad("cursor", err.Error()+": pass next_cursor or the Link header's URL back unchanged")
		} else {
			p.AfterTime, p.AfterID = t, id
		}
	}
	return p, fe
}

// parseStatuses reads status=a,b&status=c into known, distinct statuses,
// naming each unknown one.
func parseStatuses(vals []string, fe []pipeline.FieldError) ([]string, []pipeline.FieldError) {
	known := orderStatuses()
	var out []string
	for _, v := range vals {
		for st := range strings.SplitSeq(v, ",") {
			st = strings.TrimSpace(st)
			switch {
			case st == "":
			case !slices.Contains(known, st):
				fe = append(fe, pipeline.FieldError{Field: "status",
					Message: "unknown status " + strconv.Quote(st) + " (known: " + strings.Join(known, ", ") + ")"})
			case !slices.Contains(out, st):
				out = append(out, st)
			}
		}
	}
	return out, fe
}

// ceilMicro rounds t up to the microsecond: a stored time u is >= t (or
// < t) exactly when it is >= (or <) ceilMicro(t).
func ceilMicro(t time.Time) time.Time {
	if tr := t.Truncate(time.Microsecond); !tr.Equal(t) {
		return tr.Add(time.Microsecond)
	}
	return t
}

// nextPageURL is the URL of the page after cursor: the same query with the
// window fixed to the resolved from and to, so that following Link headers
// walks one window even when the first request left to at "now".
func nextPageURL(path string, q url.Values, p store.SupplierOrderPage, cursor string) string {
	nq := url.Values{}
	for _, k := range []string{"by", "status", "limit"} {
		if vs, ok := q[k]; ok {
			nq[k] = vs
		}
	}
	nq.Set("from", p.From.Format(time.RFC3339Nano))
	nq.Set("to", p.To.Format(time.RFC3339Nano))
	nq.Set("cursor", cursor)
	return path + "?" + nq.Encode()
}

// fieldSummary turns field errors into one line for the error message, so
// a client that only logs the message still learns the reason.
func fieldSummary(fe []pipeline.FieldError) string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

package portal

import (
	"net/http"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// overdueRow is one open overdue alert as the operator's page shows it.
type overdueRow struct {
	store.OverdueRow
	Within string
}

type overduePage struct {
	Rows []overdueRow
	// More is set when the list was cut at its limit.
	More bool
}

// overdueLimit bounds the page; the CLI lists more with --limit.
const overdueLimit = 500

// overdue lists the supplier orders past their acknowledge or ship limit
// and still not acknowledged or shipped, oldest alert first.
func (s *Server) overdue(w http.ResponseWriter, r *http.Request, u *store.User) {
	rows, err := s.st.OpenOverdue(r.Context(), pipeline.OverdueStatuses(), overdueLimit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var p overduePage
	if len(rows) > overdueLimit {
		rows, p.More = rows[:overdueLimit], true
	}
	for _, row := range rows {
		p.Rows = append(p.Rows, overdueRow{OverdueRow: row, Within: pipeline.FormatWithin(row.Limit)})
	}
	s.render(w, r, http.StatusOK, "operator_overdue", view{Title: "Overdue", User: u, Nav: "overdue", Page: p})
}

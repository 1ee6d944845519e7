package api

import (
	"bytes"
	"net/http"

	"github.com/supplyhub/supplyhub/internal/reports"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// commissionReport: GET /api/v1/admin/reports/commissions?month=2026-10&retailer=acme,
// JSON or, with Accept: text/csv, CSV.
func (s *Server) commissionReport(w http.ResponseWriter, r *http.Request, _ *store.Principal) {
	month := r.URL.Query().Get("month")
	if _, err := reports.ParseMonth(month); err != nil {
		writeError(w, http.StatusBadRequest, "bad_query", err.Error(), []pipeline.FieldError{{Field: "month", Message: err.Error()}})
		return
	}
	var rid int64
	if code := r.URL.Query().Get("retailer"); code != "" {
		rt, err := s.st.RetailerByCode(r.Context(), code)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_query", "unknown retailer "+code, []pipeline.FieldError{{Field: "retailer", Message: "unknown retailer"}})
			return
		}
		rid = rt.ID
	}
	lines, err := s.st.CommissionReport(r.Context(), month, rid)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if wantsCSV(r) {
		var buf bytes.Buffer
		if err := reports.WriteCommissionsCSV(&buf, lines); err != nil {
			s.internal(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
		return
	}
	type line struct {
		Supplier           string `json:"supplier"`
		Currency           string `json:"currency"`
		Orders             int    `json:"orders"`
		Cancellations      int    `json:"cancellations"`
		ItemTotal          int64  `json:"item_total"`
		Shipping           int64  `json:"shipping"`
		CommissionAccrued  int64  `json:"commission_accrued"`
		CommissionReversed int64  `json:"commission_reversed"`
		Commission         int64  `json:"commission_net"`
		Payout             int64  `json:"payout"`
	}
	out := struct {
		Month string `json:"month"`
		Lines []line `json:"lines"`
	}{Month: month, Lines: []line{}}
	for _, l := range lines {
		out.Lines = append(out.Lines, line{l.Supplier, l.Currency, l.Accruals, l.Reversals, int64(l.ItemTotal), int64(l.Shipping),
			int64(l.Accrued), int64(l.Reversed), int64(l.Commission), int64(l.Payout)})
	}
	writeJSON(w, http.StatusOK, out)
}

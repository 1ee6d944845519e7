package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// exportLimit caps one CSV export; narrower filters get the rest.
const exportLimit = 20000

// exportCSV downloads the filtered ORDER HISTORY as CSV in the file drops'
// default layout (one row per line item), rendered by formats, which
// neutralises cells a spreadsheet would run as formulas.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, u *store.User) {
	q := s.parseHistory(r, u)
	if len(q.Errors) > 0 {
		s.orders(w, r, u)
		return
	}
	c, err := newOrdersCSV()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	f := q.filter
	f.Offset, f.Limit = 0, 500
	for f.Offset < exportLimit {
		h, err := s.st.OrderHistory(r.Context(), f)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, row := range h.Rows {
			so, err := s.st.SupplierOrderByNumber(r.Context(), u.SupplierID, row.Number)
			if err != nil {
				s.internal(w, r, err)
				return
			}
			if err := c.add(so); err != nil {
				s.internal(w, r, err)
				return
			}
		}
		if len(h.Rows) < f.Limit {
			break
		}
		f.Offset += f.Limit
	}
	name := "orders-" + time.Now().UTC().Format("2006-01-02") + ".csv"
	w.Header().Set("Content-Type", c.enc.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(c.out.Len()))
	_, _ = w.Write(c.out.Bytes())
}

// ordersCSV is one CSV of many supplier orders in formats' default layout
// (one row per line item): the header once, then each order's rows.
type ordersCSV struct {
	enc      formats.Encoder
	out, one bytes.Buffer
	header   []byte
}

func newOrdersCSV() (*ordersCSV, error) {
	enc, err := formats.New(formats.Spec{Format: formats.FormatCSV})
	if err != nil {
		return nil, err
	}
	c := &ordersCSV{enc: enc}
	if err := enc.Encode(&c.out, &domain.SupplierOrder{}); err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	c.header = bytes.Clone(c.out.Bytes())
	return c, nil
}

// add appends so's rows, without the header formats writes each time.
func (c *ordersCSV) add(so *domain.SupplierOrder) error {
	c.one.Reset()
	if err := c.enc.Encode(&c.one, so); err != nil {
		return fmt.Errorf("csv of %s: %w", so.Number, err)
	}
	c.out.Write(bytes.TrimPrefix(c.one.Bytes(), c.header))
	return nil
}

// downloadOrder downloads one order as the file the supplier's drop
// channel would receive: the same formats encoder and settings.
func (s *Server) downloadOrder(w http.ResponseWriter, r *http.Request, u *store.User) {
	so, ok := s.supplierOrder(w, r, u)
	if !ok {
		return
	}
	sup, err := s.st.SupplierByID(r.Context(), u.SupplierID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	spec := supplierSpec(sup)
	enc, err := formats.New(spec)
	if err != nil {
		s.internal(w, r, fmt.Errorf("supplier %s format: %w", sup.Code, err))
		return
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, so); err != nil {
		s.internal(w, r, fmt.Errorf("encode %s: %w", so.Number, err))
		return
	}
	w.Header().Set("Content-Type", enc.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(so.Number)+"."+enc.Extension()+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// supplierSpec is the format of the supplier's first file channel (file,
// sftp, ftp, email attachments), CSV when it has none.
func supplierSpec(sup *domain.Supplier) formats.Spec {
	for _, ch := range sup.Channels {
		switch ch.Type {
		case domain.ChannelFile, "sftp", "ftp":
			var spec formats.Spec
			if json.Unmarshal(ch.Settings, &spec) == nil {
				return spec
			}
		}
	}
	return formats.Spec{Format: formats.FormatCSV}
}

func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

package statusfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"

	"github.com/supplyhub/supplyhub/formats"
)

// ReviewSource is the review queue source of rejected status-file rows.
const ReviewSource = "status-file"

// queueForReview puts each rejected row in the operators' review queue
// beside the errors file the supplier gets: an operator can apply it for
// them or dismiss it. A row is queued once however often the job runs
// (keyed by the file's content hash and the row number).
func (w *Worker) queueForReview(ctx context.Context, sid int64, name string, data []byte, header []string, rows []formats.RowError) error {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:8])
	sender := fmt.Sprintf("supplier id %d", sid)
	if sup, err := w.st.SupplierByID(ctx, sid); err == nil {
		sender = "supplier " + sup.Code + " (" + sup.Name + ")"
	}
	for _, r := range rows {
		var raw bytes.Buffer
		cw := csv.NewWriter(&raw)
		if len(header) > 0 {
			_ = cw.Write(header)
		}
		_ = cw.Write(r.Raw)
		cw.Flush()
		id := fmt.Sprintf("%s#%s:%d", name, hash, r.Row)
		subject := fmt.Sprintf("%s row %d", name, r.Row)
		if err := w.st.AddReview(ctx, ReviewSource, id, sender, subject, r.Reason, raw.Bytes()); err != nil {
			return fmt.Errorf("status file %s: %w", name, err)
		}
	}
	return nil
}

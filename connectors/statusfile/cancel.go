package statusfile

import (
	"context"
	"errors"
	"fmt"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// cancellationAnswer reports whether a row's status answers a
// cancellation request, and how.
func cancellationAnswer(status string) (accept, ok bool) {
	switch status {
	case formats.StatusCancellationAccepted:
		return true, true
	case formats.StatusCancellationRefused:
		return false, true
	}
	return false, false
}

// answerCancellation applies a row answering the open cancellation request
// on its supplier order; reason is non-empty when the supplier must fix
// the row.
func (w *Worker) answerCancellation(ctx context.Context, sid int64, name, hash string, row formats.StatusRow, accept bool) (reason string, err error) {
	ans := pipeline.CancelAnswer{Accept: accept, Note: row.Note, Actor: "file " + name, Channel: "file",
		IdempotencyKey: fmt.Sprintf("file:%s:%d", hash, row.Row)}
	_, err = pipeline.AnswerOpenCancellation(ctx, w.st, w.q, sid, row.SupplierOrderNumber, ans)
	var ve *pipeline.ValidationError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Sprintf("no supplier order %s of yours", row.SupplierOrderNumber), nil
	case errors.Is(err, pipeline.ErrNoteRequired):
		return "cancellation_refused needs a note saying why", nil
	case errors.Is(err, pipeline.ErrNoOpenCancelRequest), errors.Is(err, pipeline.ErrCancelAnswered), errors.As(err, &ve):
		return err.Error(), nil
	case err != nil:
		return "", fmt.Errorf("status file %s row %d: %w", name, row.Row, err)
	}
	return "", nil
}

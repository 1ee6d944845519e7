package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// cancelEscalationWorker emails the operator about one escalated
// cancellation request. Its job is inserted with the escalation, so the
// email cannot be lost to a crash; a failed send is retried by River under
// the same Message-ID.
type cancelEscalationWorker struct {
	river.WorkerDefaults[pipeline.CancelEscalationArgs]
	st    *store.Store
	alert *alerter
}

func (w *cancelEscalationWorker) Work(ctx context.Context, job *river.Job[pipeline.CancelEscalationArgs]) error {
	c, err := w.st.CancelRequestByID(ctx, nil, job.Args.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("cancellation request %d: %w", job.Args.RequestID, err))
	}
	if err != nil {
		return err
	}
	at := time.Now()
	if c.EscalatedAt != nil {
		at = *c.EscalatedAt
	}
	subject, body := pipeline.EscalationEmail(c, at)
	return w.alert.send(ctx, subject, body, "cancel-escalation", fmt.Sprint(c.ID))
}

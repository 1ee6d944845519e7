package app

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/pipeline"
)

// endpointAlertWorker emails the operator that an endpoint was disabled.
// Its job is inserted with the disabling, so the email cannot be lost to a
// crash; a failed send is retried by River under the same Message-ID.
type endpointAlertWorker struct {
	river.WorkerDefaults[pipeline.EndpointDisabledArgs]
	alert *alerter
}

func (w *endpointAlertWorker) Work(ctx context.Context, job *river.Job[pipeline.EndpointDisabledArgs]) error {
	subject, body := pipeline.EndpointDisabledEmail(job.Args)
	a := job.Args
	return w.alert.send(ctx, subject, body, "endpoint-disabled", fmt.Sprintf("%d-%s-%d", a.SupplierID, a.Channel, a.At.UnixNano()))
}

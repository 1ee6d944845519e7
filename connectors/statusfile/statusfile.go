// Package statusfile applies status files that suppliers upload to the
// built-in SFTP server's /inbound folder: every row is one status update
// (acknowledged, shipped with tracking, cancelled with a note…), applied
// on its own through the state machine. Rows that cannot be applied are
// written, with the reason, to <name>.errors.csv beside the file; the file
// itself moves to /archive. The work is a durable job, so an upload is
// processed even if the replica that received it dies.
package statusfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Args is the job that processes one uploaded file.
type Args struct {
	SupplierID int64  `json:"supplier_id"`
	Name       string `json:"name"`
}

// Kind names the job for River.
func (Args) Kind() string { return "status_file" }

// maxFileSize bounds a status file read into memory.
const maxFileSize = 16 << 20

// errTooLarge quarantines a file rather than retrying it.
var errTooLarge = errors.New("status file too large")

// Worker processes status files.
type Worker struct {
	river.WorkerDefaults[Args]
	st      *store.Store
	q       jobs.Queue
	storage server.Storage
	log     *slog.Logger
}

// NewWorker builds the worker; q carries the retailer notifications.
func NewWorker(st *store.Store, q jobs.Queue, storage server.Storage, log *slog.Logger) *Worker {
	return &Worker{st: st, q: q, storage: storage, log: log}
}

// SetQueue gives the worker its queue once the queue exists (the queue
// needs its workers first).
func (w *Worker) SetQueue(q jobs.Queue) { w.q = q }

// Wants reports whether an uploaded name is a status file to process: not
// our own error reports.
func Wants(name string) bool {
	return !strings.HasSuffix(name, ".errors.csv")
}

// Job is the job for an upload.
func Job(supplierID int64, name string) river.InsertManyParams {
	return river.InsertManyParams{Args: Args{SupplierID: supplierID, Name: name}}
}

// Work applies the file. A row that fails for a reason the supplier can
// fix goes to the errors file; a database error fails the job, which is
// retried — rows already applied are not applied twice, because each
// row's idempotency key is the file's content hash and the row number.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	sid, name := job.Args.SupplierID, job.Args.Name
	log := w.log.With("supplier_id", sid, "file", name, "channel", "file")
	u := server.Upload{SupplierID: sid, Folder: server.FolderInbound, Name: name, What: "status file", MaxSize: maxFileSize, TooLarge: errTooLarge}
	return server.ApplyUpload(ctx, w.storage, log, u, func(data []byte, readErr error) ([]byte, error) {
		return w.Process(ctx, sid, name, data, readErr)
	})
}

// Process applies a status file's rows for supplier sid and returns the
// errors report (nil when every row applied). readErr is a read failure
// (such as a file over the size limit) to report instead of the rows. An
// error means a failure worth retrying; rows already applied are not
// applied again on the retry.
func (w *Worker) Process(ctx context.Context, sid int64, name string, data []byte, readErr error) ([]byte, error) {
	var rowErrs []formats.RowError
	var header []string
	var sf *formats.StatusFile
	derr := readErr
	if derr == nil {
		format := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
		sf, derr = formats.DecodeStatus(format, bytes.NewReader(data), formats.DecodeOptions{MaxBytes: maxFileSize})
	}
	if derr != nil {
		// The whole file is unreadable: say why.
		rowErrs = []formats.RowError{{Row: 0, Raw: []string{name}, Reason: derr.Error()}}
		header = []string{"file"}
	} else {
		header, rowErrs = sf.Header, sf.Errors
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:8])
		for _, row := range sf.Rows {
			reason, err := w.apply(ctx, sid, name, hash, row)
			if err != nil {
				return nil, err
			}
			if reason != "" {
				raw := []string{row.SupplierOrderNumber, row.Status, row.Note}
				if row.Line > 0 {
					raw = append(raw, "line "+strconv.Itoa(row.Line))
				}
				rowErrs = append(rowErrs, formats.RowError{Row: row.Row, Raw: raw, Reason: reason})
			}
		}
	}
	if len(rowErrs) == 0 {
		return nil, nil
	}
	if err := w.queueForReview(ctx, sid, name, data, header, rowErrs); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := formats.WriteErrorsCSV(&buf, header, rowErrs); err != nil {
		return nil, fmt.Errorf("status file %s: errors file: %w", name, err)
	}
	return buf.Bytes(), nil
}

// apply applies one row; reason is non-empty when the supplier must fix
// the row, err only for failures worth retrying the whole job.
func (w *Worker) apply(ctx context.Context, sid int64, name, hash string, row formats.StatusRow) (reason string, err error) {
	if accept, ok := cancellationAnswer(row.Status); ok {
		return w.answerCancellation(ctx, sid, name, hash, row, accept)
	}
	if row.Line > 0 && row.Status != domain.StatusShipped {
		return w.applyLine(ctx, sid, name, hash, row)
	}
	action, ok := pipeline.ActionForStatus(row.Status)
	if !ok {
		return fmt.Sprintf("status %q cannot be set by a supplier", row.Status), nil
	}
	note := row.Note
	if row.ReasonCode != "" {
		note = strings.TrimSpace(row.ReasonCode + ": " + note)
	}
	upd := pipeline.StatusUpdate{Action: action, Note: note, Actor: "file " + name, Channel: "file",
		IdempotencyKey: fmt.Sprintf("file:%s:%d", hash, row.Row), OccurredAt: row.ShippedAt}
	if action == pipeline.ActShip {
		sh := &store.Shipment{Carrier: row.Carrier, TrackingNumber: row.TrackingNumber, TrackingURL: row.TrackingURL, ShippedAt: row.ShippedAt}
		if row.SKU != "" || row.Line > 0 {
			sh.Lines, _ = json.Marshal([]pipeline.PackageLine{{Position: row.Line, SKU: row.SKU, Quantity: row.Quantity}})
		}
		upd.Shipment = sh
	}
	res, err := pipeline.ApplyStatus(ctx, w.st, w.q, sid, row.SupplierOrderNumber, upd)
	return w.outcome(name, row, res, err)
}

// lineActions maps a line row's status to its answer.
var lineActions = map[string]string{
	domain.StatusAcknowledged: pipeline.LineAccept, domain.StatusBackordered: pipeline.LineBackorder,
	domain.StatusRejected: pipeline.LineReject, domain.StatusCancelled: pipeline.LineReject,
	formats.StatusQuantityChanged: pipeline.LineChangeQuantity,
}

// applyLine applies a line row as a one-line answer.
func (w *Worker) applyLine(ctx context.Context, sid int64, name, hash string, row formats.StatusRow) (reason string, err error) {
	action, ok := lineActions[row.Status]
	if !ok {
		return fmt.Sprintf("status %q cannot be given for a line", row.Status), nil
	}
	a := pipeline.LineAnswer{Position: row.Line, Action: action, Quantity: row.Quantity, ExpectedDate: row.ExpectedDate,
		ReasonCode: row.ReasonCode, Reason: row.Note}
	upd := pipeline.LineUpdate{Answers: []pipeline.LineAnswer{a}, Actor: "file " + name, Channel: "file",
		IdempotencyKey: fmt.Sprintf("file:%s:%d", hash, row.Row), OccurredAt: row.ShippedAt}
	if action != pipeline.LineReject && action != pipeline.LineChangeQuantity {
		a.Reason, upd.Note = "", row.Note
		upd.Answers[0] = a
	}
	res, err := pipeline.ApplyLineAnswers(ctx, w.st, w.q, sid, row.SupplierOrderNumber, upd)
	return w.outcome(name, row, res, err)
}

// columnOf names a line answer's field by the status file column that
// carries it.
var columnOf = map[string]string{"position": "line", "expected_date": "expected_date", "reason": "reason_code or note",
	"quantity": "quantity", "action": "status", "sku": "sku"}

// outcome turns an update's result into a row's reason (empty when it
// applied) or an error worth retrying the job.
func (w *Worker) outcome(name string, row formats.StatusRow, res *pipeline.StatusResult, err error) (string, error) {
	var le *pipeline.LinesError
	switch {
	case errors.As(err, &le):
		parts := make([]string, len(le.Fields))
		for i, f := range le.Fields {
			_, field, _ := strings.Cut(f.Field, ".")
			if col, ok := columnOf[field]; ok {
				parts[i] = col + ": " + f.Message
			} else {
				parts[i] = f.Message
			}
		}
		return strings.Join(parts, "; "), nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Sprintf("no supplier order %s of yours", row.SupplierOrderNumber), nil
	case errors.Is(err, pipeline.ErrIllegalTransition), errors.Is(err, pipeline.ErrNoteRequired),
		err != nil && strings.HasPrefix(err.Error(), "tracking url"):
		return err.Error(), nil
	case err != nil:
		return "", fmt.Errorf("status file %s row %d: %w", name, row.Row, err)
	case !res.Applied && !res.Replayed:
		// Stale, backwards or a repeat: recorded in the history, and
		// reported so the supplier knows it changed nothing.
		return "not applied: " + res.Reason, nil
	}
	return "", nil
}

// Package catalogfeed applies catalog feed files: CSV or JSON files a
// supplier uploads to the built-in SFTP server's /inbound/catalog folder,
// or that are polled from its own server. Every good row creates or
// replaces one catalog item; the rows go through pipeline.Catalog in one
// transaction, which also releases the supplier orders waiting for the
// stock. Rows that cannot be applied are written, with the reason, to
// <name>.errors.csv beside the file (cells neutralised); the file itself
// moves to /archive. The work is a durable job, like status files.
package catalogfeed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/supplyhub/supplyhub/pipeline"
)

// Args is the job that processes one uploaded feed file.
type Args struct {
	SupplierID int64  `json:"supplier_id"`
	Name       string `json:"name"`
}

// Kind names the job for River.
func (Args) Kind() string { return "catalog_feed" }

// maxFileSize bounds a feed file read into memory.
const maxFileSize = 16 << 20

var errTooLarge = errors.New("catalog feed too large")

// Worker processes catalog feed files.
type Worker struct {
	river.WorkerDefaults[Args]
	catalog *pipeline.Catalog
	storage server.Storage
	log     *slog.Logger
}

// NewWorker builds the worker.
func NewWorker(catalog *pipeline.Catalog, storage server.Storage, log *slog.Logger) *Worker {
	return &Worker{catalog: catalog, storage: storage, log: log}
}

// Wants reports whether an arriving name is a feed to process: not our
// own error reports.
func Wants(name string) bool {
	return !strings.HasSuffix(name, ".errors.csv")
}

// Job is the job for an upload.
func Job(supplierID int64, name string) river.InsertManyParams {
	return river.InsertManyParams{Args: Args{SupplierID: supplierID, Name: name}}
}

// Work applies the uploaded file, writes its errors report, archives it.
// A retried job does not apply the file twice: the update's idempotency
// key is the job id and the file's content hash.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	sid, name := job.Args.SupplierID, job.Args.Name
	log := w.log.With("supplier_id", sid, "file", name, "channel", "sftp")
	u := server.Upload{SupplierID: sid, Folder: server.FolderCatalog, Name: name, What: "catalog feed", MaxSize: maxFileSize, TooLarge: errTooLarge}
	return server.ApplyUpload(ctx, w.storage, log, u, func(data []byte, readErr error) ([]byte, error) {
		return w.Process(ctx, sid, name, "job:"+strconv.FormatInt(job.ID, 10), data, readErr)
	})
}

// Process applies a feed file's good rows for supplier sid and returns
// the errors report (nil when every row applied). readErr is a read
// failure to report instead of the rows; attempt names this delivery of
// the file (a job, a poll of a remote file) so that a retry of it is not
// applied twice. An error means a failure worth retrying.
func (w *Worker) Process(ctx context.Context, sid int64, name, attempt string, data []byte, readErr error) ([]byte, error) {
	var rowErrs []formats.RowError
	var header []string
	var file *formats.CatalogFile
	derr := readErr
	if derr == nil {
		format := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
		file, derr = formats.DecodeCatalog(format, bytes.NewReader(data),
			formats.DecodeOptions{MaxBytes: maxFileSize, MaxRows: pipeline.MaxCatalogItems})
	}
	if derr != nil {
		rowErrs = []formats.RowError{{Row: 0, Raw: []string{name}, Reason: derr.Error()}}
		header = []string{"file"}
	} else {
		header, rowErrs = file.Header, file.Errors
		var items []domain.CatalogItem
		seen := map[string]int{}
		for _, r := range file.Rows {
			req := pipeline.CatalogItemRequest{SKU: r.SKU, Name: r.Name, Price: r.Price, Currency: r.Currency,
				ForSale: &r.ForSale, Stock: r.Stock, RestockDate: r.RestockDate}
			fe := pipeline.ValidateCatalogItem("", req)
			if prev, dup := seen[r.SKU]; dup {
				fe = append(fe, pipeline.FieldError{Field: "sku", Message: fmt.Sprintf("SKU %q is also on row %d", r.SKU, prev)})
			}
			if len(fe) > 0 {
				rowErrs = append(rowErrs, formats.RowError{Row: r.Row, Raw: r.Raw, Reason: fieldSummary(fe)})
				continue
			}
			seen[r.SKU] = r.Row
			items = append(items, req.Item())
		}
		if len(items) > 0 {
			sum := sha256.Sum256(data)
			key := "feed:" + attempt + ":" + hex.EncodeToString(sum[:8])
			_, err := w.catalog.Update(ctx, sid, pipeline.CatalogUpdate{Upsert: items, IdempotencyKey: key,
				RequestHash: key, Source: "feed " + name})
			if err != nil {
				return nil, fmt.Errorf("catalog feed %s: %w", name, err)
			}
		}
	}
	if len(rowErrs) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := formats.WriteErrorsCSV(&buf, header, rowErrs); err != nil {
		return nil, fmt.Errorf("catalog feed %s: errors file: %w", name, err)
	}
	return buf.Bytes(), nil
}

func fieldSummary(fe []pipeline.FieldError) string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + " " + f.Message
	}
	return strings.Join(parts, "; ")
}

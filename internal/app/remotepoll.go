package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
)

// remotePoll is one folder on a supplier's own server that Supplyhub
// reads files from: status files and catalog feeds share the loop.
type remotePoll struct {
	// what names the files in logs and errors ("status", "catalog").
	what string
	// dir is read; applied files are moved to archive.
	dir, archive string
	wants        func(name string) bool
	// process applies one file (readErr is drop.ErrTooLarge for a file
	// over 16 MiB) and returns its errors report, if any.
	process func(ctx context.Context, f drop.RemoteFile, data []byte, readErr error) (report []byte, err error)
}

// pollRemote connects to ch and applies every wanted file in p.dir. A file
// is archived on the server only after it was applied; a crash in between
// re-reads it, and the processors' idempotency keys keep it from applying
// twice. An errors report is written back next to the file.
func pollRemote(ctx context.Context, log *slog.Logger, sup *domain.Supplier, ch domain.Channel, p remotePoll) error {
	log = log.With("supplier", sup.Code, "channel", ch.Name, "dir", p.dir)
	rd, err := dialRemote(ctx, ch)
	if err != nil {
		log.Warn(p.what+" poll: connect", "error", err)
		return fmt.Errorf("%s poll %s/%s: %w", p.what, sup.Code, ch.Name, err)
	}
	defer rd.Close()
	files, err := rd.List(ctx, p.dir)
	if err != nil {
		return fmt.Errorf("%s poll %s/%s: list: %w", p.what, sup.Code, ch.Name, err)
	}
	for _, f := range files {
		name := f.Name
		if !p.wants(name) {
			continue
		}
		data, readErr := rd.Get(ctx, p.dir, name, 16<<20)
		if readErr != nil && !errors.Is(readErr, drop.ErrTooLarge) {
			log.Warn(p.what+" poll: read", "file", name, "error", readErr)
			continue
		}
		report, err := p.process(ctx, f, data, readErr)
		if err != nil {
			return err
		}
		if report != nil {
			if err := rd.PutIn(ctx, p.dir, formats.ErrorsFileName(name), report); err != nil {
				log.Warn(p.what+" poll: write errors report", "file", name, "error", err)
			}
		}
		if err := rd.Move(ctx, p.dir, name, p.archive); err != nil {
			return fmt.Errorf("%s poll %s/%s: archive %s: %w", p.what, sup.Code, ch.Name, name, err)
		}
		log.Info(p.what+" file from supplier server processed", "file", name, "rejected_rows", report != nil)
	}
	return nil
}

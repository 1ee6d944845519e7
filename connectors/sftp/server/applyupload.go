package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/supplyhub/supplyhub/formats"
)

// Upload names one file a supplier put in one of its folders, for
// ApplyUpload.
type Upload struct {
	SupplierID int64
	Folder     string
	Name       string
	// What names the kind of file in errors and logs ("status file").
	What string
	// MaxSize bounds the file read into memory; a bigger file reaches
	// apply as a read error wrapping TooLarge, so it is reported, not
	// retried.
	MaxSize  int64
	TooLarge error
}

// ApplyUpload is the life of an uploaded file that Supplyhub applies
// (status files, catalog feeds): read it, hand it to apply, write the
// errors report apply returns next to it, and move it to the archive. A
// file that is gone was applied and archived already. An error from apply
// (worth retrying) leaves the file in place for the job's retry.
func ApplyUpload(ctx context.Context, st Storage, log *slog.Logger, u Upload, apply func(data []byte, readErr error) (report []byte, err error)) error {
	data, err := readUpload(ctx, st, u)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // processed and archived already
	}
	if err != nil && !errors.Is(err, u.TooLarge) {
		return fmt.Errorf("%s %s: %w", u.What, u.Name, err)
	}
	report, err := apply(data, err)
	if err != nil {
		return err
	}
	if report != nil {
		errName := formats.ErrorsFileName(u.Name)
		if err := st.Put(ctx, u.SupplierID, u.Folder, errName, bytes.NewReader(report), int64(len(report))); err != nil {
			return fmt.Errorf("%s %s: write %s: %w", u.What, u.Name, errName, err)
		}
		log.Warn(u.What+" rows rejected", "report", errName)
	}
	err = st.Rename(ctx, u.SupplierID, u.Folder, u.Name, FolderArchive, u.Name, true)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %s: archive: %w", u.What, u.Name, err)
	}
	log.Info(u.What + " processed")
	return nil
}

// readUpload reads the whole file, refusing one over u.MaxSize.
func readUpload(ctx context.Context, st Storage, u Upload) ([]byte, error) {
	info, err := st.Stat(ctx, u.SupplierID, u.Folder, u.Name)
	if err != nil {
		return nil, err
	}
	if info.Size > u.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d byte limit", u.TooLarge, info.Size, u.MaxSize)
	}
	f, err := st.Open(ctx, u.SupplierID, u.Folder, u.Name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.NewSectionReader(f, 0, info.Size))
}

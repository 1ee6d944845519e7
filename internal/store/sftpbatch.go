package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// SFTPFileData is a small file to store with PutSFTPFiles: its
// description and its whole content.
type SFTPFileData struct {
	SFTPFile
	Data []byte
}

// PutSFTPFiles stores many small files (each at most SFTPChunkSize bytes)
// in one transaction: a commit, and on SQLite one fsync, for the lot
// instead of one per file. Each file replaces any file of its name
// atomically, as PutSFTPFile does; all of them are committed or none is.
// Files are written in (supplier, folder, name) order so that two
// replicas' batches lock names in the same order on PostgreSQL; two files
// of the same name in one batch are written in the order given, the last
// one wins. Size and ModTime are taken from Data and the clock when unset.
func (s *Store) PutSFTPFiles(ctx context.Context, files []SFTPFileData) error {
	order := make([]int, len(files))
	now := time.Now()
	for i := range files {
		f := &files[i]
		if len(f.Data) > SFTPChunkSize {
			return fmt.Errorf("put sftp files: %s/%s has %d bytes, more than one chunk (%d)", f.Folder, f.Name, len(f.Data), SFTPChunkSize)
		}
		if f.Size != int64(len(f.Data)) {
			if f.Size != 0 {
				return fmt.Errorf("put sftp files: %s/%s: size %d but %d bytes", f.Folder, f.Name, f.Size, len(f.Data))
			}
			f.Size = int64(len(f.Data))
		}
		if f.ModTime.IsZero() {
			f.ModTime = now
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		fa, fb := &files[a], &files[b]
		return cmp.Or(cmp.Compare(fa.SupplierID, fb.SupplierID), cmp.Compare(fa.Folder, fb.Folder), cmp.Compare(fa.Name, fb.Name))
	})
	err := s.InTx(ctx, func(tx Tx) error {
		for _, i := range order {
			f := files[i]
			blobID, err := s.insertSFTPBlob(ctx, tx, f.SFTPFile)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", f.Folder, f.Name, err)
			}
			if f.Size > 0 {
				if _, err := tx.Exec(ctx, qSFTPInsertChunk, blobID, 0, f.Data); err != nil {
					return fmt.Errorf("%s/%s: insert chunk: %w", f.Folder, f.Name, err)
				}
			}
			if err := s.pointSFTPFile(ctx, tx, f.SFTPFile, blobID); err != nil {
				return fmt.Errorf("%s/%s: %w", f.Folder, f.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put %d sftp files: %w", len(files), err)
	}
	return nil
}

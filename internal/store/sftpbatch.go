package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// The statements of putSFTPFilesPG: each takes the whole batch as arrays.
const (
	qSFTPBlobIDs = `SELECT nextval(pg_get_serial_sequence('sftp_blobs', 'id')) FROM generate_series(1, $1::int)`
	// The ids are drawn first so that each file knows its blob without
	// relying on the order of RETURNING rows.
	qSFTPInsertBlobs = `INSERT INTO sftp_blobs (id, supplier_id, size, chunk_size, created_at) OVERRIDING SYSTEM VALUE
SELECT id, supplier_id, size, $4::int, $5::timestamptz FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(id, supplier_id, size)`
	qSFTPInsertChunks = `INSERT INTO sftp_chunks (blob_id, seq, data)
SELECT blob_id, 0, data FROM unnest($1::bigint[], $2::bytea[]) AS t(blob_id, data)`
	// Rows are inserted in array order, so of two files of one name the
	// first is inserted here and the second meets the conflict; RETURNING
	// names the blobs that got a name.
	qSFTPInsertNewFiles = `INSERT INTO sftp_files (supplier_id, folder, name, blob_id, size, mod_time)
SELECT supplier_id, folder, name, blob_id, size, mod_time
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[]) WITH ORDINALITY
  AS t(supplier_id, folder, name, blob_id, size, mod_time, ord) ORDER BY ord
ON CONFLICT (supplier_id, folder, name) DO NOTHING RETURNING blob_id`
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
		if s.Kind() == KindPostgres {
			return s.putSFTPFilesPG(ctx, tx, files, order)
		}
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

// putSFTPFilesPG is PutSFTPFiles' transaction on PostgreSQL: four
// statements for the whole batch (blob ids, blobs, chunks, new names)
// instead of three per file, each a round trip and an executor start. A
// name that exists already, or comes twice in the batch, then goes
// through pointSFTPFile like a single put, in the same (supplier, folder,
// name) order, so it is replaced the same way and the last one wins.
func (s *Store) putSFTPFilesPG(ctx context.Context, tx Tx, files []SFTPFileData, order []int) error {
	n := len(order)
	blobIDs := make([]int64, 0, n)
	rows, err := tx.Query(ctx, qSFTPBlobIDs, n)
	if err != nil {
		return fmt.Errorf("blob ids: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("blob ids: %w", err)
		}
		blobIDs = append(blobIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("blob ids: %w", err)
	}
	if len(blobIDs) != n {
		return fmt.Errorf("blob ids: %d for %d files", len(blobIDs), n)
	}
	sups, sizes := make([]int64, n), make([]int64, n)
	folders, names, mods := make([]string, n), make([]string, n), make([]time.Time, n)
	var chunkBlobs []int64
	var chunkData [][]byte
	for k, i := range order {
		f := &files[i]
		sups[k], folders[k], names[k], sizes[k], mods[k] = f.SupplierID, f.Folder, f.Name, f.Size, f.ModTime
		if f.Size > 0 {
			chunkBlobs, chunkData = append(chunkBlobs, blobIDs[k]), append(chunkData, f.Data)
		}
	}
	if _, err := tx.Exec(ctx, qSFTPInsertBlobs, blobIDs, sups, sizes, SFTPChunkSize, time.Now()); err != nil {
		return fmt.Errorf("insert blobs: %w", err)
	}
	if len(chunkBlobs) > 0 {
		if _, err := tx.Exec(ctx, qSFTPInsertChunks, chunkBlobs, chunkData); err != nil {
			return fmt.Errorf("insert chunks: %w", err)
		}
	}
	named := make(map[int64]bool, n)
	rows, err = tx.Query(ctx, qSFTPInsertNewFiles, sups, folders, names, blobIDs, sizes, mods)
	if err != nil {
		return fmt.Errorf("insert files: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("insert files: %w", err)
		}
		named[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert files: %w", err)
	}
	for k, i := range order {
		if named[blobIDs[k]] {
			continue
		}
		f := files[i]
		if err := s.pointSFTPFile(ctx, tx, f.SFTPFile, blobIDs[k]); err != nil {
			return fmt.Errorf("%s/%s: %w", f.Folder, f.Name, err)
		}
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// SFTPChunkSize is how many bytes of a file one sftp_chunks row holds: a
// 100 MB upload is a hundred rows, never one huge row or allocation.
const SFTPChunkSize = 1 << 20

// sftpChunksPerTx bounds how much one transaction of a large upload
// writes, so a 100 MB commit does not hold SQLite's write lock for the
// whole copy.
const sftpChunksPerTx = 8

// ErrSFTPFileExists is returned by RenameSFTPFile when the target exists
// and overwrite was not asked for.
var ErrSFTPFileExists = errors.New("sftp file exists")

// SFTPAccount is a supplier's login on the built-in SFTP server.
type SFTPAccount struct {
	SupplierID int64
	Username   string
	// PasswordHash is a bcrypt hash, or "" when password login is off.
	PasswordHash string
	Keys         []SFTPKey
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// SFTPKey is one public key allowed to log in to an account.
type SFTPKey struct {
	// Fingerprint is the key's SHA256 fingerprint ("SHA256:…").
	Fingerprint string
	// PublicKey is the key in authorized_keys format, without options.
	PublicKey string
	Comment   string
	CreatedAt time.Time
}

// SFTPFile is a committed file in a supplier's SFTP folder.
type SFTPFile struct {
	SupplierID int64
	Folder     string
	Name       string
	Size       int64
	ModTime    time.Time
	// BlobID and ChunkSize locate the content for ReadSFTPChunk.
	BlobID    int64
	ChunkSize int64
}

const (
	qSFTPSupplierCode  = `SELECT code FROM suppliers WHERE id = $1`
	qSFTPAccountExists = `SELECT count(*) FROM sftp_accounts WHERE supplier_id = $1`
	qSFTPInsertAccount = `INSERT INTO sftp_accounts (supplier_id, username, password_hash, created_at, updated_at)
VALUES ($1, $2, '', $3, $3)`
	qSFTPRenameAccount = `UPDATE sftp_accounts SET username = $2, updated_at = $3 WHERE supplier_id = $1`
	qSFTPSetPassword   = `UPDATE sftp_accounts SET password_hash = $2, updated_at = $3 WHERE supplier_id = $1`
	qSFTPUpsertKey     = `INSERT INTO sftp_account_keys (supplier_id, fingerprint, public_key, comment, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (supplier_id, fingerprint) DO UPDATE SET public_key = excluded.public_key, comment = excluded.comment`
	qSFTPDeleteKey         = `DELETE FROM sftp_account_keys WHERE supplier_id = $1 AND fingerprint = $2`
	sftpAccountCols        = `SELECT supplier_id, username, password_hash, created_at, updated_at FROM sftp_accounts`
	qSFTPAccountByUser     = sftpAccountCols + ` WHERE username = $1`
	qSFTPAccountBySupplier = sftpAccountCols + ` WHERE supplier_id = $1`
	qSFTPKeys              = `SELECT fingerprint, public_key, comment, created_at FROM sftp_account_keys
WHERE supplier_id = $1 ORDER BY created_at, fingerprint`

	sftpFileCols = `SELECT f.supplier_id, f.folder, f.name, f.size, f.mod_time, f.blob_id, b.chunk_size
FROM sftp_files f JOIN sftp_blobs b ON b.id = f.blob_id`
	qSFTPFile  = sftpFileCols + ` WHERE f.supplier_id = $1 AND f.folder = $2 AND f.name = $3`
	qSFTPFiles = sftpFileCols + ` WHERE f.supplier_id = $1 AND f.folder = $2 ORDER BY f.name`
	// qSFTPOpen reads a file's description and its first chunk in one
	// statement, so the two always belong together.
	qSFTPOpen = `SELECT f.supplier_id, f.folder, f.name, f.size, f.mod_time, f.blob_id, b.chunk_size, c.data
FROM sftp_files f JOIN sftp_blobs b ON b.id = f.blob_id
LEFT JOIN sftp_chunks c ON c.blob_id = f.blob_id AND c.seq = 0
WHERE f.supplier_id = $1 AND f.folder = $2 AND f.name = $3`
	// qSFTPFileBlob reads the blob a name points at before changing it. On
	// PostgreSQL it is followed by FOR UPDATE so that two replicas
	// replacing the same name serialise and the second sees the first's
	// blob (and deletes it); SQLite's write transactions are serial anyway.
	qSFTPFileBlob    = `SELECT blob_id FROM sftp_files WHERE supplier_id = $1 AND folder = $2 AND name = $3`
	qSFTPInsertBlob  = `INSERT INTO sftp_blobs (supplier_id, size, chunk_size, created_at) VALUES ($1, $2, $3, $4) RETURNING id`
	qSFTPInsertChunk = `INSERT INTO sftp_chunks (blob_id, seq, data) VALUES ($1, $2, $3)`
	qSFTPChunk       = `SELECT data FROM sftp_chunks WHERE blob_id = $1 AND seq = $2`
	qSFTPPointFile   = `UPDATE sftp_files SET blob_id = $4, size = $5, mod_time = $6
WHERE supplier_id = $1 AND folder = $2 AND name = $3`
	qSFTPInsertNewFile = `INSERT INTO sftp_files (supplier_id, folder, name, blob_id, size, mod_time) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (supplier_id, folder, name) DO NOTHING`
	// The ON CONFLICT arm only runs when another replica created the same
	// name again after it was deleted; the blob it displaces is left to
	// SweepSFTPBlobs.
	qSFTPInsertFile = `INSERT INTO sftp_files (supplier_id, folder, name, blob_id, size, mod_time) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (supplier_id, folder, name) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, mod_time = excluded.mod_time`
	qSFTPMoveFile = `UPDATE sftp_files SET folder = $4, name = $5
WHERE supplier_id = $1 AND folder = $2 AND name = $3`
	qSFTPDeleteFile = `DELETE FROM sftp_files WHERE supplier_id = $1 AND folder = $2 AND name = $3 RETURNING blob_id`
	// qSFTPDeleteFileAndBlob is DeleteSFTPFile on PostgreSQL, whose
	// data-modifying WITH SQLite lacks. A blob belongs to one file only.
	qSFTPDeleteFileAndBlob = `WITH f AS (` + qSFTPDeleteFile + `)
DELETE FROM sftp_blobs WHERE id IN (SELECT blob_id FROM f) RETURNING id`
	qSFTPDeleteChunks = `DELETE FROM sftp_chunks WHERE blob_id = $1`
	qSFTPDeleteBlob   = `DELETE FROM sftp_blobs WHERE id = $1`
	sftpOrphans       = `SELECT id FROM sftp_blobs WHERE created_at < $1
AND NOT EXISTS (SELECT 1 FROM sftp_files f WHERE f.blob_id = sftp_blobs.id)`
	qSFTPSweepChunks = `DELETE FROM sftp_chunks WHERE blob_id IN (` + sftpOrphans + `)`
	qSFTPSweepBlobs  = `DELETE FROM sftp_blobs WHERE id IN (` + sftpOrphans + `)`
)

// UpsertSFTPAccount creates the supplier's SFTP account or renames it.
// An empty username means the supplier code on create and "unchanged" on
// update. It returns ErrNotFound when the supplier does not exist.
func (s *Store) UpsertSFTPAccount(ctx context.Context, supplierID int64, username string) error {
	return s.InTx(ctx, func(tx Tx) error {
		created, err := ensureSFTPAccount(ctx, tx, supplierID, username)
		if err != nil || created || username == "" {
			return err
		}
		if _, err := tx.Exec(ctx, qSFTPRenameAccount, supplierID, username, time.Now()); err != nil {
			return fmt.Errorf("rename sftp account of supplier %d: %w", supplierID, err)
		}
		return nil
	})
}

// SetSFTPPasswordHash stores the account's password hash ("" turns
// password login off), creating the account under the supplier code if
// it has none.
func (s *Store) SetSFTPPasswordHash(ctx context.Context, supplierID int64, hash string) error {
	return s.InTx(ctx, func(tx Tx) error {
		if _, err := ensureSFTPAccount(ctx, tx, supplierID, ""); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, qSFTPSetPassword, supplierID, hash, time.Now()); err != nil {
			return fmt.Errorf("set sftp password of supplier %d: %w", supplierID, err)
		}
		return nil
	})
}

// AddSFTPKey allows k to log in to the supplier's account (creating the
// account under the supplier code if it has none). Adding a key again
// updates its comment.
func (s *Store) AddSFTPKey(ctx context.Context, supplierID int64, k SFTPKey) error {
	return s.InTx(ctx, func(tx Tx) error {
		if _, err := ensureSFTPAccount(ctx, tx, supplierID, ""); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, qSFTPUpsertKey, supplierID, k.Fingerprint, k.PublicKey, k.Comment, time.Now()); err != nil {
			return fmt.Errorf("add sftp key %s to supplier %d: %w", k.Fingerprint, supplierID, err)
		}
		return nil
	})
}

// DeleteSFTPKey removes a key by fingerprint; ErrNotFound when it is not
// there.
func (s *Store) DeleteSFTPKey(ctx context.Context, supplierID int64, fingerprint string) error {
	n, err := s.d.Exec(ctx, qSFTPDeleteKey, supplierID, fingerprint)
	if err != nil {
		return fmt.Errorf("delete sftp key %s of supplier %d: %w", fingerprint, supplierID, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SFTPAccountByUsername looks an account up by login name, with its keys.
func (s *Store) SFTPAccountByUsername(ctx context.Context, username string) (*SFTPAccount, error) {
	return s.sftpAccount(ctx, qSFTPAccountByUser, username)
}

// SFTPAccountBySupplier looks a supplier's account up, with its keys.
func (s *Store) SFTPAccountBySupplier(ctx context.Context, supplierID int64) (*SFTPAccount, error) {
	return s.sftpAccount(ctx, qSFTPAccountBySupplier, supplierID)
}

func (s *Store) sftpAccount(ctx context.Context, q string, arg any) (*SFTPAccount, error) {
	var a SFTPAccount
	err := s.d.QueryRow(ctx, q, arg).Scan(&a.SupplierID, &a.Username, &a.PasswordHash, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("sftp account %v: %w", arg, err)
	}
	rows, err := s.d.Query(ctx, qSFTPKeys, a.SupplierID)
	if err != nil {
		return nil, fmt.Errorf("sftp keys of supplier %d: %w", a.SupplierID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k SFTPKey
		if err := rows.Scan(&k.Fingerprint, &k.PublicKey, &k.Comment, timeCol{&k.CreatedAt}); err != nil {
			return nil, fmt.Errorf("sftp keys of supplier %d: %w", a.SupplierID, err)
		}
		a.Keys = append(a.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sftp keys of supplier %d: %w", a.SupplierID, err)
	}
	return &a, nil
}

// ensureSFTPAccount creates the account when the supplier has none,
// named username or, when that is empty, the supplier code.
func ensureSFTPAccount(ctx context.Context, tx Tx, supplierID int64, username string) (created bool, err error) {
	var n int
	if err := tx.QueryRow(ctx, qSFTPAccountExists, supplierID).Scan(&n); err != nil {
		return false, fmt.Errorf("sftp account of supplier %d: %w", supplierID, err)
	}
	if n > 0 {
		return false, nil
	}
	if username == "" {
		if err := tx.QueryRow(ctx, qSFTPSupplierCode, supplierID).Scan(&username); err != nil {
			if errors.Is(err, ErrNotFound) {
				return false, err
			}
			return false, fmt.Errorf("sftp account: supplier %d: %w", supplierID, err)
		}
	}
	if _, err := tx.Exec(ctx, qSFTPInsertAccount, supplierID, username, time.Now()); err != nil {
		return false, fmt.Errorf("create sftp account %s: %w", username, err)
	}
	return true, nil
}

// SFTPFileInfo returns a committed file; ErrNotFound when there is none.
func (s *Store) SFTPFileInfo(ctx context.Context, supplierID int64, folder, name string) (*SFTPFile, error) {
	f, err := scanSFTPFile(s.d.QueryRow(ctx, qSFTPFile, supplierID, folder, name))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("stat sftp file %s/%s: %w", folder, name, err)
	}
	return f, err
}

// OpenSFTPFile returns a committed file with its first chunk (nil for an
// empty file), read together: a file of one chunk needs nothing else.
func (s *Store) OpenSFTPFile(ctx context.Context, supplierID int64, folder, name string) (*SFTPFile, []byte, error) {
	var f SFTPFile
	var first []byte
	err := s.d.QueryRow(ctx, qSFTPOpen, supplierID, folder, name).
		Scan(&f.SupplierID, &f.Folder, &f.Name, &f.Size, timeCol{&f.ModTime}, &f.BlobID, &f.ChunkSize, &first)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil, err
	case err != nil:
		return nil, nil, fmt.Errorf("open sftp file %s/%s: %w", folder, name, err)
	}
	return &f, first, nil
}

// ListSFTPFiles returns the committed files of one folder by name.
func (s *Store) ListSFTPFiles(ctx context.Context, supplierID int64, folder string) ([]SFTPFile, error) {
	rows, err := s.d.Query(ctx, qSFTPFiles, supplierID, folder)
	if err != nil {
		return nil, fmt.Errorf("list sftp folder %s: %w", folder, err)
	}
	defer rows.Close()
	var out []SFTPFile
	for rows.Next() {
		f, err := scanSFTPFile(rows)
		if err != nil {
			return nil, fmt.Errorf("list sftp folder %s: %w", folder, err)
		}
		out = append(out, *f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sftp folder %s: %w", folder, err)
	}
	return out, nil
}

func scanSFTPFile(row Row) (*SFTPFile, error) {
	var f SFTPFile
	if err := row.Scan(&f.SupplierID, &f.Folder, &f.Name, &f.Size, timeCol{&f.ModTime}, &f.BlobID, &f.ChunkSize); err != nil {
		return nil, err
	}
	return &f, nil
}

// PutSFTPFile stores exactly f.Size bytes read from r as folder/name,
// replacing any file of that name atomically: readers see the old
// content or the new, never part of it. A file of one chunk is written
// in one transaction; a larger one is written chunk batch by chunk batch
// into a blob nothing points at yet, then swapped in.
func (s *Store) PutSFTPFile(ctx context.Context, f SFTPFile, r io.Reader) error {
	if f.Size < 0 {
		return fmt.Errorf("put sftp file %s/%s: negative size %d", f.Folder, f.Name, f.Size)
	}
	if f.ModTime.IsZero() {
		f.ModTime = time.Now()
	}
	buf := make([]byte, min(f.Size, SFTPChunkSize))
	if f.Size <= SFTPChunkSize {
		err := s.InTx(ctx, func(tx Tx) error {
			blobID, err := s.insertSFTPBlob(ctx, tx, f)
			if err != nil {
				return err
			}
			if err := writeSFTPChunks(ctx, tx, blobID, 0, 1, f.Size, buf, r); err != nil {
				return err
			}
			return s.pointSFTPFile(ctx, tx, f, blobID)
		})
		if err != nil {
			return fmt.Errorf("put sftp file %s/%s: %w", f.Folder, f.Name, err)
		}
		return nil
	}
	blobID, err := s.insertSFTPBlob(ctx, s.d, f)
	if err != nil {
		return fmt.Errorf("put sftp file %s/%s: %w", f.Folder, f.Name, err)
	}
	chunks := (f.Size + SFTPChunkSize - 1) / SFTPChunkSize
	for seq := int64(0); seq < chunks; seq += sftpChunksPerTx {
		err = s.InTx(ctx, func(tx Tx) error {
			return writeSFTPChunks(ctx, tx, blobID, seq, min(seq+sftpChunksPerTx, chunks), f.Size, buf, r)
		})
		if err != nil {
			break
		}
	}
	if err == nil {
		err = s.InTx(ctx, func(tx Tx) error { return s.pointSFTPFile(ctx, tx, f, blobID) })
	}
	if err != nil {
		// Best effort, also when ctx is done: the sweep catches what
		// this misses.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = s.InTx(cctx, func(tx Tx) error { return deleteSFTPBlob(cctx, tx, blobID) })
		return fmt.Errorf("put sftp file %s/%s: %w", f.Folder, f.Name, err)
	}
	return nil
}

func (s *Store) insertSFTPBlob(ctx context.Context, q Querier, f SFTPFile) (int64, error) {
	var id int64
	if err := q.QueryRow(ctx, qSFTPInsertBlob, f.SupplierID, f.Size, SFTPChunkSize, time.Now()).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert blob: %w", err)
	}
	return id, nil
}

// writeSFTPChunks copies chunks [from, to) of a size-byte file from r,
// one buffer at a time.
func writeSFTPChunks(ctx context.Context, tx Tx, blobID, from, to, size int64, buf []byte, r io.Reader) error {
	for seq := from; seq < to; seq++ {
		n := min(size-seq*SFTPChunkSize, SFTPChunkSize)
		if n <= 0 {
			return nil
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return fmt.Errorf("read content at chunk %d: %w", seq, err)
		}
		if _, err := tx.Exec(ctx, qSFTPInsertChunk, blobID, seq, buf[:n]); err != nil {
			return fmt.Errorf("insert chunk %d: %w", seq, err)
		}
	}
	return nil
}

// pointSFTPFile makes folder/name refer to blobID and deletes the blob it
// referred to before. A new name, the common case, costs one statement.
func (s *Store) pointSFTPFile(ctx context.Context, tx Tx, f SFTPFile, blobID int64) error {
	n, err := tx.Exec(ctx, qSFTPInsertNewFile, f.SupplierID, f.Folder, f.Name, blobID, f.Size, f.ModTime)
	if err != nil {
		return fmt.Errorf("insert file: %w", err)
	}
	if n == 1 {
		return nil
	}
	old, found, err := s.lockSFTPFile(ctx, tx, f.SupplierID, f.Folder, f.Name)
	if err != nil {
		return err
	}
	if !found {
		// Deleted since the insert saw it.
		if _, err := tx.Exec(ctx, qSFTPInsertFile, f.SupplierID, f.Folder, f.Name, blobID, f.Size, f.ModTime); err != nil {
			return fmt.Errorf("insert file: %w", err)
		}
		return nil
	}
	if _, err := tx.Exec(ctx, qSFTPPointFile, f.SupplierID, f.Folder, f.Name, blobID, f.Size, f.ModTime); err != nil {
		return fmt.Errorf("replace file: %w", err)
	}
	return deleteSFTPBlob(ctx, tx, old)
}

// lockSFTPFile returns the blob folder/name points at, locking the row on
// PostgreSQL until the transaction ends.
func (s *Store) lockSFTPFile(ctx context.Context, tx Tx, supplierID int64, folder, name string) (blobID int64, found bool, err error) {
	q := qSFTPFileBlob
	if s.Kind() == KindPostgres {
		q += ` FOR UPDATE`
	}
	err = tx.QueryRow(ctx, q, supplierID, folder, name).Scan(&blobID)
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("lock %s/%s: %w", folder, name, err)
	}
	return blobID, true, nil
}

func deleteSFTPBlob(ctx context.Context, q Querier, blobID int64) error {
	if _, err := q.Exec(ctx, qSFTPDeleteChunks, blobID); err != nil {
		return fmt.Errorf("delete chunks of blob %d: %w", blobID, err)
	}
	if _, err := q.Exec(ctx, qSFTPDeleteBlob, blobID); err != nil {
		return fmt.Errorf("delete blob %d: %w", blobID, err)
	}
	return nil
}

// ReadSFTPChunk returns chunk seq of a blob; ErrNotFound when the blob
// was deleted since (its file was removed or replaced).
func (s *Store) ReadSFTPChunk(ctx context.Context, blobID, seq int64) ([]byte, error) {
	var data []byte
	if err := s.d.QueryRow(ctx, qSFTPChunk, blobID, seq).Scan(&data); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("read chunk %d of blob %d: %w", seq, blobID, err)
	}
	return data, nil
}

// RenameSFTPFile moves a supplier's file to another folder or name. An
// existing target is replaced when overwrite is true (POSIX rename) and
// is ErrSFTPFileExists otherwise (SFTP v3 rename). A missing source is
// ErrNotFound.
func (s *Store) RenameSFTPFile(ctx context.Context, supplierID int64, fromFolder, fromName, toFolder, toName string, overwrite bool) error {
	if fromFolder == toFolder && fromName == toName {
		_, err := s.SFTPFileInfo(ctx, supplierID, fromFolder, fromName)
		return err
	}
	err := s.InTx(ctx, func(tx Tx) error {
		if overwrite {
			// Drop the target first; if the source turns out to be
			// missing, the rollback brings the target back.
			var old int64
			err := tx.QueryRow(ctx, qSFTPDeleteFile, supplierID, toFolder, toName).Scan(&old)
			switch {
			case err == nil:
				if err := deleteSFTPBlob(ctx, tx, old); err != nil {
					return err
				}
			case !errors.Is(err, ErrNotFound):
				return fmt.Errorf("delete target: %w", err)
			}
		}
		n, err := tx.Exec(ctx, qSFTPMoveFile, supplierID, fromFolder, fromName, toFolder, toName)
		switch {
		case err != nil && s.IsUniqueViolation(err):
			return ErrSFTPFileExists
		case err != nil:
			return fmt.Errorf("move: %w", err)
		case n == 0:
			return ErrNotFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrSFTPFileExists) {
		return fmt.Errorf("rename sftp file %s/%s to %s/%s: %w", fromFolder, fromName, toFolder, toName, err)
	}
	return err
}

// DeleteSFTPFile removes a supplier's file and its content; ErrNotFound
// when there is none.
func (s *Store) DeleteSFTPFile(ctx context.Context, supplierID int64, folder, name string) error {
	if s.Kind() == KindPostgres {
		// One statement, atomic on its own: the name and its blob go
		// together and the chunks follow by ON DELETE CASCADE. Every file
		// a supplier collects is deleted, so this is one round trip per
		// order instead of five (BEGIN, three deletes, COMMIT).
		var blobID int64
		err := s.d.QueryRow(ctx, qSFTPDeleteFileAndBlob, supplierID, folder, name).Scan(&blobID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("delete sftp file %s/%s: %w", folder, name, err)
		}
		return err
	}
	err := s.InTx(ctx, func(tx Tx) error {
		var blobID int64
		if err := tx.QueryRow(ctx, qSFTPDeleteFile, supplierID, folder, name).Scan(&blobID); err != nil {
			return err
		}
		return deleteSFTPBlob(ctx, tx, blobID)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete sftp file %s/%s: %w", folder, name, err)
	}
	return err
}

// SweepSFTPBlobs deletes content created before `before` that no file
// refers to: uploads whose replica died between writing the chunks and
// committing the name. The grace period must exceed the longest commit.
func (s *Store) SweepSFTPBlobs(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, qSFTPSweepChunks, before); err != nil {
			return err
		}
		var err error
		n, err = tx.Exec(ctx, qSFTPSweepBlobs, before)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweep sftp blobs: %w", err)
	}
	return n, nil
}

package server

import (
	"context"
	"io"
	"time"
)

// Storage keeps the committed files of every supplier's folders. It is the
// seam between the SFTP protocol (handlers) and where bytes live, like
// SFTPGo's vfs: the database in production so that every replica serves
// the same files, memory in unit tests. Implementations are safe for
// concurrent use, make Put and Rename atomic (a reader sees the old
// content or the new, never a mix), and report a missing file with an
// error matching fs.ErrNotExist and an existing rename target with one
// matching fs.ErrExist.
type Storage interface {
	// Stat describes one file.
	Stat(ctx context.Context, supplierID int64, folder, name string) (FileInfo, error)
	// List describes a folder's files by name.
	List(ctx context.Context, supplierID int64, folder string) ([]FileInfo, error)
	// Open returns the file's content as of now for random reads.
	Open(ctx context.Context, supplierID int64, folder, name string) (File, error)
	// Put stores exactly size bytes from r, replacing any file of that name.
	Put(ctx context.Context, supplierID int64, folder, name string, r io.Reader, size int64) error
	// Rename moves a file; an existing target is replaced only when
	// overwrite is true.
	Rename(ctx context.Context, supplierID int64, fromFolder, fromName, toFolder, toName string, overwrite bool) error
	// Remove deletes a file.
	Remove(ctx context.Context, supplierID int64, folder, name string) error
}

// BatchPutter is a Storage that can store several small files in one
// commit. PutOutbound groups concurrent order drops through it, so a burst
// of drops costs a few commits rather than one each. PutBatch stores all
// the files or none, each replacing any file of its name atomically, and
// is only given files of at most MaxBatchFile bytes.
type BatchPutter interface {
	PutBatch(ctx context.Context, files []BatchFile) error
}

// BatchFile is one file of a PutBatch.
type BatchFile struct {
	SupplierID   int64
	Folder, Name string
	Data         []byte
}

// Sweeper is a Storage that has leftovers to clean up now and then; the
// server calls Sweep periodically.
type Sweeper interface {
	Sweep(ctx context.Context) error
}

// FileInfo describes a committed file.
type FileInfo struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// File is an open file's content; Close releases what reading holds.
type File interface {
	io.ReaderAt
	io.Closer
}

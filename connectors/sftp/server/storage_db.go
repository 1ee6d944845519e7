package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

// readCacheChunks is how many chunks one open download keeps: the chunk
// being read, the one read ahead, and room for the client's out-of-order
// reads (pkg/sftp keeps up to 2 MiB of reads in flight).
const readCacheChunks = 4

// sweepGrace is how old unreferenced content must be before Sweep deletes
// it; far longer than any commit of a large upload takes.
const sweepGrace = time.Hour

// DBStorage keeps files in the database (tables sftp_files, sftp_blobs,
// sftp_chunks), so every replica behind the load balancer serves the same
// files.
type DBStorage struct {
	st *store.Store
}

// NewDBStorage returns a storage on st.
func NewDBStorage(st *store.Store) *DBStorage { return &DBStorage{st: st} }

// Stat describes one file.
func (d *DBStorage) Stat(ctx context.Context, supplierID int64, folder, name string) (FileInfo, error) {
	f, err := d.st.SFTPFileInfo(ctx, supplierID, folder, name)
	if err != nil {
		return FileInfo{}, dbErr(err)
	}
	return FileInfo{Name: f.Name, Size: f.Size, ModTime: f.ModTime}, nil
}

// List describes a folder's files by name.
func (d *DBStorage) List(ctx context.Context, supplierID int64, folder string) ([]FileInfo, error) {
	files, err := d.st.ListSFTPFiles(ctx, supplierID, folder)
	if err != nil {
		return nil, err
	}
	out := make([]FileInfo, len(files))
	for i, f := range files {
		out[i] = FileInfo{Name: f.Name, Size: f.Size, ModTime: f.ModTime}
	}
	return out, nil
}

// Open returns the file's content. Its description and first chunk are
// read in one statement, so a file of one chunk (every order CSV) is a
// snapshot even if it is replaced meanwhile; a larger one is read chunk
// by chunk as the client asks, and fails cleanly if the file is replaced
// or removed mid-way.
func (d *DBStorage) Open(ctx context.Context, supplierID int64, folder, name string) (File, error) {
	f, first, err := d.st.OpenSFTPFile(ctx, supplierID, folder, name)
	if err != nil {
		return nil, dbErr(err)
	}
	if f.Size <= f.ChunkSize {
		if int64(len(first)) != f.Size {
			return nil, fmt.Errorf("open %s/%s: first chunk has %d bytes, file %d", folder, name, len(first), f.Size)
		}
		return nopCloser{bytes.NewReader(first)}, nil
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &chunkReader{ctx: rctx, cancel: cancel, st: d.st, blobID: f.BlobID, size: f.Size, chunkSize: f.ChunkSize}
	e, _ := r.entry(0)
	e.data = first
	close(e.done)
	return r, nil
}

// Put stores exactly size bytes from r, replacing any file of that name.
func (d *DBStorage) Put(ctx context.Context, supplierID int64, folder, name string, r io.Reader, size int64) error {
	f := store.SFTPFile{SupplierID: supplierID, Folder: folder, Name: name, Size: size, ModTime: time.Now().UTC()}
	return d.st.PutSFTPFile(ctx, f, r)
}

// PutBatch stores small files in one transaction.
func (d *DBStorage) PutBatch(ctx context.Context, files []BatchFile) error {
	now := time.Now().UTC()
	fs := make([]store.SFTPFileData, len(files))
	for i, f := range files {
		fs[i] = store.SFTPFileData{SFTPFile: store.SFTPFile{SupplierID: f.SupplierID, Folder: f.Folder, Name: f.Name,
			Size: int64(len(f.Data)), ModTime: now}, Data: f.Data}
	}
	return d.st.PutSFTPFiles(ctx, fs)
}

// Rename moves a file; an existing target is replaced only when overwrite
// is true.
func (d *DBStorage) Rename(ctx context.Context, supplierID int64, fromFolder, fromName, toFolder, toName string, overwrite bool) error {
	return dbErr(d.st.RenameSFTPFile(ctx, supplierID, fromFolder, fromName, toFolder, toName, overwrite))
}

// Remove deletes a file.
func (d *DBStorage) Remove(ctx context.Context, supplierID int64, folder, name string) error {
	return dbErr(d.st.DeleteSFTPFile(ctx, supplierID, folder, name))
}

// Sweep deletes content left by uploads whose replica died between
// writing the chunks and committing the name.
func (d *DBStorage) Sweep(ctx context.Context) error {
	_, err := d.st.SweepSFTPBlobs(ctx, time.Now().Add(-sweepGrace))
	return err
}

// dbErr maps the store's sentinels to the fs ones Storage promises.
func dbErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w", fs.ErrNotExist)
	case errors.Is(err, store.ErrSFTPFileExists):
		return fmt.Errorf("%w", fs.ErrExist)
	}
	return err
}

// msgChanged is what a download gets when its file is replaced or removed
// under it: the old chunks are gone.
const msgChanged = "the file was replaced or removed during the download; download it again"

// chunkReader serves ReadAt from a small cache of chunks, fetching each
// chunk once however many concurrent reads want it, and reading the next
// chunk ahead while the client drains the current one.
type chunkReader struct {
	ctx       context.Context
	cancel    context.CancelFunc
	st        *store.Store
	blobID    int64
	size      int64
	chunkSize int64

	mu    sync.Mutex
	cache []*chunkEntry // least recently used first
}

type chunkEntry struct {
	seq  int64
	done chan struct{}
	data []byte
	err  error
}

// ReadAt reads len(p) bytes at off, crossing chunk boundaries as needed.
func (r *chunkReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at %d: negative offset", off)
	}
	n := 0
	for n < len(p) && off < r.size {
		seq := off / r.chunkSize
		data, err := r.chunk(seq)
		if err != nil {
			return n, err
		}
		within := off - seq*r.chunkSize
		if within >= int64(len(data)) {
			return n, fmt.Errorf("read at %d: chunk %d of blob %d is short (%d bytes)", off, seq, r.blobID, len(data))
		}
		c := copy(p[n:], data[within:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close stops any read-ahead still running.
func (r *chunkReader) Close() error {
	r.cancel()
	return nil
}

func (r *chunkReader) chunk(seq int64) ([]byte, error) {
	e, fresh := r.entry(seq)
	if next := seq + 1; next*r.chunkSize < r.size {
		if ne, nfresh := r.entry(next); nfresh {
			go r.fetch(ne)
		}
	}
	if fresh {
		r.fetch(e)
	}
	select {
	case <-e.done:
	case <-r.ctx.Done():
		return nil, r.ctx.Err()
	}
	return e.data, e.err
}

// entry returns the cache entry for seq, creating it (fresh=true: the
// caller must fetch it) when absent and evicting the least recently used.
func (r *chunkReader) entry(seq int64) (e *chunkEntry, fresh bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.cache {
		if c.seq == seq {
			copy(r.cache[i:], r.cache[i+1:])
			r.cache[len(r.cache)-1] = c
			return c, false
		}
	}
	if len(r.cache) >= readCacheChunks {
		r.cache = append(r.cache[:0], r.cache[1:]...)
	}
	e = &chunkEntry{seq: seq, done: make(chan struct{})}
	r.cache = append(r.cache, e)
	return e, true
}

func (r *chunkReader) fetch(e *chunkEntry) {
	defer close(e.done)
	e.data, e.err = r.st.ReadSFTPChunk(r.ctx, r.blobID, e.seq)
	if errors.Is(e.err, store.ErrNotFound) {
		e.err = failure(msgChanged)
	}
}

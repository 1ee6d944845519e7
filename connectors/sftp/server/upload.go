package server

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// upload is an open write handle. Bytes are spooled in memory while the
// file is small and in an unlinked temp file beyond that, and reach the
// Storage only when the client closes the handle: a half-written upload
// is never visible, neither to other sessions nor to other replicas.
type upload struct {
	sess    *session
	at      loc
	limit   int64
	memMax  int64
	tempDir string
	started time.Time

	mu     sync.Mutex
	buf    []byte   // content while small
	f      *os.File // content once it outgrew buf
	size   int64
	err    error // first write failure: the upload will be discarded
	lost   error // the connection ended before Close
	closed bool
}

// WriteAt stores p at off, refusing anything past the size limit.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil {
		return 0, u.err
	}
	if off < 0 {
		return 0, failure("write at negative offset %d", off)
	}
	end := off + int64(len(p))
	if end > u.limit {
		u.err = failure("upload refused: %s is larger than the %s limit", u.at, sizeString(u.limit))
		u.sess.log.Warn("sftp upload too large", "path", u.at.String(), "limit", u.limit)
		return 0, u.err
	}
	if u.f == nil && end > u.memMax {
		if err := u.spill(); err != nil {
			u.err = err
			return 0, err
		}
	}
	if u.f != nil {
		if _, err := u.f.WriteAt(p, off); err != nil {
			u.err = u.sess.internal("upload spool", u.at, err)
			return 0, u.err
		}
	} else {
		if end > int64(len(u.buf)) {
			u.buf = append(u.buf, make([]byte, end-int64(len(u.buf)))...)
		}
		copy(u.buf[off:], p)
	}
	u.size = max(u.size, end)
	return len(p), nil
}

// ReadAt reads back what was written so far, for clients that open a file
// for reading and writing at once.
func (u *upload) ReadAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if off >= u.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), u.size-off)]
	var n int
	var err error
	if u.f != nil {
		n, err = u.f.ReadAt(p, off)
	} else {
		n = copy(p, u.buf[off:])
	}
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// spill moves the content to a temp file. The file is unlinked at once:
// it lives only as long as the handle, so a crash leaves nothing behind.
func (u *upload) spill() error {
	f, err := os.CreateTemp(u.tempDir, "supplyhub-sftp-upload-*")
	if err != nil {
		return u.sess.internal("upload spool", u.at, err)
	}
	_ = os.Remove(f.Name())
	if _, err := f.WriteAt(u.buf[:u.size], 0); err != nil {
		f.Close()
		return u.sess.internal("upload spool", u.at, err)
	}
	u.f, u.buf = f, nil
	return nil
}

// truncate sets the size (SETSTAT with a size on an open upload).
func (u *upload) truncate(size int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.err != nil:
		return u.err
	case size < 0:
		return failure("negative size %d", size)
	case size > u.limit:
		return failure("upload refused: %s would be larger than the %s limit", u.at, sizeString(u.limit))
	}
	if u.f == nil && size > u.memMax {
		if err := u.spill(); err != nil {
			return err
		}
	}
	if u.f != nil {
		if err := u.f.Truncate(size); err != nil {
			return u.sess.internal("upload spool", u.at, err)
		}
	} else if size <= int64(len(u.buf)) {
		clear(u.buf[size:])
		u.buf = u.buf[:size]
	} else {
		u.buf = append(u.buf, make([]byte, size-int64(len(u.buf)))...)
	}
	u.size = size
	return nil
}

func (u *upload) currentSize() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.size
}

// TransferError is called by pkg/sftp when the connection ends with the
// handle still open: the upload is then discarded on Close, not committed.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.lost == nil {
		u.lost = err
	}
}

// Close commits the upload to Storage (or discards it after a failure or
// a lost connection) and then fires OnInbound for /inbound.
func (u *upload) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	f, buf, size, werr, lost := u.f, u.buf, u.size, u.err, u.lost
	u.mu.Unlock()
	u.sess.forget(u)
	if f != nil {
		defer f.Close()
	}
	switch {
	case lost != nil:
		u.sess.log.Warn("sftp upload discarded: connection lost before close", "path", u.at.String(), "bytes", size, "error", lost)
		return lost
	case werr != nil:
		return werr
	}
	var r io.Reader
	if f != nil {
		r = io.NewSectionReader(f, 0, size)
	} else {
		r = bytes.NewReader(buf[:size])
	}
	st := u.sess.srv.storage
	if err := st.Put(u.sess.ctx, u.sess.supplierID, u.at.folder, u.at.name, r, size); err != nil {
		return u.sess.storageErr("upload", u.at, err)
	}
	u.sess.log.Info("sftp upload", "path", u.at.String(), "bytes", size, "duration", time.Since(u.started).Round(time.Millisecond))
	u.sess.srv.fireArrived(u.sess.ctx, u.sess.log, u.sess.supplierID, u.at)
	return nil
}

// sizeString prints a byte count the way people write limits.
func sizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

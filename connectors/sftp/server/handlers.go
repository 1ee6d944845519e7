package server

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
)

// session serves one SFTP subsystem for one authenticated supplier. It
// implements pkg/sftp's request-server handlers; every path the client
// sends goes through parsePath, and the supplier id is fixed at login.
type session struct {
	ctx        context.Context
	srv        *Server
	supplierID int64
	user       string
	log        *slog.Logger

	mu      sync.Mutex
	uploads map[loc]*upload // open write handles, by path
}

var (
	_ sftp.FileReader           = (*session)(nil)
	_ sftp.OpenFileWriter       = (*session)(nil)
	_ sftp.PosixRenameFileCmder = (*session)(nil)
	_ sftp.LstatFileLister      = (*session)(nil)
	_ sftp.RealPathFileLister   = (*session)(nil)
	_ sftp.ReadlinkFileLister   = (*session)(nil)
	_ sftp.NameLookupFileLister = (*session)(nil)
)

func (s *session) handlers() sftp.Handlers {
	return sftp.Handlers{FileGet: s, FilePut: s, FileCmd: s, FileList: s}
}

// Fileread opens a committed file for download.
func (s *session) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	at, err := parsePath(r.Filepath)
	if err != nil {
		return nil, err
	}
	if !at.isFile() {
		return nil, failure("%s is a folder", at)
	}
	f, err := s.srv.storage.Open(s.ctx, s.supplierID, at.folder, at.name)
	if err != nil {
		return nil, s.storageErr("download", at, err)
	}
	// Every order pickup attempt leaves a record.
	s.log.Info("sftp download", "path", at.String())
	return f, nil
}

// Filewrite opens an upload; see upload for when it becomes visible.
func (s *session) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return s.openUpload(r)
}

// OpenFile serves opens for reading and writing at once: without it
// pkg/sftp would route the handle's reads to WriteAt.
func (s *session) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	return s.openUpload(r)
}

func (s *session) openUpload(r *sftp.Request) (*upload, error) {
	at, err := parsePath(r.Filepath)
	if err != nil {
		return nil, err
	}
	if !at.isFile() {
		return nil, failure("cannot write to %s: it is a folder", at)
	}
	if at.folder == FolderOutbound {
		return nil, denied("/%s is read-only: Supplyhub places orders there; upload to /%s", FolderOutbound, FolderInbound)
	}
	flags := r.Pflags()
	var existing *FileInfo
	if flags.Excl || !flags.Trunc {
		fi, err := s.srv.storage.Stat(s.ctx, s.supplierID, at.folder, at.name)
		switch {
		case err == nil:
			existing = &fi
		case !errors.Is(err, fs.ErrNotExist):
			return nil, s.storageErr("open", at, err)
		}
	}
	if flags.Excl && existing != nil {
		return nil, failure("%s already exists", at)
	}
	u := &upload{sess: s, at: at, limit: s.srv.cfg.MaxFileSize, memMax: s.srv.cfg.MemUploadSize,
		tempDir: s.srv.cfg.TempDir, started: time.Now()}
	if existing != nil && !flags.Trunc && existing.Size > 0 {
		// Without TRUNC the client means to change or extend the file
		// (resumed uploads): start from its current content.
		if err := s.prefill(u, at); err != nil {
			u.Close()
			return nil, err
		}
	}
	s.mu.Lock()
	s.uploads[at] = u
	s.mu.Unlock()
	return u, nil
}

func (s *session) prefill(u *upload, at loc) error {
	f, err := s.srv.storage.Open(s.ctx, s.supplierID, at.folder, at.name)
	if err != nil {
		return s.storageErr("open", at, err)
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		if n > 0 {
			if _, werr := u.WriteAt(buf[:n], off); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s.storageErr("open", at, err)
		}
	}
}

// pending returns this session's open upload of at, if any.
func (s *session) pending(at loc) *upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads[at]
}

func (s *session) forget(u *upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uploads[u.at] == u {
		delete(s.uploads, u.at)
	}
}

// Filecmd serves everything that changes the tree.
func (s *session) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat":
		return s.setstat(r)
	case "Rename":
		return s.rename(r.Filepath, r.Target, false)
	case "Remove":
		return s.remove(r.Filepath)
	case "Mkdir":
		return denied("cannot create folder %s: only /%s, /%s, /%s and /%s exist, without other sub-folders",
			path.Clean("/"+r.Filepath), FolderOutbound, FolderInbound, FolderCatalog, FolderArchive)
	case "Rmdir":
		return denied("cannot remove folder %s: the folders are fixed", path.Clean("/"+r.Filepath))
	case "Symlink", "Link":
		return denied("links are not allowed")
	}
	return unsupported("%s is not supported", r.Method)
}

// PosixRename is rename that replaces an existing target, as OpenSSH's
// sftp client and temp-then-rename uploaders expect.
func (s *session) PosixRename(r *sftp.Request) error {
	return s.rename(r.Filepath, r.Target, true)
}

func (s *session) rename(from, to string, overwrite bool) error {
	src, err := parsePath(from)
	if err != nil {
		return err
	}
	dst, err := parsePath(to)
	if err != nil {
		return err
	}
	switch {
	case !src.isFile():
		return denied("cannot rename %s: the folders are fixed", src)
	case !dst.isFile():
		return failure("cannot rename to %s: it is a folder; give the full target name, e.g. %s/%s", dst, dst, src.name)
	case dst.folder == FolderOutbound && src != dst:
		return denied("/%s is read-only: move files out of it (to /%s) or delete them", FolderOutbound, FolderArchive)
	}
	if err := s.srv.storage.Rename(s.ctx, s.supplierID, src.folder, src.name, dst.folder, dst.name, overwrite); err != nil {
		return s.storageErr("rename", src, err)
	}
	if src == dst {
		return nil
	}
	s.log.Info("sftp rename", "from", src.String(), "to", dst.String())
	if src.folder == FolderOutbound {
		s.srv.fire(s.ctx, s.log, "OnRetrieved", s.srv.cfg.OnRetrieved, s.supplierID, src.name)
	}
	s.srv.fireArrived(s.ctx, s.log, s.supplierID, dst)
	return nil
}

func (s *session) remove(p string) error {
	at, err := parsePath(p)
	if err != nil {
		return err
	}
	if !at.isFile() {
		return denied("cannot remove %s: the folders are fixed", at)
	}
	if err := s.srv.storage.Remove(s.ctx, s.supplierID, at.folder, at.name); err != nil {
		return s.storageErr("remove", at, err)
	}
	s.log.Info("sftp remove", "path", at.String())
	if at.folder == FolderOutbound {
		s.srv.fire(s.ctx, s.log, "OnRetrieved", s.srv.cfg.OnRetrieved, s.supplierID, at.name)
	}
	return nil
}

// setstat accepts times, permissions and owners and ignores them, so that
// clients preserving times (sftp -p, lftp, WinSCP) do not fail; a size
// truncates an open upload and is otherwise refused unless unchanged.
func (s *session) setstat(r *sftp.Request) error {
	at, err := parsePath(r.Filepath)
	if err != nil {
		return err
	}
	if !at.isFile() {
		return nil
	}
	if u := s.pending(at); u != nil {
		if r.AttrFlags().Size {
			return u.truncate(int64(r.Attributes().Size))
		}
		return nil
	}
	fi, err := s.srv.storage.Stat(s.ctx, s.supplierID, at.folder, at.name)
	if err != nil {
		return s.storageErr("setstat", at, err)
	}
	if r.AttrFlags().Size && int64(r.Attributes().Size) != fi.Size {
		return unsupported("cannot change the size of %s: upload it again instead", at)
	}
	return nil
}

// Filelist serves directory listings, stat and readlink.
func (s *session) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	at, err := parsePath(r.Filepath)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		return s.list(at)
	case "Stat", "Lstat":
		fi, err := s.stat(at)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	case "Readlink":
		return nil, failure("%s is not a symbolic link", at)
	}
	return nil, unsupported("%s is not supported", r.Method)
}

// Lstat is Stat: there are no links.
func (s *session) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	return s.Filelist(r)
}

// RealPath resolves a path the way the jail will, so "cd .." at the root
// stays at the root.
func (s *session) RealPath(p string) (string, error) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", denied("invalid path %q: backslashes and NUL are not allowed", p)
	}
	return path.Clean("/" + p), nil
}

// Readlink always fails: there are no links.
func (s *session) Readlink(p string) (string, error) {
	return "", failure("%s is not a symbolic link", path.Clean("/"+p))
}

// LookupUserName shows the account name as every file's owner in ls -l.
func (s *session) LookupUserName(string) string { return s.user }

// LookupGroupName shows the account name as every file's group in ls -l.
func (s *session) LookupGroupName(string) string { return s.user }

func (s *session) list(at loc) (sftp.ListerAt, error) {
	switch {
	case at.isRoot():
		var out listerAt
		for _, f := range rootFolders() {
			out = append(out, dirInfo(f, s.srv.started))
		}
		return out, nil
	case at.isFile():
		return nil, failure("%s is not a folder", at)
	}
	files, err := s.srv.storage.List(s.ctx, s.supplierID, at.folder)
	if err != nil {
		return nil, s.storageErr("list", at, err)
	}
	out := make(listerAt, 0, len(files)+1)
	if at.folder == FolderInbound {
		out = append(out, dirInfo(catalogSub, s.srv.started))
	}
	for _, f := range files {
		out = append(out, fileInfo{name: f.Name, size: f.Size, mod: f.ModTime})
	}
	return out, nil
}

func (s *session) stat(at loc) (os.FileInfo, error) {
	switch {
	case at.isRoot():
		return dirInfo("/", s.srv.started), nil
	case at.isFolder():
		return dirInfo(path.Base(at.folder), s.srv.started), nil
	}
	// The client's own open upload is visible to it (fstat on the
	// handle), and to nobody else.
	if u := s.pending(at); u != nil {
		return fileInfo{name: at.name, size: u.currentSize(), mod: time.Now()}, nil
	}
	fi, err := s.srv.storage.Stat(s.ctx, s.supplierID, at.folder, at.name)
	if err != nil {
		return nil, s.storageErr("stat", at, err)
	}
	return fileInfo{name: fi.Name, size: fi.Size, mod: fi.ModTime}, nil
}

// storageErr turns a Storage error into what the client is told. Details
// of internal failures are logged, not sent.
func (s *session) storageErr(op string, at loc, err error) error {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, fs.ErrNotExist):
		return notFound(at.String())
	case errors.Is(err, fs.ErrExist):
		return failure("%s: target already exists (plain SFTP rename does not replace; remove it first or use posix-rename)", op)
	case s.ctx.Err() != nil:
		return &statusError{code: sftp.ErrSSHFxConnectionLost, msg: "server shutting down"}
	}
	return s.internal(op, at, err)
}

// internal logs err and returns a failure that names the operation only.
func (s *session) internal(op string, at loc, err error) error {
	s.log.Error("sftp "+op+" failed", "path", at.String(), "error", err)
	return failure("%s %s failed: internal error, please try again later", op, at)
}

// listerAt serves a fixed list of entries.
type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo is os.FileInfo for jail entries: regular files and the fixed
// folders, with no owner information of their own.
type fileInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func dirInfo(name string, mod time.Time) fileInfo { return fileInfo{name: name, mod: mod, dir: true} }

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.dir }
func (f fileInfo) Sys() any           { return nil }
func (f fileInfo) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// RemoteFile is a regular file in a remote folder, as List reports it.
type RemoteFile = drop.RemoteFile

// ErrTooLarge is wrapped by Get's error for a file over the caller's limit.
var ErrTooLarge = drop.ErrTooLarge

// List returns the regular files in dir (relative to the session's remote
// folder, or absolute; "" is the remote folder), sorted by name. Names
// starting with "." (temporary files, Put's and the supplier's) are left
// out, and so is anything that is not a regular file: folders, symbolic
// links, devices. A missing dir is an error satisfying
// errors.Is(err, fs.ErrNotExist).
func (s *Session) List(ctx context.Context, dir string) ([]RemoteFile, error) {
	d, err := s.resolve(dir)
	if err != nil {
		return nil, permanent(fmt.Errorf("sftp list %q: %w", dir, err))
	}
	var files []RemoteFile
	err = s.do(ctx, "list "+d, func() error {
		entries, err := s.sftp.ReadDir(d)
		if err != nil {
			return err
		}
		for _, fi := range entries {
			if strings.HasPrefix(fi.Name(), ".") || !fi.Mode().IsRegular() {
				continue
			}
			files = append(files, RemoteFile{Name: fi.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b RemoteFile) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

// Get reads the whole of file name in dir (as for List). A file larger
// than max bytes is refused with ErrTooLarge before it is read; a missing
// one is an error satisfying errors.Is(err, fs.ErrNotExist).
func (s *Session) Get(ctx context.Context, dir, name string, max int64) ([]byte, error) {
	if err := drop.CheckName(name); err != nil {
		return nil, permanent(fmt.Errorf("sftp get %q: %w", name, err))
	}
	if max < 0 {
		return nil, permanent(fmt.Errorf("sftp get %s: negative size limit %d", name, max))
	}
	d, err := s.resolve(dir)
	if err != nil {
		return nil, permanent(fmt.Errorf("sftp get %q: %w", path.Join(dir, name), err))
	}
	p := path.Join(d, name)
	var data []byte
	err = s.do(ctx, "get "+p, func() (err error) {
		data, err = s.get(p, max)
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// get checks that p is a regular file, opens it, checks its size on the
// open handle, and reads at most max bytes: a file growing past max while
// read is refused too. The type is checked before opening because opening
// a FIFO blocks the server until a writer comes.
func (s *Session) get(p string, max int64) ([]byte, error) {
	fi, err := s.sftp.Lstat(p)
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if err := regular(fi); err != nil {
		return nil, err
	}
	f, err := s.sftp.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if err := regular(fi); err != nil {
		return nil, err // replaced since the Lstat
	}
	if fi.Size() > max {
		return nil, tooLarge(fmt.Sprintf("%d bytes", fi.Size()), max)
	}
	limit := max
	if limit < math.MaxInt64 {
		limit++ // one byte more than allowed tells a file that grew
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(fi.Size()+1, limit)))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit)); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(buf.Len()) > max {
		return nil, tooLarge("grew while read", max)
	}
	return buf.Bytes(), nil
}

func regular(fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return permanent(fmt.Errorf("not a regular file (mode %v)", fi.Mode()))
	}
	return nil
}

func tooLarge(what string, max int64) error {
	return permanent(fmt.Errorf("%w: %s, over the %d-byte limit", ErrTooLarge, what, max))
}

// Move renames file name from fromDir to toDir (each as for List),
// replacing a file of that name there; it creates no folder. A missing
// source is an error satisfying errors.Is(err, fs.ErrNotExist); a missing
// target folder is a different, permanent error, so a caller treating
// "not found" as "already moved" does not skip the file forever.
func (s *Session) Move(ctx context.Context, fromDir, name, toDir string) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("sftp move %q: %w", name, err))
	}
	from, err := s.resolve(fromDir)
	if err == nil {
		var to string
		if to, err = s.resolve(toDir); err == nil {
			from, to = path.Join(from, name), path.Join(to, name)
			if from == to {
				// The fallback rename would remove the target, which is
				// the source.
				return permanent(fmt.Errorf("sftp move %s: source and target are the same", from))
			}
			return s.do(ctx, "move "+from+" to "+path.Dir(to), func() error { return s.move(from, to) })
		}
	}
	return permanent(fmt.Errorf("sftp move %q: %w", name, err))
}

func (s *Session) move(from, to string) error {
	err := s.rename(from, to)
	if err != nil && errors.Is(err, os.ErrNotExist) {
		if _, serr := s.sftp.Lstat(from); serr == nil {
			return permanent(fmt.Errorf("rename %s to %s: folder %s not found", from, to, path.Dir(to)))
		}
	}
	return err
}

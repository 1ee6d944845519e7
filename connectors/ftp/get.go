package ftp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"

	jftp "github.com/jlaffaye/ftp"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// RemoteFile is a regular file in a remote folder, as List reports it.
type RemoteFile = drop.RemoteFile

// ErrTooLarge is wrapped by Get's error for a file over the caller's limit.
var ErrTooLarge = drop.ErrTooLarge

// List returns the regular files in dir (relative to the session's remote
// folder, or absolute; "" is the remote folder), sorted by name. Names
// starting with "." (temporary files, Put's and the supplier's) are left
// out, and so is anything the listing does not show as a plain file:
// folders, symbolic links, devices. A missing dir is an error satisfying
// errors.Is(err, fs.ErrNotExist).
//
// Another dir is listed by changing into it and back, since LIST with a
// path argument is ambiguous: servers glob it, list a file named by it, or
// answer an empty listing for a missing folder.
func (s *Session) List(ctx context.Context, dir string) ([]RemoteFile, error) {
	d, err := resolve(dir)
	if err != nil {
		return nil, permanent(fmt.Errorf("ftp list %q: %w", dir, err))
	}
	label := d
	if label == "" {
		label = "."
	}
	var entries []*jftp.Entry
	err = s.do(ctx, "list "+label, func() (err error) {
		entries, err = s.list(d)
		return err
	})
	if err != nil {
		return nil, err
	}
	var files []RemoteFile
	for _, e := range entries {
		if e.Type != jftp.EntryTypeFile || strings.HasPrefix(e.Name, ".") || strings.Contains(e.Name, "/") {
			continue
		}
		files = append(files, RemoteFile{Name: e.Name, Size: int64(min(e.Size, math.MaxInt64)), ModTime: e.Time})
	}
	slices.SortFunc(files, func(a, b RemoteFile) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

func (s *Session) list(dir string) ([]*jftp.Entry, error) {
	if dir == "" {
		return s.c.List("")
	}
	if s.home == "" {
		home, err := s.c.CurrentDir()
		if err != nil {
			return nil, fmt.Errorf("pwd: %w", err)
		}
		s.home = strings.ReplaceAll(home, `""`, `"`) // RFC 959 doubles quotes in the name
	}
	if err := s.c.ChangeDir(dir); err != nil {
		return nil, markNotFound(fmt.Errorf("cwd %s: %w", dir, err))
	}
	entries, err := s.c.List("")
	if cerr := s.c.ChangeDir(s.home); cerr != nil {
		// Later relative names would resolve in the wrong folder.
		s.broken = fmt.Errorf("cannot change back to %s: %w", s.home, cerr)
		return nil, errors.Join(err, s.broken)
	}
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return entries, nil
}

// Get reads the whole of file name in dir (as for List). A file larger
// than max bytes is refused with ErrTooLarge: before the transfer when the
// server answers SIZE, else once more than max bytes arrived. A missing
// file is an error satisfying errors.Is(err, fs.ErrNotExist).
func (s *Session) Get(ctx context.Context, dir, name string, max int64) ([]byte, error) {
	if err := drop.CheckName(name); err != nil {
		return nil, permanent(fmt.Errorf("ftp get %q: %w", name, err))
	}
	if max < 0 {
		return nil, permanent(fmt.Errorf("ftp get %s: negative size limit %d", name, max))
	}
	d, err := resolve(dir)
	if err != nil {
		return nil, permanent(fmt.Errorf("ftp get %q: %w", path.Join(dir, name), err))
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

func (s *Session) get(p string, max int64) ([]byte, error) {
	size, err := s.c.FileSize(p)
	switch {
	case err == nil && size > max:
		return nil, tooLarge(fmt.Sprintf("%d bytes", size), max)
	case err != nil && isNetErr(err):
		return nil, fmt.Errorf("size: %w", err)
	case err != nil:
		size = 0 // no SIZE, or refused for this path: RETR has the final say
	}
	r, err := s.c.Retr(p)
	if err != nil {
		return nil, markNotFound(fmt.Errorf("retr: %w", err))
	}
	limit := max
	if limit < math.MaxInt64 {
		limit++ // one byte more than allowed tells a file larger than SIZE said
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size+1, limit)))
	_, rerr := buf.ReadFrom(io.LimitReader(r, limit))
	// Closing early makes the server answer 426 instead of 226; either
	// way the reply is read and the control connection stays in step.
	cerr := r.Close()
	switch {
	case rerr != nil:
		return nil, fmt.Errorf("retr: %w", rerr)
	case int64(buf.Len()) > max:
		return nil, tooLarge("more than SIZE said", max)
	case cerr != nil:
		return nil, fmt.Errorf("retr: %w", cerr)
	}
	return buf.Bytes(), nil
}

func tooLarge(what string, max int64) error {
	return permanent(fmt.Errorf("%w: %s, over the %d-byte limit", ErrTooLarge, what, max))
}

// Move renames file name from fromDir to toDir (each as for List) with
// RNFR/RNTO, replacing a file of that name there; it creates no folder. A
// missing source is an error satisfying errors.Is(err, fs.ErrNotExist),
// and then the target is left alone.
func (s *Session) Move(ctx context.Context, fromDir, name, toDir string) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("ftp move %q: %w", name, err))
	}
	from, err := resolve(fromDir)
	if err == nil {
		var to string
		if to, err = resolve(toDir); err == nil {
			from, to = path.Join(from, name), path.Join(to, name)
			if from == to {
				// The delete-then-rename fallback would delete the source.
				return permanent(fmt.Errorf("ftp move %s: source and target are the same", from))
			}
			return s.do(ctx, "move "+from+" to "+path.Dir(to), func() error { return s.rename(from, to, false) })
		}
	}
	return permanent(fmt.Errorf("ftp move %q: %w", name, err))
}

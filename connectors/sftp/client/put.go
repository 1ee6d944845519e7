package client

import (
	"github.com/supplyhub/supplyhub/connectors/drop"

	"context"
	"errors"
	"fmt"
	"os"
	"path"
)

// Put uploads data as name in the session's remote folder: it writes a
// temporary file next to it, syncs it when the server allows, and renames
// it over name, replacing a file of that name (re-delivery writes the same
// name and bytes). A Put that times out or is cancelled tears the
// connection down, since the server may still be busy with it; later Puts
// then fail and the caller dials a new session.
func (s *Session) Put(ctx context.Context, name string, data []byte) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("sftp put %q: %w", name, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("sftp put %s: %w", name, errClosed)
	case s.broken != nil:
		return fmt.Errorf("sftp put %s: session unusable: %w", name, s.broken)
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	stop := context.AfterFunc(octx, func() { s.conn.Close() })
	err := s.put(name, data)
	if !stop() {
		s.broken = fmt.Errorf("connection closed: %w", context.Cause(octx))
		if err != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(octx), err)
		}
	} else if err != nil && connGone(err) {
		s.broken = err
	}
	if err != nil {
		return fmt.Errorf("sftp put %s: %w", name, err)
	}
	return nil
}

// put does the upload; each step's error names the step and the path.
func (s *Session) put(name string, data []byte) error {
	tmp := path.Join(s.dir, drop.TempName(name))
	final := path.Join(s.dir, name)
	f, err := s.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		s.removeTemp(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if s.fsync {
		if err := f.Sync(); err != nil {
			f.Close()
			s.removeTemp(tmp)
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		s.removeTemp(tmp)
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := s.rename(tmp, final); err != nil {
		s.removeTemp(tmp)
		return err
	}
	return nil
}

// rename moves tmp over final. Plain SFTP v3 rename refuses an existing
// target, so without the posix-rename extension an existing final is
// removed first; a reader may then briefly see no file, never a partial one.
func (s *Session) rename(tmp, final string) error {
	if s.posixRename {
		if err := s.sftp.PosixRename(tmp, final); err != nil {
			return fmt.Errorf("rename %s to %s: %w", tmp, final, err)
		}
		return nil
	}
	err := s.sftp.Rename(tmp, final)
	if err == nil {
		return nil
	}
	if _, serr := s.sftp.Lstat(final); serr != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, final, err) // not in the way: a real failure
	}
	if rerr := s.sftp.Remove(final); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("remove %s to replace it: %w", final, rerr)
	}
	if err := s.sftp.Rename(tmp, final); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, final, err)
	}
	return nil
}

// removeTemp cleans up after a failed upload; if the connection is gone it
// cannot, and the stray dot file is harmless to "*"-style pickups.
func (s *Session) removeTemp(tmp string) {
	_ = s.sftp.Remove(tmp)
}

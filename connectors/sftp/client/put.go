package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// Put uploads data as name in the session's remote folder: it writes a
// temporary file next to it, syncs it when the server allows, and renames
// it over name, replacing a file of that name (re-delivery writes the same
// name and bytes). A Put that times out or is cancelled tears the
// connection down, since the server may still be busy with it; later calls
// then fail and the caller dials a new session.
func (s *Session) Put(ctx context.Context, name string, data []byte) error {
	return s.PutIn(ctx, "", name, data)
}

// PutIn is Put into dir instead: a folder relative to the session's
// remote folder, or an absolute path; "" is the remote folder itself.
func (s *Session) PutIn(ctx context.Context, dir, name string, data []byte) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("sftp put %q: %w", name, err))
	}
	d, err := s.resolve(dir)
	if err != nil {
		return permanent(fmt.Errorf("sftp put %q: %w", path.Join(dir, name), err))
	}
	return s.do(ctx, "put "+path.Join(dir, name), func() error { return s.put(d, name, data) })
}

// put does the upload; each step's error names the step and the path.
func (s *Session) put(dir, name string, data []byte) error {
	tmp := path.Join(dir, drop.TempName(name))
	final := path.Join(dir, name)
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
// A rename failing for a missing source or target folder never removes
// final: nothing of it was in the way.
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
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rename %s to %s: %w", tmp, final, err)
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

// removeTemp cleans up after a failed upload. If the connection is gone it
// cannot: the temporary file is remembered (LeftTemps) for the drop channel
// to remove through its next session to the same server.
func (s *Session) removeTemp(tmp string) {
	if err := s.sftp.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.Leave(tmp)
	}
}

// RemoveTemps deletes temporary files an earlier session left behind; one
// already gone is not an error.
func (s *Session) RemoveTemps(ctx context.Context, paths []string) error {
	return s.do(ctx, "remove temporary files", func() error {
		for _, p := range paths {
			if err := s.sftp.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", p, err)
			}
		}
		return nil
	})
}

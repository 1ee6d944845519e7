package ftp

import (
	"bytes"
	"context"
	"fmt"
	"path"

	"github.com/supplyhub/supplyhub/connectors/drop"
)

// Put uploads data as name in the session's remote folder: STOR under a
// temporary name, then RNFR/RNTO over name, replacing a file of that name
// (re-delivery writes the same name and bytes). A Put that times out, is
// cancelled or loses the connection leaves the session unusable, since the
// control connection may be out of step; the caller dials a new one.
func (s *Session) Put(ctx context.Context, name string, data []byte) error {
	return s.PutIn(ctx, "", name, data)
}

// PutIn is Put into dir instead: a folder relative to the session's
// remote folder, or an absolute path; "" is the remote folder itself.
func (s *Session) PutIn(ctx context.Context, dir, name string, data []byte) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("ftp put %q: %w", name, err))
	}
	d, err := resolve(dir)
	if err != nil {
		return permanent(fmt.Errorf("ftp put %q: %w", path.Join(dir, name), err))
	}
	return s.do(ctx, "put "+path.Join(d, name), func() error { return s.put(d, name, data) })
}

// put does the upload; each step's error names the command and the file.
func (s *Session) put(dir, name string, data []byte) error {
	tmp := path.Join(dir, drop.TempName(name))
	final := path.Join(dir, name)
	if err := s.c.Stor(tmp, bytes.NewReader(data)); err != nil {
		s.removeTemp(tmp, err)
		return fmt.Errorf("stor %s: %w", tmp, err)
	}
	if err := s.checkStored(tmp, len(data)); err != nil {
		s.removeTemp(tmp, err)
		return err
	}
	if err := s.rename(tmp, final, true); err != nil {
		s.removeTemp(tmp, err)
		return err
	}
	return nil
}

// checkStored asks the server (SIZE) how much of the upload it holds. In
// FTP's stream mode the end of the data connection is the end of the file,
// so a connection cut mid-file looks to the server like a complete upload
// ("226 Transfer complete") while the client's last writes may still sit in
// socket buffers: without this check the truncated file would be renamed
// into place. A server without SIZE (a 5xx reply) cannot be checked.
func (s *Session) checkStored(tmp string, want int) error {
	got, err := s.c.FileSize(tmp)
	if err != nil {
		if code, ok := replyCode(err); ok && code >= 500 {
			return nil
		}
		return fmt.Errorf("size %s: %w", tmp, err)
	}
	if got != int64(want) {
		return fmt.Errorf("stor %s: the server holds %d of %d bytes: the transfer was cut short", tmp, got, want)
	}
	return nil
}

// rename moves from over to. Most servers replace an existing target;
// some refuse with a 5xx reply, and then the target is deleted first: a
// reader may briefly see no file, never a partial one. A 5xx reply may
// also be RNFR's, for a missing source; unless the caller knows the source
// is there (Put just stored it), SIZE tells the two apart first, so a
// missing source never costs the target.
func (s *Session) rename(from, to string, sourceThere bool) error {
	err := s.c.Rename(from, to)
	if err == nil {
		return nil
	}
	if code, ok := replyCode(err); !ok || code < 500 {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	if !sourceThere {
		if _, serr := s.c.FileSize(from); serr != nil {
			err = fmt.Errorf("rename %s to %s: %w", from, to, err)
			if isNotFound(serr) {
				return notFound(err)
			}
			return err // no SIZE, or the connection failed: replace nothing
		}
	}
	if derr := s.c.Delete(to); derr != nil {
		// Nothing to delete, or not deletable: the rename's reply is
		// the one that explains the failure.
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	if err := s.c.Rename(from, to); err != nil {
		return fmt.Errorf("rename %s to %s after deleting the old file: %w", from, to, err)
	}
	return nil
}

// removeTemp deletes a partly uploaded temporary file when the connection
// still answers. Otherwise the file is remembered (LeftTemps) for the drop
// channel to delete through its next session to the same server.
func (s *Session) removeTemp(tmp string, cause error) {
	if isNetErr(cause) {
		s.Leave(tmp)
		return
	}
	if err := s.c.Delete(tmp); err != nil && !isNotFound(err) {
		s.Leave(tmp)
	}
}

// RemoveTemps deletes temporary files an earlier session left behind; one
// already gone is not an error.
func (s *Session) RemoveTemps(ctx context.Context, paths []string) error {
	return s.do(ctx, "remove temporary files", func() error {
		for _, p := range paths {
			if err := s.c.Delete(p); err != nil && !isNotFound(err) {
				return fmt.Errorf("dele %s: %w", p, err)
			}
		}
		return nil
	})
}

package ftp

import (
	"github.com/supplyhub/supplyhub/connectors/drop"

	"bytes"
	"context"
	"fmt"
)

// Put uploads data as name in the session's remote folder: STOR under a
// temporary name, then RNFR/RNTO over name, replacing a file of that name
// (re-delivery writes the same name and bytes). A Put that times out, is
// cancelled or loses the connection leaves the session unusable, since the
// control connection may be out of step; the caller dials a new one.
func (s *Session) Put(ctx context.Context, name string, data []byte) error {
	if err := drop.CheckName(name); err != nil {
		return permanent(fmt.Errorf("ftp put %q: %w", name, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("ftp put %s: %w", name, errClosed)
	case s.broken != nil:
		return fmt.Errorf("ftp put %s: session unusable: %w", name, s.broken)
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	stop := context.AfterFunc(octx, s.sockets.abort)
	err := s.put(name, data)
	if !stop() {
		s.broken = fmt.Errorf("connection closed: %w", context.Cause(octx))
		if err != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(octx), err)
		}
	} else if err != nil && isNetErr(err) {
		s.broken = err
	}
	if err != nil {
		return fmt.Errorf("ftp put %s: %w", name, err)
	}
	return nil
}

// put does the upload; each step's error names the command and the file.
func (s *Session) put(name string, data []byte) error {
	tmp := drop.TempName(name)
	if err := s.c.Stor(tmp, bytes.NewReader(data)); err != nil {
		s.removeTemp(tmp, err)
		return fmt.Errorf("stor %s: %w", tmp, err)
	}
	if err := s.rename(tmp, name); err != nil {
		s.removeTemp(tmp, err)
		return err
	}
	return nil
}

// rename moves tmp over name. Most servers replace an existing name; some
// refuse with a 5xx reply, and then the old file is deleted first: a
// reader may briefly see no file, never a partial one.
func (s *Session) rename(tmp, name string) error {
	err := s.c.Rename(tmp, name)
	if err == nil {
		return nil
	}
	if code, ok := replyCode(err); !ok || code < 500 {
		return fmt.Errorf("rename %s to %s: %w", tmp, name, err)
	}
	if derr := s.c.Delete(name); derr != nil {
		// Nothing to delete, or not deletable: the rename's reply is
		// the one that explains the failure.
		return fmt.Errorf("rename %s to %s: %w", tmp, name, err)
	}
	if err := s.c.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename %s to %s after deleting the old file: %w", tmp, name, err)
	}
	return nil
}

// removeTemp deletes a partly uploaded temporary file when the connection
// still answers; otherwise a stray dot file stays behind, which "*"-style
// pickups ignore.
func (s *Session) removeTemp(tmp string, cause error) {
	if isNetErr(cause) {
		return
	}
	_ = s.c.Delete(tmp)
}

package email

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Maildir "sends" by delivering into a local maildir, the default when no
// mail server is configured: operators and tests read the messages in
// <Dir>/new/.
type Maildir struct {
	Dir string
}

var _ Transport = Maildir{}

// Send writes msg into <Dir>/new/ as the maildir spec requires: into tmp/
// first, then renamed, so readers never see half a message. The file name is
// derived from the Message-ID, so sending the same message again replaces
// the file instead of adding a second one. The envelope is recorded in
// Return-Path and Envelope-To fields prepended to msg.
func (m Maildir) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if err := m.send(ctx, from, to, msg); err != nil {
		return fmt.Errorf("maildir deliver to %s: %w", m.Dir, err)
	}
	return nil
}

func (m Maildir) send(ctx context.Context, from string, to []string, msg []byte) error {
	if m.Dir == "" {
		return permanent(errors.New("no directory"))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := maildirName(msg)
	if err != nil {
		return permanent(err)
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return permanent(fmt.Errorf("invalid envelope address %q", a))
		}
	}
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(m.Dir, sub), 0o700); err != nil {
			return err
		}
	}

	// The temporary name is unique so that concurrent sends of the same
	// message cannot write into each other's file; the last rename wins.
	f, err := os.CreateTemp(filepath.Join(m.Dir, "tmp"), name+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	var head bytes.Buffer
	fmt.Fprintf(&head, "Return-Path: <%s>\r\n", from)
	if len(to) > 0 {
		fmt.Fprintf(&head, "Envelope-To: %s\r\n", strings.Join(to, ", "))
	}
	_, err = f.Write(head.Bytes())
	if err == nil {
		_, err = f.Write(msg)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(m.Dir, "new", name)); err != nil {
		return err
	}
	return syncDir(filepath.Join(m.Dir, "new"))
}

// maildirName turns msg's Message-ID into a file name: the msg-id with
// anything unsafe in a file name replaced, then a hash of the whole msg-id so
// that two ids differing only in replaced characters stay apart.
func maildirName(msg []byte) (string, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil {
		return "", fmt.Errorf("read header: %w", err)
	}
	id := strings.TrimSpace(h.Get("Message-Id"))
	if id == "" {
		return "", errors.New("message has no Message-ID to name its file after")
	}
	sum := sha256.Sum256([]byte(id))
	safe := strings.Map(func(r rune) rune {
		if r < 0x80 && (isLiteral(byte(r)) || strings.ContainsRune("._=@+", r)) {
			return r
		}
		return '_'
	}, strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"))
	if len(safe) > 150 {
		safe = safe[:150]
	}
	// A leading dot would hide the file; ":" (the maildir info separator)
	// and "/" are already replaced.
	return strings.TrimLeft(safe, ".") + "." + hex.EncodeToString(sum[:8]), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

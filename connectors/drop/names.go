package drop

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
)

// maxNameLen leaves room for the temporary name's affixes within the
// common 255-byte file name limit.
const maxNameLen = 200

// CheckName refuses a remote file name that is not a single, plain path
// element. The caller already maps names through file.SafeName; this is
// the last line of defence against writing outside the configured folder.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("empty file name")
	case len(name) > maxNameLen:
		return errors.New("file name longer than 200 bytes")
	case strings.ContainsAny(name, "/\\\x00"):
		return errors.New("file name must not contain '/', '\\' or NUL")
	case strings.Contains(name, ".."):
		return errors.New("file name must not contain \"..\"")
	case name == ".":
		return errors.New("file name must not be \".\"")
	}
	return nil
}

// TempName is the name a file is uploaded under before the rename: a dot
// file (hidden from "*" globs) ending in .tmp (ignored by "*.csv"-style
// pickups), with a random part so two sessions never share one.
func TempName(name string) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "." + name + "." + hex.EncodeToString(b[:]) + ".tmp"
}

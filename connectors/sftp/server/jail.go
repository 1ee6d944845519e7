package server

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/pkg/sftp"
)

// The folders every account sees at its root. There are no others and no
// sub-folders: a supplier's tree is exactly these three flat folders.
const (
	// FolderOutbound holds orders waiting for the supplier to pick up.
	FolderOutbound = "outbound"
	// FolderInbound receives the supplier's uploads (status updates).
	FolderInbound = "inbound"
	// FolderArchive is the supplier's own shelf for files it has handled.
	FolderArchive = "archive"
	// FolderCatalog (/inbound/catalog) receives catalog feed files: the
	// one sub-folder, fixed like the others.
	FolderCatalog = "inbound/catalog"
)

// catalogSub is FolderCatalog's name inside /inbound.
const catalogSub = "catalog"

// rootFolders lists the folders of an account's root, in listing order.
func rootFolders() []string { return []string{FolderArchive, FolderInbound, FolderOutbound} }

// maxNameLen is the usual file system limit; longer names are refused
// rather than truncated.
const maxNameLen = 255

// loc is a place in an account's tree: the root (both empty), a folder
// (name empty) or a file in a folder. It never contains a supplier id:
// that comes from the authenticated session only.
type loc struct {
	folder string
	name   string
}

func (l loc) isRoot() bool   { return l.folder == "" }
func (l loc) isFolder() bool { return l.folder != "" && l.name == "" }
func (l loc) isFile() bool   { return l.name != "" }

func (l loc) String() string {
	switch {
	case l.isRoot():
		return "/"
	case l.isFolder():
		return "/" + l.folder
	}
	return "/" + l.folder + "/" + l.name
}

// parsePath maps a client path to a place in the jail. The path is
// cleaned as if rooted, so "..", "." and repeated slashes can never climb
// above the account root; backslashes and NULs are refused outright
// instead of being taken literally, because some clients and later tools
// treat them as separators.
func parsePath(p string) (loc, error) {
	if strings.ContainsAny(p, "\\\x00") {
		return loc{}, denied("invalid path %q: backslashes and NUL are not allowed", p)
	}
	c := path.Clean("/" + p)
	if c == "/" {
		return loc{}, nil
	}
	folder, name, _ := strings.Cut(c[1:], "/")
	if folder == FolderInbound && (name == catalogSub || strings.HasPrefix(name, catalogSub+"/")) {
		folder, name = FolderCatalog, strings.TrimPrefix(strings.TrimPrefix(name, catalogSub), "/")
	}
	if !isFolder(folder) {
		return loc{}, notFound(c)
	}
	if strings.Contains(name, "/") {
		return loc{}, notFound(c)
	}
	if name != "" {
		if err := checkName(name); err != nil {
			return loc{}, err
		}
	}
	return loc{folder: folder, name: name}, nil
}

func isFolder(s string) bool {
	switch s {
	case FolderOutbound, FolderInbound, FolderArchive, FolderCatalog:
		return true
	}
	return false
}

// checkName accepts a single file name that is safe to store and to hand
// to later processing: valid UTF-8, no separators or control characters,
// not "." or "..", at most 255 bytes.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return denied("invalid file name %q", name)
	case len(name) > maxNameLen:
		return denied("file name longer than %d bytes", maxNameLen)
	case !utf8.ValidString(name):
		return denied("file name %q is not valid UTF-8", name)
	case strings.ContainsAny(name, "/\\"):
		return denied("invalid file name %q: separators are not allowed", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return denied("invalid file name %q: control characters are not allowed", name)
		}
	}
	return nil
}

// isTempName reports whether name looks like an upload in progress that
// the client will rename when done (foo.tmp, foo.part, WinSCP's
// foo.filepart, .foo): such files do not fire OnInbound until renamed.
func isTempName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".tmp", ".temp", ".part", ".partial", ".filepart", ".upload":
		return true
	}
	return false
}

// statusError is an error whose text goes to the client as is, carrying
// the SFTP status code pkg/sftp sends with it.
type statusError struct {
	code error
	msg  string
}

func (e *statusError) Error() string { return e.msg }
func (e *statusError) Unwrap() error { return e.code }

func denied(format string, args ...any) error {
	return &statusError{code: sftp.ErrSSHFxPermissionDenied, msg: fmt.Sprintf(format, args...)}
}

func notFound(p string) error {
	return &statusError{code: sftp.ErrSSHFxNoSuchFile, msg: "no such file or folder: " + p}
}

func failure(format string, args ...any) error {
	return &statusError{code: sftp.ErrSSHFxFailure, msg: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) error {
	return &statusError{code: sftp.ErrSSHFxOpUnsupported, msg: fmt.Sprintf(format, args...)}
}

package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/pkg/sftp"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	ok := map[string]loc{
		"":                            {},
		"/":                           {},
		".":                           {},
		"..":                          {},
		"/../..":                      {},
		"/outbound":                   {folder: "outbound"},
		"outbound/":                   {folder: "outbound"},
		"//inbound//a.csv":            {folder: "inbound", name: "a.csv"},
		"/inbound/../archive/./x.csv": {folder: "archive", name: "x.csv"},
		"/../../archive/x.csv":        {folder: "archive", name: "x.csv"},
		"/inbound/ünïcode 1.csv":      {folder: "inbound", name: "ünïcode 1.csv"},
	}
	for p, want := range ok {
		got, err := parsePath(p)
		if err != nil || got != want {
			t.Errorf("parsePath(%q) = %+v, %v; want %+v", p, got, err, want)
		}
	}
	bad := map[string]error{
		"/etc/passwd":                          sftp.ErrSSHFxNoSuchFile,
		"/../../etc/passwd":                    sftp.ErrSSHFxNoSuchFile,
		"/inbound/sub/x.csv":                   sftp.ErrSSHFxNoSuchFile,
		"/Outbound/x.csv":                      sftp.ErrSSHFxNoSuchFile,
		`..\..\etc\passwd`:                     sftp.ErrSSHFxPermissionDenied,
		`/inbound/a\b.csv`:                     sftp.ErrSSHFxPermissionDenied,
		"/inbound/a\x00b":                      sftp.ErrSSHFxPermissionDenied,
		"/inbound/a\nb":                        sftp.ErrSSHFxPermissionDenied,
		"/inbound/a\x7fb":                      sftp.ErrSSHFxPermissionDenied,
		"/inbound/\xff\xfe.csv":                sftp.ErrSSHFxPermissionDenied,
		"/inbound/" + strings.Repeat("x", 256): sftp.ErrSSHFxPermissionDenied,
	}
	for p, code := range bad {
		if _, err := parsePath(p); !errors.Is(err, code) {
			t.Errorf("parsePath(%q): %v, want %v", p, err, code)
		}
	}
}

func TestIsTempName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"22-31.csv": false, "status.csv": false, "x.tmp.csv": false,
		"x.csv.tmp": true, "x.csv.TMP": true, "x.part": true, "x.filepart": true, ".x.csv": true, "x.upload": true,
	} {
		if got := isTempName(name); got != want {
			t.Errorf("isTempName(%q) = %v", name, got)
		}
	}
}

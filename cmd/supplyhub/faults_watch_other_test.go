//go:build !linux

package main

import "testing"

// outboxWatch needs inotify; elsewhere file writes are not watched.
type outboxWatch struct{}

func watchOutbox(t *testing.T, _ string) *outboxWatch {
	t.Log("file writes are not watched: inotify is Linux-only")
	return nil
}

func (w *outboxWatch) tally() (writes, dupSame, conflicts int, overflow bool) { return 0, 0, 0, false }

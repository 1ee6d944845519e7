//go:build linux

package main

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// outboxWatch records every file renamed into the outbox folders, with a
// hash of its content, through inotify. The file channel replaces a file
// by name, so only a watcher can tell that a name was written twice, and
// whether with the same bytes.
type outboxWatch struct {
	fd   int
	dirs map[int32]string // watch descriptor → supplier folder name
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	seen     map[string]map[[32]byte]int // sup/name → content hash → writes
	overflow bool
}

// watchOutbox starts watching dataDir/outbox/{31,40} (creating them).
func watchOutbox(t *testing.T, dataDir string) *outboxWatch {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	w := &outboxWatch{fd: fd, dirs: map[int32]string{}, stop: make(chan struct{}), done: make(chan struct{}),
		seen: map[string]map[[32]byte]int{}}
	for _, sup := range []string{"31", "40"} {
		dir := filepath.Join(dataDir, "outbox", sup)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		wd, err := unix.InotifyAddWatch(fd, dir, unix.IN_MOVED_TO)
		if err != nil {
			t.Fatalf("inotify watch %s: %v", dir, err)
		}
		w.dirs[int32(wd)] = dir
	}
	go w.run()
	t.Cleanup(func() {
		close(w.stop)
		<-w.done
		unix.Close(fd)
	})
	return w
}

func (w *outboxWatch) run() {
	defer close(w.done)
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(fds, 100); err != nil || n == 0 {
			continue
		}
		n, err := unix.Read(w.fd, buf)
		if err != nil || n <= 0 {
			continue
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := string(bytes.TrimRight(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)], "\x00"))
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
				w.mu.Lock()
				w.overflow = true
				w.mu.Unlock()
				continue
			}
			dir, ok := w.dirs[ev.Wd]
			if !ok || name == "" || strings.HasPrefix(name, ".tmp-") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue // replaced or removed since: its own event follows
			}
			key := filepath.Base(dir) + "/" + name
			sum := sha256.Sum256(data)
			w.mu.Lock()
			if w.seen[key] == nil {
				w.seen[key] = map[[32]byte]int{}
			}
			w.seen[key][sum]++
			w.mu.Unlock()
		}
	}
}

// tally returns files written, repeats with the same bytes, names written
// with different bytes, and whether events were lost (then the counts are
// low, never high).
func (w *outboxWatch) tally() (writes, dupSame, conflicts int, overflow bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, contents := range w.seen {
		for _, n := range contents {
			writes += n
			dupSame += n - 1
		}
		if len(contents) > 1 {
			conflicts++
		}
	}
	return writes, dupSame, conflicts, w.overflow
}

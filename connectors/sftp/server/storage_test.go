package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// eachStorageImpl runs fn on MemStorage and on DBStorage for each
// database kind, with a supplier id to use.
func eachStorageImpl(t *testing.T, fn func(t *testing.T, s Storage, sup int64)) {
	t.Run("mem", func(t *testing.T) { fn(t, NewMemStorage(), 1) })
	storetest.Each(t, func(t *testing.T, kind string) {
		st := storetest.Open(t, kind)
		sup := &domain.Supplier{Code: "31", Name: "Tools"}
		if err := st.UpsertSupplier(context.Background(), sup); err != nil {
			t.Fatal(err)
		}
		fn(t, NewDBStorage(st), sup.ID)
	})
}

func readFile(t *testing.T, s Storage, sup int64, folder, name string) []byte {
	t.Helper()
	f, err := s.Open(context.Background(), sup, folder, name)
	if err != nil {
		t.Fatalf("open %s/%s: %v", folder, name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatalf("read %s/%s: %v", folder, name, err)
	}
	return b
}

// TestStorageContract holds both implementations to the Storage docs.
func TestStorageContract(t *testing.T) {
	t.Parallel()
	eachStorageImpl(t, func(t *testing.T, s Storage, sup int64) {
		ctx := context.Background()
		putS := func(folder, name, data string) {
			t.Helper()
			if err := s.Put(ctx, sup, folder, name, strings.NewReader(data), int64(len(data))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Stat(ctx, sup, "inbound", "x"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stat missing: %v", err)
		}
		if _, err := s.Open(ctx, sup, "inbound", "x"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("open missing: %v", err)
		}
		putS("inbound", "b.csv", "bb")
		putS("inbound", "a.csv", "a")
		putS("inbound", "a.csv", "aaa")
		putS("archive", "empty", "")
		list, err := s.List(ctx, sup, "inbound")
		if err != nil || len(list) != 2 || list[0].Name != "a.csv" || list[0].Size != 3 || list[1].Name != "b.csv" {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list[0].ModTime.IsZero() {
			t.Error("no mod time")
		}
		if got := readFile(t, s, sup, "archive", "empty"); len(got) != 0 {
			t.Fatalf("empty file: %q", got)
		}
		if err := s.Rename(ctx, sup, "inbound", "a.csv", "inbound", "b.csv", false); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("rename onto existing: %v", err)
		}
		if err := s.Rename(ctx, sup, "inbound", "a.csv", "inbound", "b.csv", true); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, s, sup, "inbound", "b.csv"); string(got) != "aaa" {
			t.Fatalf("after overwrite: %q", got)
		}
		if err := s.Rename(ctx, sup, "inbound", "a.csv", "archive", "a.csv", true); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("rename missing: %v", err)
		}
		if err := s.Rename(ctx, sup, "inbound", "b.csv", "inbound", "b.csv", false); err != nil {
			t.Fatalf("rename onto itself: %v", err)
		}
		if err := s.Remove(ctx, sup, "inbound", "b.csv"); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(ctx, sup, "inbound", "b.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("remove twice: %v", err)
		}
		if list, _ := s.List(ctx, sup+1, "archive"); len(list) != 0 {
			t.Fatalf("another supplier sees %v", list)
		}
		// A short reader fails the put and stores nothing.
		if err := s.Put(ctx, sup, "inbound", "short", strings.NewReader("abc"), 10); err == nil {
			t.Fatal("short put succeeded")
		}
		if _, err := s.Stat(ctx, sup, "inbound", "short"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("short put left a file: %v", err)
		}
	})
}

// TestDBStorageDownloadDuringReplace: a small file is a snapshot; a large
// one being replaced mid-download fails with a message saying so rather
// than mixing old and new bytes.
func TestDBStorageDownloadDuringReplace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		sup := &domain.Supplier{Code: "31", Name: "Tools"}
		if err := st.UpsertSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		s := NewDBStorage(st)
		put := func(name string, data []byte) {
			if err := s.Put(ctx, sup.ID, "outbound", name, bytes.NewReader(data), int64(len(data))); err != nil {
				t.Fatal(err)
			}
		}
		put("small.csv", []byte("old"))
		small, err := s.Open(ctx, sup.ID, "outbound", "small.csv")
		if err != nil {
			t.Fatal(err)
		}
		put("small.csv", []byte("new!"))
		buf := make([]byte, 10)
		if n, _ := small.ReadAt(buf, 0); string(buf[:n]) != "old" {
			t.Fatalf("small snapshot read %q", buf[:n])
		}
		small.Close()

		big := bytes.Repeat([]byte("o"), 8*store.SFTPChunkSize)
		put("big.bin", big)
		f, err := s.Open(ctx, sup.ID, "outbound", "big.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.ReadAt(buf, 0); err != nil {
			t.Fatal(err)
		}
		put("big.bin", bytes.Repeat([]byte("n"), 8*store.SFTPChunkSize))
		_, err = f.ReadAt(buf, 7*store.SFTPChunkSize)
		if err == nil || !strings.Contains(err.Error(), "replaced or removed during the download") {
			t.Fatalf("read after replace: %v", err)
		}
	})
}

// TestChunkReaderConcurrent reads a multi-chunk file with many goroutines
// at scattered offsets, as pkg/sftp's workers do.
func TestChunkReaderConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t, store.KindSQLite)
	sup := &domain.Supplier{Code: "31", Name: "Tools"}
	if err := st.UpsertSupplier(ctx, sup); err != nil {
		t.Fatal(err)
	}
	s := NewDBStorage(st)
	data := make([]byte, 5*store.SFTPChunkSize+777)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := s.Put(ctx, sup.ID, "archive", "big", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(ctx, sup.ID, "archive", "big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wg sync.WaitGroup
	const piece = 32 << 10
	for w := range 8 {
		wg.Go(func() {
			buf := make([]byte, piece)
			for off := int64(w * piece); off < int64(len(data)); off += 8 * piece {
				n, err := f.ReadAt(buf, off)
				if err != nil && !errors.Is(err, io.EOF) {
					t.Errorf("read at %d: %v", off, err)
					return
				}
				if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
					t.Errorf("read at %d differs", off)
					return
				}
			}
		})
	}
	wg.Wait()
	if n, err := f.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read at end: %d %v", n, err)
	}
}

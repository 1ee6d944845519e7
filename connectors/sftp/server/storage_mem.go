package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"sync"
	"time"
)

// MemStorage keeps files in memory, for unit tests and trying the server
// out; everything is lost on exit.
type MemStorage struct {
	mu    sync.RWMutex
	files map[memKey]memFile
}

type memKey struct {
	supplierID   int64
	folder, name string
}

type memFile struct {
	data    []byte
	modTime time.Time
}

// NewMemStorage returns an empty in-memory storage.
func NewMemStorage() *MemStorage { return &MemStorage{files: map[memKey]memFile{}} }

// Stat describes one file.
func (m *MemStorage) Stat(_ context.Context, supplierID int64, folder, name string) (FileInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f, ok := m.files[memKey{supplierID, folder, name}]
	if !ok {
		return FileInfo{}, fmt.Errorf("stat %s/%s: %w", folder, name, fs.ErrNotExist)
	}
	return FileInfo{Name: name, Size: int64(len(f.data)), ModTime: f.modTime}, nil
}

// List describes a folder's files by name.
func (m *MemStorage) List(_ context.Context, supplierID int64, folder string) ([]FileInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []FileInfo
	for k, f := range m.files {
		if k.supplierID == supplierID && k.folder == folder {
			out = append(out, FileInfo{Name: k.name, Size: int64(len(f.data)), ModTime: f.modTime})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Open returns the file's content; stored slices are never changed in
// place, so the reader is a snapshot.
func (m *MemStorage) Open(_ context.Context, supplierID int64, folder, name string) (File, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f, ok := m.files[memKey{supplierID, folder, name}]
	if !ok {
		return nil, fmt.Errorf("open %s/%s: %w", folder, name, fs.ErrNotExist)
	}
	return nopCloser{bytes.NewReader(f.data)}, nil
}

// Put stores exactly size bytes from r, replacing any file of that name.
func (m *MemStorage) Put(ctx context.Context, supplierID int64, folder, name string, r io.Reader, size int64) error {
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return fmt.Errorf("put %s/%s: %w", folder, name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s/%s: %w", folder, name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[memKey{supplierID, folder, name}] = memFile{data: data, modTime: time.Now().UTC()}
	return nil
}

// Rename moves a file; an existing target is replaced only when overwrite
// is true.
func (m *MemStorage) Rename(_ context.Context, supplierID int64, fromFolder, fromName, toFolder, toName string, overwrite bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	from, to := memKey{supplierID, fromFolder, fromName}, memKey{supplierID, toFolder, toName}
	f, ok := m.files[from]
	if !ok {
		return fmt.Errorf("rename %s/%s: %w", fromFolder, fromName, fs.ErrNotExist)
	}
	if from == to {
		return nil
	}
	if _, exists := m.files[to]; exists && !overwrite {
		return fmt.Errorf("rename to %s/%s: %w", toFolder, toName, fs.ErrExist)
	}
	delete(m.files, from)
	m.files[to] = f
	return nil
}

// Remove deletes a file.
func (m *MemStorage) Remove(_ context.Context, supplierID int64, folder, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey{supplierID, folder, name}
	if _, ok := m.files[k]; !ok {
		return fmt.Errorf("remove %s/%s: %w", folder, name, fs.ErrNotExist)
	}
	delete(m.files, k)
	return nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

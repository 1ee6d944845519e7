package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Directory answers "which supplier is code X" for every order without a
// query each time. Its cache is per replica and expires after ttl, so a
// supplier added on another replica (or by the CLI) is seen within ttl.
type Directory struct {
	st  *store.Store
	ttl time.Duration

	mu      sync.Mutex
	loaded  time.Time
	byCode  map[string]*domain.Supplier
	refresh sync.Mutex
}

// NewDirectory caches suppliers for ttl.
func NewDirectory(st *store.Store, ttl time.Duration) *Directory {
	return &Directory{st: st, ttl: ttl}
}

// Suppliers returns every supplier by code, refreshed when stale.
func (d *Directory) Suppliers(ctx context.Context) (map[string]*domain.Supplier, error) {
	d.mu.Lock()
	m, fresh := d.byCode, time.Since(d.loaded) < d.ttl
	d.mu.Unlock()
	if fresh && m != nil {
		return m, nil
	}
	d.refresh.Lock()
	defer d.refresh.Unlock()
	d.mu.Lock()
	if d.byCode != nil && time.Since(d.loaded) < d.ttl {
		m = d.byCode
		d.mu.Unlock()
		return m, nil
	}
	d.mu.Unlock()
	list, err := d.st.ListSuppliers(ctx)
	if err != nil {
		return nil, err
	}
	m = make(map[string]*domain.Supplier, len(list))
	for _, s := range list {
		m[s.Code] = s
	}
	d.mu.Lock()
	d.byCode, d.loaded = m, time.Now()
	d.mu.Unlock()
	return m, nil
}

// errUnknownSupplier is returned when a supplier vanished between lookups.
var errUnknownSupplier = errors.New("unknown supplier")

package store

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		name              string
		err               error
		unavailable, full bool
	}{
		{"nil", nil, false, false},
		{"plain", errors.New("boom"), false, false},
		{"refused", fmt.Errorf("ingest: %w", syscall.ECONNREFUSED), true, false},
		{"admin shutdown", fmt.Errorf("commit: %w", &pgconn.PgError{Code: "57P01"}), true, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false, false},
		{"pg disk full", fmt.Errorf("insert: %w", &pgconn.PgError{Code: "53100"}), false, true},
		{"ENOSPC", fmt.Errorf("write: %w", syscall.ENOSPC), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsUnavailable(tc.err); got != tc.unavailable {
				t.Errorf("IsUnavailable(%v) = %v", tc.err, got)
			}
			if got := IsFull(tc.err); got != tc.full {
				t.Errorf("IsFull(%v) = %v", tc.err, got)
			}
		})
	}
}

func TestStorageFullClearsOnCommitOrWindow(t *testing.T) {
	var s Store
	if err := s.StorageFull(time.Minute); err != nil {
		t.Fatalf("fresh store: %v", err)
	}
	s.noteFull(fmt.Errorf("commit: %w", syscall.ENOSPC))
	if err := s.StorageFull(time.Minute); !errors.Is(err, ErrStorageFull) {
		t.Fatalf("after a full-disk failure: %v", err)
	}
	if err := s.StorageFull(0); err != nil {
		t.Fatalf("outside the window: %v", err)
	}
	s.wrote.Store(time.Now().Add(time.Millisecond).UnixNano())
	if err := s.StorageFull(time.Minute); err != nil {
		t.Fatalf("after a commit: %v", err)
	}
}

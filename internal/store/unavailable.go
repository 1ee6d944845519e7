package store

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable reports whether err means the database cannot be reached
// or is shutting down or starting up: the request may succeed if retried
// later, and nothing was stored.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-57P03: admin or crash shutdown,
		// cannot connect now (starting up or shutting down).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// A connection that died under a query, or was never used.
	return pgconn.SafeToRetry(err) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "conn closed")
}

// IsFull reports whether err means the database's disk is full.
func IsFull(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "53100" || pe.Code == "53200") { // disk_full, out_of_memory
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

func (s *Store) noteFull(err error) {
	if IsFull(err) {
		s.full.Store(time.Now().UnixNano())
	}
}

// ErrStorageFull is returned by StorageFull.
var ErrStorageFull = errors.New("a write failed recently because the database's disk is full")

// StorageFull returns ErrStorageFull when a transaction failed on a full
// disk within window and none has committed since; nil otherwise. Space
// freed shows at the next successful commit, or once window has passed.
func (s *Store) StorageFull(window time.Duration) error {
	full := s.full.Load()
	if full == 0 || full < s.wrote.Load() || time.Since(time.Unix(0, full)) > window {
		return nil
	}
	return ErrStorageFull
}

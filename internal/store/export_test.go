package store

import "context"

// WriteStatements counts the statements run so far on a SQLite store's
// write connection (0 on PostgreSQL), for tests that hold a path to its
// statement budget.
func WriteStatements(s *Store) int64 {
	if d, ok := s.d.(*sqliteDriver); ok {
		return d.writeConns.runs.Load()
	}
	return 0
}

// ExecLater is execLater, for tests.
func ExecLater(ctx context.Context, tx Tx, q string, args ...any) error {
	return execLater(ctx, tx, q, args...)
}

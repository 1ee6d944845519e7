package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeTx is a PostgreSQL transaction whose BEGIN, and the statements
// queued with ExecLater, travel with the next statement that needs an
// answer (or with COMMIT) in one pipelined round trip. Every round trip is
// a write and a read on both sides and a wake-up of the backend; in a
// burst the daemon spent about a fifth of its CPU in those syscalls, with
// BEGIN and the order-status updates of attempt records a third of the
// round trips. A transaction that sent nothing commits without a round
// trip. A queued statement's error is returned by the call that sends it
// (a later statement, or Commit), which then fails the transaction as the
// statement itself would have.
type pipeTx struct {
	conn *pgxpool.Conn
	// trips counts the round trips of the driver's transactions.
	trips   *atomic.Int64
	begun   bool // BEGIN has been sent
	pending []queuedStmt
	closed  bool
}

type queuedStmt struct {
	sql  string
	args []any
}

// beginPipe takes a connection for a transaction; BEGIN goes with its
// first statement.
func beginPipe(ctx context.Context, pool *pgxpool.Pool, trips *atomic.Int64) (*pipeTx, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &pipeTx{conn: c, trips: trips}, nil
}

// errTxClosed is returned by statements on a committed or rolled back
// transaction.
var errTxClosed = errors.New("transaction already closed")

// send sends BEGIN (once), the queued statements and then q (if not empty)
// in one pipeline. It returns the results positioned at q's; the caller
// reads q's result and closes them. With nothing to send before q it
// returns nil, and the caller runs q on the connection directly.
func (t *pipeTx) send(ctx context.Context, q string, args []any) (pgx.BatchResults, error) {
	if t.closed {
		return nil, errTxClosed
	}
	t.trips.Add(1)
	if t.begun && len(t.pending) == 0 {
		return nil, nil
	}
	if q == "" {
		return t.pipeline(ctx, nil)
	}
	return t.pipeline(ctx, []queuedStmt{{sql: q, args: args}})
}

// pipeline sends BEGIN (once), the queued statements and stmts in one
// batch, and reads the results of all but stmts: the first error among
// them is returned (the batch closed), else the results positioned at
// stmts' first.
func (t *pipeTx) pipeline(ctx context.Context, stmts []queuedStmt) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	ahead := len(t.pending)
	if !t.begun {
		b.Queue("begin")
		ahead++
	}
	for _, p := range t.pending {
		b.Queue(p.sql, p.args...)
	}
	for _, q := range stmts {
		b.Queue(q.sql, q.args...)
	}
	t.pending = t.pending[:0]
	t.begun = true
	br := t.conn.SendBatch(ctx, b)
	for range ahead {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	return br, nil
}

// ExecLater queues q to be sent with the transaction's next statement or
// its commit. Only a statement whose result nothing needs may wait: its
// error, if any, comes back from that later call. args must not change
// until then.
func (t *pipeTx) ExecLater(q string, args ...any) {
	t.pending = append(t.pending, queuedStmt{sql: q, args: args})
}

func (t *pipeTx) exec(ctx context.Context, q string, args []any) (pgconn.CommandTag, error) {
	br, err := t.send(ctx, q, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if br == nil {
		return t.conn.Exec(ctx, q, args...)
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *pipeTx) query(ctx context.Context, q string, args []any) (pgx.Rows, error) {
	br, err := t.send(ctx, q, args)
	if err != nil {
		return nil, err
	}
	if br == nil {
		return t.conn.Query(ctx, q, args...)
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *pipeTx) queryRow(ctx context.Context, q string, args []any) pgx.Row {
	br, err := t.send(ctx, q, args)
	if err != nil {
		return errRow{err}
	}
	if br == nil {
		return t.conn.QueryRow(ctx, q, args...)
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// queryRows sends qs, each returning one row, in one pipeline after BEGIN
// and what is queued, and gives scan each one's row in order.
func (t *pipeTx) queryRows(ctx context.Context, qs []queuedStmt, scan func(i int, row Row) error) error {
	if t.closed {
		return errTxClosed
	}
	t.trips.Add(1)
	br, err := t.pipeline(ctx, qs)
	if err != nil {
		return err
	}
	for i := 0; err == nil && i < len(qs); i++ {
		err = scan(i, pgRow{br.QueryRow()})
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit sends what is still queued and COMMIT in one round trip.
func (t *pipeTx) Commit(ctx context.Context) error {
	if t.closed {
		return errTxClosed
	}
	if !t.begun && len(t.pending) == 0 {
		t.close()
		return nil
	}
	tag, err := t.exec(ctx, "commit", nil)
	if err != nil {
		// A queued statement failed (the transaction is aborted) or the
		// connection broke: end it either way.
		_ = t.Rollback(ctx)
		return err
	}
	t.close()
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback ends the transaction; one that sent nothing needs no round trip.
func (t *pipeTx) Rollback(ctx context.Context) error {
	if t.closed {
		return errTxClosed
	}
	var err error
	if t.begun {
		t.trips.Add(1)
		_, err = t.conn.Exec(ctx, "rollback")
	}
	t.close()
	return err
}

// close gives the connection back; the pool drops it if a transaction is
// still open on it (a failed rollback).
func (t *pipeTx) close() {
	t.closed = true
	t.pending = nil
	t.conn.Release()
}

func (t *pipeTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.exec(ctx, q, args)
	return tag.RowsAffected(), err
}

func (t *pipeTx) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := t.query(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (t *pipeTx) QueryRow(ctx context.Context, q string, args ...any) Row {
	return pgRow{t.queryRow(ctx, q, args)}
}

// Native is the transaction as a pgx.Tx, for River.
func (t *pipeTx) Native() any { return pipeNative{t} }

// batchRows are the rows of a pipeline's last statement; closing them
// reads the pipeline's end.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	if r.br == nil {
		return
	}
	r.Rows.Close()
	r.err = r.br.Close()
	r.br = nil
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

// batchRow is the row of a pipeline's last statement.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// execLater queues q in tx to go with its next statement when tx can
// (pipeTx), and runs it now otherwise. Only for statements whose result
// nothing reads.
func execLater(ctx context.Context, tx Tx, q string, args ...any) error {
	if p, ok := tx.(*pipeTx); ok {
		p.ExecLater(q, args...)
		return nil
	}
	_, err := tx.Exec(ctx, q, args...)
	return err
}

// flush sends what is queued (BEGIN included) and waits for it.
func (t *pipeTx) flush(ctx context.Context) error {
	br, err := t.send(ctx, "", nil)
	if err != nil || br == nil {
		return err
	}
	return br.Close()
}

// pipeNative is a pipeTx as pgx.Tx: River's statements go through the
// same pipeline (its first carries BEGIN and whatever is queued).
type pipeNative struct{ t *pipeTx }

// Begin starts a savepoint.
func (n pipeNative) Begin(ctx context.Context) (pgx.Tx, error) {
	return beginSavepoint(ctx, n, 1)
}

func (n pipeNative) Commit(ctx context.Context) error   { return n.t.Commit(ctx) }
func (n pipeNative) Rollback(ctx context.Context) error { return n.t.Rollback(ctx) }

func (n pipeNative) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := n.t.flush(ctx); err != nil {
		return 0, err
	}
	return n.t.conn.CopyFrom(ctx, table, cols, src)
}

func (n pipeNative) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := n.t.flush(ctx); err != nil {
		return errBatch{err}
	}
	return n.t.conn.SendBatch(ctx, b)
}

func (n pipeNative) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (n pipeNative) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return n.t.conn.Conn().Prepare(ctx, name, sql)
}

func (n pipeNative) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return n.t.exec(ctx, sql, args)
}

func (n pipeNative) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return n.t.query(ctx, sql, args)
}

func (n pipeNative) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return n.t.queryRow(ctx, sql, args)
}

func (n pipeNative) Conn() *pgx.Conn { return n.t.conn.Conn() }

// pipeSavepoint is a nested pgx.Tx of a pipeTx: a savepoint.
type pipeSavepoint struct {
	pipeNative
	depth  int
	closed bool
}

func beginSavepoint(ctx context.Context, n pipeNative, depth int) (*pipeSavepoint, error) {
	if _, err := n.t.exec(ctx, fmt.Sprintf("savepoint sp_%d", depth), nil); err != nil {
		return nil, err
	}
	return &pipeSavepoint{pipeNative: n, depth: depth}, nil
}

func (s *pipeSavepoint) Begin(ctx context.Context) (pgx.Tx, error) {
	return beginSavepoint(ctx, s.pipeNative, s.depth+1)
}

func (s *pipeSavepoint) Commit(ctx context.Context) error {
	if s.closed {
		return pgx.ErrTxClosed
	}
	s.closed = true
	_, err := s.t.exec(ctx, fmt.Sprintf("release savepoint sp_%d", s.depth), nil)
	return err
}

func (s *pipeSavepoint) Rollback(ctx context.Context) error {
	if s.closed {
		return pgx.ErrTxClosed
	}
	s.closed = true
	_, err := s.t.exec(ctx, fmt.Sprintf("rollback to savepoint sp_%d", s.depth), nil)
	return err
}

// errBatch is a batch that could not be sent.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow{b.err} }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }

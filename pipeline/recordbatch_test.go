package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRecordBatcher: records queued while one commits share the next
// transaction; each caller returns only once its own record committed; a
// failing record fails alone, the others of its batch commit.
func TestRecordBatcher(t *testing.T) {
	cases := []struct {
		name    string
		n, fail int // fail: the record that fails (-1: none)
		wantTxs int // transactions that ran records without error
	}{
		{"all commit, two transactions", 20, -1, 2},
		// The first alone, the batch of 19 that fails, then its 18 other
		// records again one by one.
		{"one fails alone", 20, 7, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, "sqlite")
			if _, err := st.DB().Exec(ctx, `CREATE TABLE batch_test (x INTEGER NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			b := newRecordBatcher(st, 64, 1)
			var (
				mu      sync.Mutex
				txs     = map[store.Tx]bool{}
				release = make(chan struct{})
				errFail = errors.New("injected")
			)
			record := func(i int) func(context.Context, store.Tx) error {
				return func(ctx context.Context, tx store.Tx) error {
					if i == 0 {
						<-release // hold the first transaction while the rest queue
					}
					if _, err := tx.Exec(ctx, `INSERT INTO batch_test (x) VALUES ($1)`, i); err != nil {
						return err
					}
					if i == tc.fail {
						return fmt.Errorf("record %d: %w", i, errFail)
					}
					mu.Lock()
					txs[tx] = true
					mu.Unlock()
					return nil
				}
			}
			errs := make([]error, tc.n)
			var wg sync.WaitGroup
			run := func(i int) {
				defer wg.Done()
				errs[i] = b.run(ctx, int64(i), record(i))
			}
			wg.Add(tc.n)
			go run(0)
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.leaders == 1 })
			for i := 1; i < tc.n; i++ {
				go run(i)
			}
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == tc.n-1 })
			close(release)
			wg.Wait()
			for i, err := range errs {
				if i == tc.fail {
					if !errors.Is(err, errFail) {
						t.Errorf("record %d: %v, want the injected error", i, err)
					}
				} else if err != nil {
					t.Errorf("record %d: %v", i, err)
				}
			}
			var rows int
			if err := st.DB().QueryRow(ctx, `SELECT count(*) FROM batch_test`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			want := tc.n
			if tc.fail >= 0 {
				want--
			}
			if rows != want {
				t.Errorf("%d rows committed, want %d", rows, want)
			}
			if len(txs) != tc.wantTxs {
				t.Errorf("%d transactions, want %d", len(txs), tc.wantTxs)
			}
			if b.leaders != 0 || len(b.pending) != 0 {
				t.Errorf("batcher left %d leading with %d pending", b.leaders, len(b.pending))
			}
		})
	}
}

// TestRecordBatcherLanes: on PostgreSQL two batches commit at once (the
// second does not wait for the first), and a batch runs its records in
// key order (so concurrent batches lock orders in one order).
func TestRecordBatcherLanes(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	b := newRecordBatcher(st, 64, 2)
	type ran struct {
		tx  store.Tx
		key int64
	}
	var (
		mu  sync.Mutex
		log []ran
	)
	record := func(key int64, hold chan struct{}) func(context.Context, store.Tx) error {
		return func(ctx context.Context, tx store.Tx) error {
			if hold != nil {
				<-hold
			}
			if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
				return err
			}
			mu.Lock()
			log = append(log, ran{tx, key})
			mu.Unlock()
			return nil
		}
	}
	var wg sync.WaitGroup
	run := func(key int64, hold chan struct{}, done chan struct{}) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.run(ctx, key, record(key, hold)); err != nil {
				t.Error(err)
			}
			if done != nil {
				close(done)
			}
		}()
	}
	leaders := func(n int) func() bool {
		return func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.leaders == n }
	}
	hold0, hold1, done1 := make(chan struct{}), make(chan struct{}), make(chan struct{})
	run(100, hold0, nil)
	waitFor(t, leaders(1))
	run(50, hold1, done1)
	waitFor(t, leaders(2))
	for k := int64(9); k >= 2; k-- {
		run(k, nil, nil)
	}
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == 8 })
	close(hold1)
	select {
	case <-done1:
	case <-time.After(10 * time.Second):
		t.Fatal("the second batch waited for the first")
	}
	close(hold0)
	wg.Wait()
	if len(log) != 10 {
		t.Fatalf("%d records ran, want 10", len(log))
	}
	var keys []int64
	for _, r := range log {
		if r.key < 10 {
			if r.tx != log[len(log)-1].tx {
				t.Errorf("record %d not in the batch of the other waiting ones", r.key)
			}
			keys = append(keys, r.key)
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("batch ran keys %v, want them in order", keys)
	}
	if b.leaders != 0 || len(b.pending) != 0 {
		t.Errorf("batcher left %d leading with %d pending", b.leaders, len(b.pending))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

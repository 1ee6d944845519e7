package pipeline

import (
	"context"
	"errors"
	"fmt"
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
			record := func(i int) func(context.Context, store.Tx, int64) error {
				return func(ctx context.Context, tx store.Tx, _ int64) error {
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
				errs[i] = b.run(ctx, int64(i), nil, record(i))
			}
			wg.Add(tc.n)
			go run(0)
			waitFor(t, func() bool { l := b.lanes[0]; l.mu.Lock(); defer l.mu.Unlock(); return l.leading })
			for i := 1; i < tc.n; i++ {
				go run(i)
			}
			waitFor(t, func() bool { l := b.lanes[0]; l.mu.Lock(); defer l.mu.Unlock(); return len(l.pending) == tc.n-1 })
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
			if l := b.lanes[0]; l.leading || len(l.pending) != 0 {
				t.Errorf("batcher left leading=%v with %d pending", l.leading, len(l.pending))
			}
		})
	}
}

// TestRecordBatcherLanes: records of different lanes commit at once (the
// second lane's batch does not wait for the first's), records of one key
// share a lane.
func TestRecordBatcherLanes(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	b := newRecordBatcher(st, 64, 2)
	var (
		mu  sync.Mutex
		txs = map[int64]store.Tx{}
	)
	record := func(key int64, hold chan struct{}) func(context.Context, store.Tx, int64) error {
		return func(ctx context.Context, tx store.Tx, _ int64) error {
			if hold != nil {
				<-hold
			}
			if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
				return err
			}
			mu.Lock()
			txs[key] = tx
			mu.Unlock()
			return nil
		}
	}
	var wg sync.WaitGroup
	run := func(key int64, hold chan struct{}, done chan struct{}) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.run(ctx, key, nil, record(key, hold)); err != nil {
				t.Error(err)
			}
			if done != nil {
				close(done)
			}
		}()
	}
	leading := func(lane int) func() bool {
		return func() bool { l := b.lanes[lane]; l.mu.Lock(); defer l.mu.Unlock(); return l.leading }
	}
	hold0, hold1, done1 := make(chan struct{}), make(chan struct{}), make(chan struct{})
	release := func(c chan struct{}) {
		select {
		case <-c:
		default:
			close(c)
		}
	}
	// On a failure, let the held records finish before the store closes.
	t.Cleanup(func() { release(hold0); release(hold1); wg.Wait() })
	run(100, hold0, nil) // lane 0, held
	waitFor(t, leading(0))
	run(51, hold1, done1) // lane 1: commits while lane 0 holds its batch
	waitFor(t, leading(1))
	run(102, nil, nil) // lane 0: waits for the next batch of its lane
	run(104, nil, nil)
	waitFor(t, func() bool { l := b.lanes[0]; l.mu.Lock(); defer l.mu.Unlock(); return len(l.pending) == 2 })
	release(hold1)
	select {
	case <-done1:
	case <-time.After(10 * time.Second):
		t.Fatal("the second lane waited for the first")
	}
	release(hold0)
	wg.Wait()
	if len(txs) != 4 || txs[102] != txs[104] || txs[102] == txs[100] || txs[51] == txs[100] {
		t.Errorf("transactions %v: want 100, 51 and 102+104 apart", txs)
	}
	for i, l := range b.lanes {
		if l.leading || len(l.pending) != 0 {
			t.Errorf("lane %d left leading=%v with %d pending", i, l.leading, len(l.pending))
		}
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

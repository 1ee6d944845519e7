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
			b := newRecordBatcher(st, 64)
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
				errs[i] = b.run(ctx, record(i))
			}
			wg.Add(tc.n)
			go run(0)
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.leading })
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
			if b.leading || len(b.pending) != 0 {
				t.Errorf("batcher left leading=%v with %d pending", b.leading, len(b.pending))
			}
		})
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

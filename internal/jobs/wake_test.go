package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

type wakeArgs struct {
	N int `json:"n"`
}

func (wakeArgs) Kind() string { return "wake_test" }

type wakeWorker struct {
	river.WorkerDefaults[wakeArgs]
	mu     sync.Mutex
	worked map[int]time.Time
}

func (w *wakeWorker) Work(ctx context.Context, job *river.Job[wakeArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.worked[job.Args.N] = time.Now()
	return nil
}

// TestInsertWakesWorker: a committed job is worked at once, not at River's
// next fetch poll (made 5 s here, so that only a notification can wake a
// worker in time), on both databases.
//
// The pairs: River sends at most one insert notification per
// FetchCooldown, decided when the job is inserted, not when it commits: a
// second transaction's notification was skipped, the fetch woken by the
// first ran before the second committed, and its job waited for the poll.
// On SQLite notifications go through the in-process hub (River's own
// polled river_notification table took up to 50 ms), including those of
// River's own transactions (Insert).
func TestInsertWakesWorker(t *testing.T) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		t.Run(kind, func(t *testing.T) {
			if kind == store.KindPostgres {
				storetest.SkipWithoutPostgres(t)
			}
			testInsertWakesWorker(t, kind)
		})
	}
}

func testInsertWakesWorker(t *testing.T, kind string) {
	ctx := context.Background()
	st := storetest.Open(t, kind)
	w := &wakeWorker{worked: map[int]time.Time{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	q, err := jobs.New(st, jobs.Config{Workers: workers, MaxWorkers: 10, JobTimeout: time.Minute, RescueAfter: time.Hour,
		FetchPoll: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(ctx) })
	time.Sleep(200 * time.Millisecond) // the listener is up

	insert := func(n int, beforeCommit time.Duration) time.Time {
		t.Helper()
		err := st.InTx(ctx, func(tx store.Tx) error {
			if err := q.InsertTx(ctx, tx, []river.InsertManyParams{{Args: wakeArgs{N: n}}}); err != nil {
				return err
			}
			time.Sleep(beforeCommit)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	const pairs = 8
	committed := map[int]time.Time{}
	for i := range pairs {
		// The first wakes the workers as soon as it commits; the second,
		// inserted within FetchCooldown of it, commits a little later.
		committed[2*i] = insert(2*i, 0)
		committed[2*i+1] = insert(2*i+1, 5*time.Millisecond)
		time.Sleep(400 * time.Millisecond)
	}
	// And one inserted in River's own transaction.
	if err := q.Insert(ctx, []river.InsertManyParams{{Args: wakeArgs{N: 2 * pairs}}}); err != nil {
		t.Fatal(err)
	}
	committed[2*pairs] = time.Now()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		n := len(w.worked)
		w.mu.Unlock()
		if n == len(committed) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var late int
	var worst time.Duration
	for n, at := range committed {
		got, ok := w.worked[n]
		if !ok {
			t.Fatalf("job %d never worked", n)
		}
		wait := got.Sub(at)
		worst = max(worst, wait)
		if wait > 250*time.Millisecond {
			late++
		}
	}
	if late > 0 {
		t.Fatalf("%d of %d jobs waited over 250 ms after their commit (worst %v): a wake-up was lost", late, len(committed), worst)
	}
	t.Logf("worst wait after commit: %v", worst)
}

// TestInsertTxRoundTrips: on PostgreSQL a transaction that inserts a job is
// two round trips: BEGIN with River's insert, then the insert notification
// with COMMIT (River's own notification is held back and goes with the
// commit, where a notification takes effect anyway).
func TestInsertTxRoundTrips(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	q, err := jobs.New(st, jobs.Config{JobTimeout: time.Minute, RescueAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		// The first insert also asks the server's version (River, once),
		// and is the one River wants to notify of (at most one per
		// FetchCooldown).
		want := int64(2)
		if n == 0 {
			want = 3
		}
		before := st.TxRoundTrips()
		err := st.InTx(ctx, func(tx store.Tx) error {
			return q.InsertTx(ctx, tx, []river.InsertManyParams{{Args: wakeArgs{N: n}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.TxRoundTrips() - before; got != want {
			t.Errorf("insert %d: %d round trips, want %d", n, got, want)
		}
	}
}

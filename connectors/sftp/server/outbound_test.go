package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeBatches records the commits a groupPutter makes. single blocks on
// gate (when set) so a test can queue puts behind a commit under way.
type fakeBatches struct {
	gate    chan struct{}
	entered chan struct{} // gets a value when single starts waiting on gate
	bad     string        // a file name every commit containing it fails on

	mu      sync.Mutex
	batches []int // files per PutBatch
	singles int
	stored  map[string]string
}

func (f *fakeBatches) PutBatch(_ context.Context, files []BatchFile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, len(files))
	for _, bf := range files {
		if bf.Name == f.bad {
			return fmt.Errorf("cannot store %s", bf.Name)
		}
	}
	for _, bf := range files {
		f.stored[bf.Name] = string(bf.Data)
	}
	return nil
}

func (f *fakeBatches) single(_ context.Context, bf BatchFile) error {
	if f.gate != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.singles++
	if bf.Name == f.bad {
		return fmt.Errorf("cannot store %s", bf.Name)
	}
	f.stored[bf.Name] = string(bf.Data)
	return nil
}

// waitQueued polls until n puts wait behind the commit under way.
func waitQueued(t *testing.T, g *groupPutter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		q := len(g.queue)
		g.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d puts queued after 10 s, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupPutterGroupsConcurrentDrops(t *testing.T) {
	t.Parallel()
	f := &fakeBatches{gate: make(chan struct{}), entered: make(chan struct{}, 1), stored: map[string]string{}}
	g := &groupPutter{bp: f, single: f.single}
	ctx := context.Background()
	const n = 100 // more than one batch of maxBatchFiles
	errs := make(chan error, n+1)
	go func() {
		errs <- g.put(ctx, BatchFile{SupplierID: 1, Folder: FolderOutbound, Name: "first.csv", Data: []byte("1")})
	}()
	<-f.entered // the first is committing alone, blocked on the gate
	for i := range n {
		go func() {
			errs <- g.put(ctx, BatchFile{SupplierID: 1, Folder: FolderOutbound, Name: fmt.Sprintf("%d.csv", i), Data: []byte(fmt.Sprint(i))})
		}()
	}
	waitQueued(t, g, n)
	close(f.gate)
	for range n + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.stored) != n+1 || f.stored["first.csv"] != "1" || f.stored["99.csv"] != "99" {
		t.Fatalf("stored %d files: %v", len(f.stored), f.stored)
	}
	// The first alone, then the 100 queued behind it in batches of 64 and 36.
	if f.singles != 1 || len(f.batches) != 2 || f.batches[0] != maxBatchFiles || f.batches[1] != n-maxBatchFiles {
		t.Fatalf("singles %d, batches %v; want 1 and [%d %d]", f.singles, f.batches, maxBatchFiles, n-maxBatchFiles)
	}
	if g.busy || len(g.queue) != 0 {
		t.Fatalf("after the last commit: busy %v, %d queued", g.busy, len(g.queue))
	}
}

func TestGroupPutterFailedBatch(t *testing.T) {
	t.Parallel()
	f := &fakeBatches{gate: make(chan struct{}), entered: make(chan struct{}, 1), bad: "bad.csv", stored: map[string]string{}}
	g := &groupPutter{bp: f, single: f.single}
	ctx := context.Background()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, 5)
	put := func(ctx context.Context, name string) {
		results <- result{name, g.put(ctx, BatchFile{SupplierID: 1, Folder: FolderOutbound, Name: name, Data: []byte(name)})}
	}
	go put(ctx, "first.csv")
	<-f.entered
	go put(ctx, "a.csv")
	go put(ctx, "bad.csv")
	go put(ctx, "b.csv")
	go put(gone, "gone.csv") // its caller left before its batch began
	waitQueued(t, g, 4)
	close(f.gate)
	got := map[string]error{}
	for range 5 {
		r := <-results
		got[r.name] = r.err
	}
	for _, name := range []string{"first.csv", "a.csv", "b.csv"} {
		if got[name] != nil || f.stored[name] != name {
			t.Errorf("%s: err %v, stored %q", name, got[name], f.stored[name])
		}
	}
	if got["bad.csv"] == nil || f.stored["bad.csv"] != "" {
		t.Errorf("bad.csv: err %v, stored %q; want its own error", got["bad.csv"], f.stored["bad.csv"])
	}
	if !errors.Is(got["gone.csv"], context.Canceled) || f.stored["gone.csv"] != "" {
		t.Errorf("gone.csv: err %v, stored %q; want context.Canceled", got["gone.csv"], f.stored["gone.csv"])
	}
	// The batch of three failed on bad.csv, then each was stored alone.
	if len(f.batches) != 1 || f.batches[0] != 3 || f.singles != 4 {
		t.Errorf("batches %v, singles %d; want [3] and 4", f.batches, f.singles)
	}
}

// TestPutOutboundConcurrent drops files from many goroutines at once
// through the real storages: each is there afterwards, whole, and a name
// dropped twice holds one of the two contents.
func TestPutOutboundConcurrent(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, quiet)
		ctx := context.Background()
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				sup := e.a
				if i%2 == 1 {
					sup = e.b
				}
				errs <- e.srv.PutOutbound(ctx, sup, fmt.Sprintf("%d.csv", i%(n-10)), []byte(fmt.Sprintf("order %d\n", i)))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range n - 10 {
			sup := e.a
			if i%2 == 1 {
				sup = e.b
			}
			got := string(readFile(t, e.storage, sup, FolderOutbound, fmt.Sprintf("%d.csv", i)))
			want, again := fmt.Sprintf("order %d\n", i), fmt.Sprintf("order %d\n", i+n-10)
			if got != want && !(i < 10 && got == again) {
				t.Errorf("%d.csv of supplier %d: %q", i, sup, got)
			}
		}
		for _, sup := range []int64{e.a, e.b} {
			list, err := e.storage.List(ctx, sup, FolderOutbound)
			if err != nil || len(list) != (n-10)/2 {
				t.Errorf("supplier %d: %d files, %v; want %d", sup, len(list), err, (n-10)/2)
			}
		}
	})
}

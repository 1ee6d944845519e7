package pipeline

import (
	"sync"
	"testing"
	"time"
)

// TestRunnersReuse: work handed over one piece at a time runs on the
// runner that finished the last piece, not on a new goroutine each time.
func TestRunnersReuse(t *testing.T) {
	r := newRunners(time.Minute)
	const n = 200
	for i := range n {
		done := make(chan struct{})
		r.goRun(func() { close(done) })
		<-done
		if i%10 == 0 {
			// Let the runner get back to waiting for work.
			time.Sleep(time.Millisecond)
		}
	}
	if got := r.started.Load(); got > n/4 {
		t.Fatalf("%d runners started for %d pieces of work one after another, want a few", got, n)
	}
}

// TestRunnersConcurrent: pieces that run at once each get a runner, all
// run, and every runner exits once idle.
func TestRunnersConcurrent(t *testing.T) {
	r := newRunners(20 * time.Millisecond)
	const n = 50
	var wg sync.WaitGroup
	release := make(chan struct{})
	ran := make([]bool, n)
	wg.Add(n)
	for i := range n {
		r.goRun(func() {
			defer wg.Done()
			<-release // all n are running at once here
			ran[i] = true
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.live.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d runners live, want %d: work waited for a busy runner", r.live.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i, ok := range ran {
		if !ok {
			t.Fatalf("piece %d did not run", i)
		}
	}
	for r.live.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d runners still live long after their idle time", r.live.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

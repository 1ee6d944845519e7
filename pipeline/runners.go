package pipeline

import (
	"sync/atomic"
	"time"
)

// A batch job used to start a goroutine for each of its attempts. An
// attempt's call chain (the HTTP client, JSON, the record) is deep, so each
// new goroutine grew its stack two or three times, copying it each time:
// 4 % of the daemon's CPU in a SQLite burst and 8 % on PostgreSQL. runners
// keeps the goroutines that finish an attempt for the next one, with the
// stack they grew, until they have been idle a while.

// runnerIdle is how long a runner waits for more work before it exits.
const runnerIdle = 10 * time.Second

// runners runs functions on reused goroutines. It does not bound them:
// callers bound their own work (BatchDispatcher's slots).
type runners struct {
	work chan func()
	idle time.Duration
	// started counts the runners started and live those running now.
	started, live atomic.Int64
}

func newRunners(idle time.Duration) *runners {
	return &runners{work: make(chan func()), idle: idle}
}

// goRun runs f on an idle runner, or on a new one when none is idle.
func (r *runners) goRun(f func()) {
	select {
	case r.work <- f:
	default:
		go r.run(f)
	}
}

// run runs f, then whatever goRun hands it, until it has waited r.idle for
// work. f must not panic (goRun's callers recover their own).
func (r *runners) run(f func()) {
	r.started.Add(1)
	r.live.Add(1)
	defer r.live.Add(-1)
	t := time.NewTimer(r.idle)
	defer t.Stop()
	for {
		f()
		t.Reset(r.idle)
		select {
		case f = <-r.work:
		case <-t.C:
			return
		}
	}
}

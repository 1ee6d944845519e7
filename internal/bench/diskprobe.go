package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Every order is committed durably before it is sent (an fsync of
// SQLite's WAL or PostgreSQL's), so a disk whose flushes stall now and
// then puts that stall on every order committed behind it. The disk probe
// measures the flushes themselves, in the same run, in the daemon's data
// folder (beside the SQLite file; a local PostgreSQL server's files are
// only on the same disk if the machine has one): a stall it sees at the
// moment a run of orders is late is the disk's, not the daemon's.

// diskProbeEvery is how often the probe flushes: often enough to see a
// stall of a few tens of milliseconds, seldom enough to add little load.
const diskProbeEvery = 20 * time.Millisecond

// diskStall is a flush slow enough to show in a delivery's p99.
const diskStall = 15 * time.Millisecond

// diskProbe writes 4 KiB in place to a file and flushes it, every
// diskProbeEvery, until stopped.
type diskProbe struct {
	f    *os.File
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	durs []time.Duration
	err  error
}

// startDiskProbe starts probing a new file in dir.
func startDiskProbe(ctx context.Context, dir string) (*diskProbe, error) {
	f, err := os.Create(filepath.Join(dir, "disk-probe"))
	if err != nil {
		return nil, fmt.Errorf("disk probe: %w", err)
	}
	p := &diskProbe{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run(ctx)
	return p, nil
}

func (p *diskProbe) run(ctx context.Context) {
	defer close(p.done)
	buf := make([]byte, 4096)
	t := time.NewTicker(diskProbeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		case <-t.C:
		}
		if _, err := p.f.WriteAt(buf, 0); err != nil {
			p.fail(err)
			return
		}
		start := time.Now()
		if err := p.f.Sync(); err != nil {
			p.fail(err)
			return
		}
		d := time.Since(start)
		p.mu.Lock()
		p.durs = append(p.durs, d)
		p.mu.Unlock()
	}
}

func (p *diskProbe) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = fmt.Errorf("disk probe: %w", err)
}

// finish stops the probe and returns its flush times and how many were
// stalls, removing its file.
func (p *diskProbe) finish() (Dist, int, error) {
	close(p.stop)
	<-p.done
	name := p.f.Name()
	_ = p.f.Close()
	_ = os.Remove(name)
	p.mu.Lock()
	defer p.mu.Unlock()
	stalls := 0
	for _, d := range p.durs {
		if d > diskStall {
			stalls++
		}
	}
	return summarise(p.durs), stalls, p.err
}

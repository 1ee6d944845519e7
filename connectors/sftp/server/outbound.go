package server

import (
	"context"
	"sync"

	"github.com/supplyhub/supplyhub/internal/store"
)

// Limits of one grouped commit of order drops.
const (
	// MaxBatchFile is the largest file PutOutbound groups with others
	// (one chunk of the database storage); a larger one is stored alone.
	MaxBatchFile = store.SFTPChunkSize
	// maxBatchFiles caps the files of one commit, like the ingestor's
	// batch of orders: a commit costs about the same for 1 or 64 small
	// rows.
	maxBatchFiles = 64
	// maxBatchBytes caps the bytes of one commit.
	maxBatchBytes = 8 << 20
)

// groupPutter groups concurrent order drops into one storage commit. There
// is no background goroutine: the first caller to find no commit under way
// becomes the leader, commits what is queued (its own file included), and
// hands the lead to the first caller still queued, so no caller waits for
// more than its own batch and the one before it. Every caller returns only
// once its own file is committed (or failed), so a drop reported done
// survives a crash.
type groupPutter struct {
	bp BatchPutter
	// single stores one file alone: for a batch that failed, to find
	// which file it was, and for storage errors alike.
	single func(ctx context.Context, f BatchFile) error

	mu    sync.Mutex
	queue []*groupPut
	busy  bool // a leader is committing
}

type groupPut struct {
	ctx  context.Context
	f    BatchFile
	res  chan error    // the file's outcome, buffered
	lead chan struct{} // closed when this caller is to lead the next batch
}

// put stores f, grouped with the other puts under way.
func (g *groupPutter) put(ctx context.Context, f BatchFile) error {
	p := &groupPut{ctx: ctx, f: f, res: make(chan error, 1), lead: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	leader := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !leader {
		// The wait does not give up on ctx: a leader may be about to hand
		// this caller the lead, and the commit it is in is short.
		select {
		case err := <-p.res:
			return err
		case <-p.lead:
		}
	}
	g.commitNext()
	return <-p.res
}

// commitNext takes a batch off the queue, commits it and passes the lead
// on. The caller is the leader.
func (g *groupPutter) commitNext() {
	g.mu.Lock()
	n, size := 0, 0
	for n < len(g.queue) && n < maxBatchFiles && (n == 0 || size+len(g.queue[n].f.Data) <= maxBatchBytes) {
		size += len(g.queue[n].f.Data)
		n++
	}
	batch := g.queue[:n:n]
	g.queue = append([]*groupPut(nil), g.queue[n:]...)
	g.mu.Unlock()

	g.commit(batch)

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.busy = false
	} else {
		close(g.queue[0].lead)
	}
	g.mu.Unlock()
}

// commit stores a batch and answers each of its callers. A caller that
// gave up before the commit began is answered with its context's error
// and left out. A batch that fails is retried file by file, so one bad
// file does not fail the others and each caller gets its own error.
func (g *groupPutter) commit(batch []*groupPut) {
	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.res <- err
			continue
		}
		live = append(live, p)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		live[0].res <- g.single(live[0].ctx, live[0].f)
		return
	}
	files := make([]BatchFile, len(live))
	for i, p := range live {
		files[i] = p.f
	}
	// The batch belongs to several callers: one leaving must not abort
	// the others' commit.
	ctx := context.WithoutCancel(live[0].ctx)
	if err := g.bp.PutBatch(ctx, files); err == nil {
		for _, p := range live {
			p.res <- nil
		}
		return
	}
	for _, p := range live {
		p.res <- g.single(p.ctx, p.f)
	}
}

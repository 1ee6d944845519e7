package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// DispatchBatchMax is how many new deliveries share one batch job. River's
// own statements for a job (insert, fetch, completion) cost about as much
// as the delivery's attempt and record together: one job per delivery was
// a quarter of the daemon's CPU in a burst. A batch's attempts run at
// once, so a larger batch saves more of that and costs only goroutines; in
// a burst of 5,000 orders owing two webhooks each, 16 used 1.58 CPU s per
// 1,000 orders on SQLite and 1.54 on PostgreSQL, 8 used 1.90 and 1.80
// (one run each on a noisy machine: not worse, at least).
const DispatchBatchMax = 16

// DispatchBatchArgs is the job that makes the first attempt of several new
// order.created deliveries (made by one ingest commit, see
// createdJobs.insert) at once, in place of one DispatchArgs job each. A
// delivery whose first attempt fails gets its own DispatchArgs job, queued
// in the transaction that records the attempt, so its retries are as
// durable as any other delivery's; one that succeeds never has a job of its
// own.
type DispatchBatchArgs struct {
	DeliveryIDs []int64 `json:"delivery_ids"`
}

// Kind names the job for River.
func (DispatchBatchArgs) Kind() string { return "dispatch_batch" }

// DispatchBatchJob is the batch job of ids (at most DispatchBatchMax).
// River's default retry policy and attempts (25, over about three weeks)
// cover a failure to read or record: a delivery whose first attempt was
// not recorded stays with this job until it is.
func DispatchBatchJob(ids []int64) river.InsertManyParams {
	return river.InsertManyParams{Args: DispatchBatchArgs{DeliveryIDs: ids}}
}

// BatchDispatcher works DispatchBatchArgs jobs with its Dispatcher's
// attempts, records and metrics.
type BatchDispatcher struct {
	river.WorkerDefaults[DispatchBatchArgs]
	d *Dispatcher
	// slots bounds the attempts all batch jobs make at once.
	slots chan struct{}
	// runners run the attempts.
	runners *runners
}

// BatchWorker is the worker of the dispatcher's batch jobs (it needs the
// dispatcher's queue, see SetQueue). At most maxAttempts of its attempts
// run at once, in all its jobs (at least one): jobs.max_workers, as for
// one-delivery jobs, so that batching does not multiply the requests a
// receiver gets at once by the batch size.
func (d *Dispatcher) BatchWorker(maxAttempts int) *BatchDispatcher {
	return &BatchDispatcher{d: d, slots: make(chan struct{}, max(maxAttempts, 1)), runners: newRunners(runnerIdle)}
}

// Work makes the first attempt of each of the batch's deliveries, all at
// once (they go to various endpoints; the batch's size bounds the
// goroutines, and the worker's slots the attempts, so a batch lasts about
// as long as its slowest attempt, like one dispatch job, unless the slots
// are taken). Run again (River's retry after an error, or a rescue
// after a crash), it leaves out every delivery that has an attempt
// recorded: delivered, dead, or owned by the job its record queued. An
// attempt made but not recorded before a crash is made again, with the
// same identity, which receivers deduplicate.
func (b *BatchDispatcher) Work(ctx context.Context, job *river.Job[DispatchBatchArgs]) error {
	d := b.d
	if d.q == nil {
		return errors.New("dispatch batch: no queue for retries")
	}
	loads, err := d.st.DeliveriesForDispatch(ctx, job.Args.DeliveryIDs)
	if err != nil {
		return fmt.Errorf("dispatch batch: %w", err)
	}
	errs := make([]error, len(loads))
	var wg sync.WaitGroup
	for i, load := range loads {
		del := load.Delivery
		switch {
		case del.Status == domain.DeliveryDelivered || del.Attempts > 0 || del.WakeGen > 0:
			// Attempted already, by an earlier run of this job, or a
			// DispatchArgs job has it (a wake-up's, or an operator's).
			continue
		case del.Event != domain.EventOrderCreated:
			// Only first events are batched (createdJobs.insert): a later
			// one must wait for those before it, which its own job does.
			errs[i] = d.handOver(ctx, del)
			continue
		}
		wg.Add(1)
		b.runners.goRun(func() {
			defer wg.Done()
			defer func() {
				// River recovers a panic in Work, not in its goroutines:
				// the job fails (and is retried) as a panicking
				// DispatchArgs job does, instead of the process (and
				// the runner lives on).
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("dispatch batch: delivery %d: panic: %v", del.ID, r)
				}
			}()
			select {
			case b.slots <- struct{}{}:
			case <-ctx.Done():
				// Not attempted: left to this job's next run.
				errs[i] = fmt.Errorf("dispatch batch: delivery %d: waiting for an attempt slot: %w", del.ID, ctx.Err())
				return
			}
			defer func() { <-b.slots }()
			_, errs[i] = d.attempt(ctx, load, attemptRun{n: 1, then: d.retryJob})
		})
	}
	wg.Wait()
	// An attempt not recorded leaves its delivery to this job's next run.
	return errors.Join(errs...)
}

// retryJob queues, in the transaction recording a batch's attempt at del,
// the DispatchArgs job that tries it again: on ch's retry schedule after a
// failure (the batch's attempt counted as its first), or after the wait
// asked by a throttling receiver (which uses no retry). Other outcomes
// need no job.
func (d *Dispatcher) retryJob(o outcome, ch domain.Channel, del *domain.Delivery) func(context.Context, store.Tx) error {
	p := dispatchJobFor(del.ID, ch)
	var prior int
	switch o.step {
	case stepRetry:
		prior = 1
		p.InsertOpts.ScheduledAt = time.Now().Add(RetryDelay(channelRetry(ch), prior, rand.Float64))
	case stepWait:
		p.InsertOpts.ScheduledAt = time.Now().Add(o.wait)
	default:
		return nil
	}
	p.Args = DispatchArgs{DeliveryID: del.ID, WakeGen: del.WakeGen, Prior: prior}
	p.InsertOpts.MaxAttempts -= prior
	return func(ctx context.Context, tx store.Tx) error {
		return d.q.InsertTx(ctx, tx, []river.InsertManyParams{p})
	}
}

// handOver gives del a DispatchArgs job of its own, as a wake-up does (a
// new wake generation, so a later run of the batch leaves it alone).
func (d *Dispatcher) handOver(ctx context.Context, del *domain.Delivery) error {
	ch, _, err := deliveryChannel(ctx, d.st, del)
	if err != nil {
		return fmt.Errorf("dispatch batch: hand over delivery %d: %w", del.ID, err)
	}
	return d.st.InTx(ctx, func(tx store.Tx) error { return d.wake(ctx, tx, ch, del.ID) })
}

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/store"
)

// DispatchArgs is the job that makes one attempt at one delivery.
type DispatchArgs struct {
	DeliveryID int64 `json:"delivery_id"`
	// WakeGen is the delivery's wake_gen when this job was queued: a job
	// older than the delivery's current value was replaced by a wake-up
	// (see store.BumpWakeGen) and stops.
	WakeGen int64 `json:"wake_gen,omitempty"`
	// Prior counts the delivery's attempts made before this job, by the
	// batch job that queued it (see DispatchBatchArgs), that used a
	// retry: the job's attempt n is the delivery's attempt Prior+n for
	// its retry schedule and its logs, and the job's MaxAttempts leaves
	// them out, so River and the dispatcher give up at the same attempt.
	Prior int `json:"prior,omitempty"`
}

// Kind names the job for River.
func (DispatchArgs) Kind() string { return "dispatch" }

// Dispatcher works dispatch jobs: it loads the delivery, asks the
// channel's connector for one attempt, and records what happened.
type Dispatcher struct {
	river.WorkerDefaults[DispatchArgs]
	st       *store.Store
	channels Channels
	m        *metrics.Metrics
	log      *slog.Logger
	alert    Alerter
	q        jobs.Queue
	// batch groups concurrent attempt records into one commit.
	batch *recordBatcher
	// completeInTx completes a successful job in its record's
	// transaction (SQLite; on PostgreSQL River's completer finishes many
	// jobs in one statement, measured cheaper).
	completeInTx bool
}

// recordBatchMax caps the attempt records that share one commit.
const recordBatchMax = 32

// recordLanes is how many record batches commit at once: one on SQLite
// (one writer). On PostgreSQL a batch saves each record its BEGIN and
// COMMIT (measured: a third of the backend's CPU per record went to round
// trips and commits), but with one lane every record waits for one
// connection's round trips (webhook p50 went from 60 to 470 ms in a
// burst); with 4 it stayed at 60.
func recordLanes(st *store.Store) int {
	if st.Kind() == store.KindPostgres {
		return 4
	}
	return 1
}

// NewDispatcher builds the dispatch worker.
func NewDispatcher(st *store.Store, channels Channels, m *metrics.Metrics, log *slog.Logger, alert Alerter) *Dispatcher {
	d := &Dispatcher{st: st, channels: channels, m: m, log: log, alert: alert,
		batch: newRecordBatcher(st, recordBatchMax, recordLanes(st)), completeInTx: st.Kind() == store.KindSQLite}
	return d
}

// SetQueue gives the dispatcher the queue it wakes waiting deliveries
// through (the queue is built after its workers); without one, a waiting
// delivery goes at its next backoff.
func (d *Dispatcher) SetQueue(q jobs.Queue) { d.q = q }

// errDeliveryGone cancels a job whose delivery or channel no longer exists.
var errDeliveryGone = errors.New("delivery target no longer configured")

// Work makes one attempt. Success and each failure are recorded before
// returning; River retries failures on the channel's schedule (NextRetry).
func (d *Dispatcher) Work(ctx context.Context, job *river.Job[DispatchArgs]) error {
	// One query for the delivery, its snapshot, its endpoint's health and
	// its supplier with the delivery's channel.
	load, err := d.st.DeliveryForDispatch(ctx, job.Args.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("delivery %d: %w", job.Args.DeliveryID, errDeliveryGone))
	}
	if err != nil {
		return fmt.Errorf("dispatch: load delivery %d: %w", job.Args.DeliveryID, err)
	}
	del := load.Delivery
	if del.Status == domain.DeliveryDelivered {
		// A job rescued after a crash between success and completion.
		return nil
	}
	if job.Args.WakeGen < del.WakeGen {
		// A wake-up queued a newer job for this delivery.
		return nil
	}
	run := attemptRun{n: job.Args.Prior + job.Attempt, max: job.Args.Prior + job.MaxAttempts,
		wakeGen: job.Args.WakeGen, snoozes: snoozes(job.Metadata)}
	completed := false
	if d.completeInTx {
		// SQLite: the job completes in the transaction that records the
		// success (and shares its group commit): one write instead of
		// two, and a crash cannot leave the delivery delivered with its
		// job still running. PostgreSQL: River's completer finishes many
		// jobs in one statement, measured cheaper than one per record
		// there.
		complete := func(ctx context.Context, tx store.Tx) error {
			var err error
			completed, err = jobs.CompleteTx(ctx, tx, job)
			return err
		}
		run.then = func(o outcome, _ domain.Channel, _ *domain.Delivery) func(context.Context, store.Tx) error {
			if o.step == stepDone {
				return complete
			}
			return nil
		}
	}
	o, err := d.attempt(ctx, load, run)
	if err != nil {
		return err
	}
	if completed && d.q != nil {
		d.q.CompletedInTx(job.ID)
	}
	switch o.step {
	case stepRetry:
		return o.cause
	case stepWait:
		return river.JobSnooze(o.wait)
	case stepDead:
		return river.JobCancel(o.cause)
	}
	return nil
}

// attemptRun is what an attempt knows of the job making it.
type attemptRun struct {
	// n is the delivery's attempt number (from 1) over all its jobs; max
	// is how many it may have (0: its channel's retry schedule plus one).
	n, max int
	// wakeGen and snoozes are the job's: its DispatchArgs.WakeGen and how
	// often it waited for an earlier delivery (see BlockedBackoff).
	wakeGen int64
	snoozes int
	// then gives, for how the attempt ended, what else to write in the
	// transaction that records it (nil: nothing).
	then func(o outcome, ch domain.Channel, del *domain.Delivery) func(context.Context, store.Tx) error
}

// step is what follows an attempt.
type step int

const (
	// stepDone: delivered, or nothing left for this job to do.
	stepDone step = iota
	// stepRetry: failed; try again on the channel's retry schedule.
	stepRetry
	// stepWait: try again after outcome.wait without using a retry
	// (throttled, or waiting for an earlier delivery).
	stepWait
	// stepDead: dead-lettered, or its channel is gone: never again.
	stepDead
)

// outcome is how an attempt ended: its step, the wait of stepWait, and
// the cause of stepRetry and stepDead.
type outcome struct {
	step  step
	wait  time.Duration
	cause error
}

// attempt makes attempt run.n at the delivery load holds and records it
// (with run.then's writes). The error is a failure to read or record, for
// which the job is run again; the outcome says what else follows.
func (d *Dispatcher) attempt(ctx context.Context, load *store.Dispatch, run attemptRun) (outcome, error) {
	del, snap, ep, sup := load.Delivery, load.Snapshot, load.Endpoint, load.Supplier
	then := func(o outcome, ch domain.Channel) func(context.Context, store.Tx) error {
		if run.then == nil {
			return nil
		}
		return run.then(o, ch, del)
	}
	// The ids are all an attempt needs of the live supplier order when the
	// delivery has its snapshot; an older delivery renders the live row.
	so := &domain.SupplierOrder{ID: del.SupplierOrderID, OrderID: load.OrderID, SupplierID: del.SupplierID,
		Number: del.SupplierOrderNumber}
	var err error
	if len(snap) == 0 {
		if so, err = d.st.SupplierOrderByID(ctx, del.SupplierOrderID); err != nil {
			return outcome{}, fmt.Errorf("dispatch: load supplier order %d: %w", del.SupplierOrderID, err)
		}
	}
	log := newLazyLogger(d.log, "delivery", del.ID, "order", so.Number, "supplier", sup.Code, "channel", del.Channel,
		"event", del.Event, "attempt", run.n)
	req := &DeliveryRequest{Delivery: del, Supplier: sup}
	conn := d.channels[del.Kind]
	if err := req.render(conn, so, snap); err != nil {
		// A damaged snapshot cannot be rendered faithfully: dead, not guessed.
		o := outcome{step: stepDead, cause: fmt.Errorf("dispatch: %w", err)}
		a := &domain.Attempt{DeliveryID: del.ID, Number: del.Attempts + 1, StartedAt: time.Now(), Outcome: domain.OutcomeError, Error: err.Error()}
		if rerr := d.record(ctx, log, so.OrderID, domain.Channel{}, del, a, domain.DeliveryDead, then(o, domain.Channel{})); rerr != nil {
			return outcome{}, rerr
		}
		log.Error("delivery dead-lettered", "error", err)
		return o, nil
	}
	ch, ok := findChannel(sup, del.Channel)
	if _, _, isChange := ParseNotificationEvent(del.Event); isChange {
		// About a history event: load it (and the retailer) for the message.
		if req.Retailer, req.Change, err = d.changeOf(ctx, so, del); err != nil {
			return outcome{}, err
		}
	}
	if name, toRetailer := strings.CutPrefix(del.Channel, RetailerChannelPrefix); toRetailer {
		ch, ok = RetailerChannel(req.Retailer, name)
	}
	start := time.Now()
	attempt := &domain.Attempt{DeliveryID: del.ID, Number: del.Attempts + 1, StartedAt: start}
	if !ok || conn == nil {
		o := outcome{step: stepDead, cause: fmt.Errorf("dispatch %s %s: %w", del.Kind, so.Number, errDeliveryGone)}
		attempt.Outcome, attempt.Error = domain.OutcomeError, errDeliveryGone.Error()
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryDead, then(o, ch)); err != nil {
			return outcome{}, err
		}
		return o, nil
	}
	if ep.DisabledAt != nil {
		attempt.Outcome = domain.OutcomeError
		attempt.Error = fmt.Sprintf("endpoint disabled since %s: %s", ep.DisabledAt.Format(time.RFC3339), ep.DisabledReason)
		o := outcome{step: stepDead, cause: errors.New(attempt.Error)}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryDead, then(o, ch)); err != nil {
			return outcome{}, err
		}
		d.m.DeadLetters.WithLabelValues(del.Kind).Inc()
		return o, nil
	}
	if del.Event != domain.EventOrderCreated {
		// Events of one supplier order reach a channel in order: a
		// cancellation never overtakes the order it cancels.
		earlier, gen, err := d.st.UnfinishedBefore(ctx, del)
		if err != nil {
			return outcome{}, err
		}
		if gen > run.wakeGen {
			// The earlier delivery finished since this job started and
			// queued a newer job for this one: that job sends it.
			return outcome{step: stepDone}, nil
		}
		if earlier > 0 {
			// The earlier delivery wakes this one when it finishes (see
			// record); the backoff only covers a missed wake-up.
			return outcome{step: stepWait, wait: BlockedBackoff(run.snoozes)}, nil
		}
	}
	req.Channel, req.Attempt = ch, attempt.Number
	res, derr := conn.Deliver(ctx, req)
	attempt.Duration = time.Since(start)
	attempt.StatusCode, attempt.Response = res.StatusCode, excerpt(res.Response, 1024)
	d.m.AttemptDuration.WithLabelValues(del.Kind).Observe(attempt.Duration.Seconds())
	if derr == nil {
		attempt.Outcome = domain.OutcomeOK
		o := outcome{step: stepDone}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryDelivered, then(o, ch)); err != nil {
			// The attempt worked but was not recorded: retrying re-sends
			// the same identity (file name, webhook-id, Message-ID), which
			// receivers deduplicate.
			return outcome{}, err
		}
		if ep.FailingSince != nil {
			if err := d.st.EndpointSucceeded(ctx, sup.ID, del.Channel); err != nil {
				log.Warn("clear endpoint failure", "error", err)
			}
		}
		d.m.DispatchLatency.WithLabelValues(del.Kind).Observe(time.Since(del.CreatedAt).Seconds())
		log.Debug("delivered", "duration", attempt.Duration)
		return o, nil
	}
	attempt.Error = excerpt(derr.Error(), 2048)
	if serr := (*SnapshotError)(nil); errors.As(derr, &serr) {
		// The channel decoded the snapshot's bytes (DeliveryRequest.Order)
		// and they do not decode: dead, as before an attempt, and no fault
		// of the endpoint's.
		attempt.Outcome = domain.OutcomeError
		o := outcome{step: stepDead, cause: fmt.Errorf("dispatch: %w", derr)}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryDead, then(o, ch)); err != nil {
			return outcome{}, err
		}
		log.Error("delivery dead-lettered", "error", derr)
		return o, nil
	}
	sched := channelRetry(ch)
	maxAttempts := run.max
	if maxAttempts <= 0 {
		maxAttempts = len(sched) + 1
	}
	// Throttling may go on as long as the retry schedule would, and at
	// least a day.
	throttleBudget := 24 * time.Hour
	if total := sumDurations(sched); total > throttleBudget {
		throttleBudget = total
	}
	if res.RetryAfter <= 0 || res.Permanent || time.Since(del.CreatedAt) > throttleBudget {
		// A real failure (or throttling for longer than the whole retry
		// schedule, so a receiver always answering 429 cannot keep a
		// delivery alive forever) counts towards disabling the endpoint.
		d.endpointFailed(ctx, log, sup, ch, del, res, derr)
	}
	switch {
	case res.RetryAfter > 0 && !res.Permanent && time.Since(del.CreatedAt) <= throttleBudget:
		// Throttling is not failure: wait as asked without using a retry.
		attempt.Outcome = domain.OutcomeThrottled
		o := outcome{step: stepWait, wait: res.RetryAfter}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryFailed, then(o, ch)); err != nil {
			return outcome{}, err
		}
		log.Warn("delivery throttled", "retry_after", res.RetryAfter, "status", res.StatusCode)
		return o, nil
	case res.Permanent || run.n >= maxAttempts:
		attempt.Outcome = domain.OutcomeError
		o := outcome{step: stepDead, cause: fmt.Errorf("dispatch %s %s: %w", del.Kind, so.Number, derr)}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryDead, then(o, ch)); err != nil {
			return outcome{}, err
		}
		d.m.DeadLetters.WithLabelValues(del.Kind).Inc()
		log.Error("delivery dead-lettered", "error", derr, "status", res.StatusCode, "permanent", res.Permanent)
		return o, nil
	default:
		attempt.Outcome = domain.OutcomeError
		o := outcome{step: stepRetry, cause: fmt.Errorf("dispatch %s %s: %w", del.Kind, so.Number, derr)}
		if err := d.record(ctx, log, so.OrderID, ch, del, attempt, domain.DeliveryFailed, then(o, ch)); err != nil {
			return outcome{}, err
		}
		log.Warn("delivery failed, will retry", "error", derr, "status", res.StatusCode)
		return o, nil
	}
}

// endpointFailed extends the endpoint's failing streak and disables it on
// 410 Gone or once the streak outlasts the channel's disable_after.
func (d *Dispatcher) endpointFailed(ctx context.Context, log *lazyLogger, sup *domain.Supplier, ch domain.Channel, del *domain.Delivery, res Result, derr error) {
	since, err := d.st.EndpointFailed(ctx, sup.ID, del.Channel, time.Now())
	if err != nil {
		log.Warn("record endpoint failure", "error", err)
		return
	}
	after, _ := DisableAfter(ch.Type, ch.Settings)
	reason := ""
	switch {
	case res.Disable:
		reason = fmt.Sprintf("the endpoint answered %d (gone)", res.StatusCode)
	case after > 0 && time.Since(since) > after:
		reason = fmt.Sprintf("failing without a success since %s (longer than %s); last error: %v", since.Format(time.RFC3339), after, derr)
	default:
		return
	}
	alert := EndpointDisabledArgs{SupplierID: sup.ID, SupplierCode: sup.Code, SupplierName: sup.Name,
		Channel: ch.Name, ChannelType: ch.Type, Reason: reason, At: time.Now().UTC()}
	var disabled bool
	err = d.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if disabled, err = d.st.DisableEndpointIn(ctx, tx, sup.ID, del.Channel, reason); err != nil || !disabled || d.q == nil {
			return err
		}
		// The operator's email is a job committed with the disabling: a
		// crash between the two cannot leave a stopped endpoint nobody
		// was told of.
		return d.q.InsertTx(ctx, tx, []river.InsertManyParams{{Args: alert}})
	})
	if err != nil {
		log.Error("disable endpoint", "error", err)
		return
	}
	if disabled {
		d.m.EndpointsDisabled.WithLabelValues(del.Kind).Inc()
		log.Error("endpoint disabled", "reason", reason)
		if d.q == nil && d.alert != nil {
			subject, body := EndpointDisabledEmail(alert)
			d.alert.Alert(ctx, subject, body)
		}
	}
}

// EndpointDisabledArgs is the job that emails the operator that an
// endpoint was disabled; it carries what the email says.
type EndpointDisabledArgs struct {
	SupplierID   int64     `json:"supplier_id"`
	SupplierCode string    `json:"supplier_code"`
	SupplierName string    `json:"supplier_name"`
	Channel      string    `json:"channel"`
	ChannelType  string    `json:"channel_type"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
}

// Kind names the job for River.
func (EndpointDisabledArgs) Kind() string { return "endpoint_disabled_alert" }

// EndpointDisabledEmail is the operator's email about a disabled endpoint.
func EndpointDisabledEmail(a EndpointDisabledArgs) (subject, body string) {
	subject = fmt.Sprintf("Supplyhub: %s endpoint %q of supplier %s disabled", a.ChannelType, a.Channel, a.SupplierCode)
	body = fmt.Sprintf("Deliveries to the %s endpoint %q of supplier %s (%s) are stopped since %s: %s.\n\n"+
		"Fix the endpoint, then: supplyhub endpoint enable --supplier %s --channel %s\n"+
		"and replay what failed: supplyhub deliveries replay --endpoint %s/%s --since <time>\n",
		a.ChannelType, a.Channel, a.SupplierCode, a.SupplierName, a.At.Format(time.RFC3339), a.Reason,
		a.SupplierCode, a.Channel, a.SupplierCode, a.Channel)
	return subject, body
}

// changeOf loads the retailer and the change a notification is about.
func (d *Dispatcher) changeOf(ctx context.Context, so *domain.SupplierOrder, del *domain.Delivery) (*domain.Retailer, *Change, error) {
	r, err := d.st.RetailerOfOrder(ctx, so.OrderID)
	if err != nil {
		return nil, nil, fmt.Errorf("dispatch: retailer of %s: %w", so.Number, err)
	}
	typ, id, ok := ParseNotificationEvent(del.Event)
	if !ok {
		return r, nil, river.JobCancel(fmt.Errorf("dispatch: malformed notification event %q", del.Event))
	}
	ev, err := d.st.EventByID(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("dispatch: event %d: %w", id, err)
	}
	c := &Change{Type: typ, EventID: ev.ID, From: ev.From, To: ev.To, Note: ev.Note, Actor: ev.Actor,
		Channel: ev.Channel, OccurredAt: ev.OccurredAt}
	if len(ev.Data) > 0 {
		c.Data = ev.Data
	}
	if typ == EventOrderStatusChanged {
		// The order's own move, recorded with the supplier order's event.
		var t struct {
			From string `json:"order_from"`
			To   string `json:"order_to"`
		}
		_ = json.Unmarshal(ev.Data, &t)
		c.From, c.To = t.From, t.To
	}
	return r, c, nil
}

// record stores attempt a and moves the delivery to status in one
// transaction, with then (when given) and, for a finished delivery, the
// wake-up of the next one waiting behind it. The first success of an
// order.created delivery also moves its supplier order from new to
// dispatched (with its event and the order's derived status). orderID
// (the delivery's order) places the record in its batch (see
// recordBatcher.run).
func (d *Dispatcher) record(ctx context.Context, log *lazyLogger, orderID int64, ch domain.Channel, del *domain.Delivery, a *domain.Attempt, status string, then func(context.Context, store.Tx) error) error {
	d.m.Attempts.WithLabelValues(del.Kind, a.Outcome).Inc()
	// The remote side has answered: record it even if the job is being
	// cancelled, or the attempt would be lost from the history.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	finished := status == domain.DeliveryDelivered || status == domain.DeliveryDead
	rec := store.Record{Attempt: a, Status: status, Delivery: del,
		Dispatched: status == domain.DeliveryDelivered && del.Event == domain.EventOrderCreated, Derive: DeriveOrderStatus,
		// The next event of this supplier order to this channel may go
		// now, woken in the same transaction as this record.
		Next: finished && d.q != nil}
	body := func(ctx context.Context, tx store.Tx, next int64) error {
		if then != nil {
			if err := then(ctx, tx); err != nil {
				return err
			}
		}
		if next != 0 {
			return d.wake(ctx, tx, ch, next)
		}
		return nil
	}
	if err := d.batch.run(ctx, orderID, &rec, body); err != nil {
		log.Error("record attempt failed", "error", err)
		return err
	}
	return nil
}

// wake queues, in tx, a job for delivery next, waiting behind one that
// finished (same supplier order and channel), replacing its snoozed one.
func (d *Dispatcher) wake(ctx context.Context, tx store.Tx, ch domain.Channel, next int64) error {
	gen, err := d.st.BumpWakeGen(ctx, tx, next)
	if err != nil {
		return err
	}
	p := dispatchJobFor(next, ch)
	p.Args = DispatchArgs{DeliveryID: next, WakeGen: gen}
	if err := d.q.InsertTx(ctx, tx, []river.InsertManyParams{p}); err != nil {
		return err
	}
	return d.st.NotifyJobsAvailable(ctx, tx)
}

// NextRetry follows the channel's retry schedule, with ±10 % jitter so
// that a receiver coming back is not hit by every retry at once.
func (d *Dispatcher) NextRetry(job *river.Job[DispatchArgs]) time.Time {
	sched := DefaultRetry()
	if ch, ok := d.channelOf(context.Background(), job.Args.DeliveryID); ok {
		sched = channelRetry(ch)
	}
	return time.Now().Add(RetryDelay(sched, job.Args.Prior+job.Attempt, rand.Float64))
}

// channelOf finds the channel a delivery goes to (see deliveryChannel).
func (d *Dispatcher) channelOf(ctx context.Context, deliveryID int64) (domain.Channel, bool) {
	del, err := d.st.DeliveryByID(ctx, deliveryID)
	if err != nil {
		return domain.Channel{}, false
	}
	ch, ok, err := deliveryChannel(ctx, d.st, del)
	return ch, ok && err == nil
}

// RetryDelay is the delay after failed attempt n (1-based) with ±10 %
// jitter from rnd (a float in [0,1)).
func RetryDelay(sched []time.Duration, n int, rnd func() float64) time.Duration {
	if len(sched) == 0 {
		return 0
	}
	i := n - 1
	if i >= len(sched) {
		i = len(sched) - 1
	}
	if i < 0 {
		i = 0
	}
	base := sched[i]
	return base + time.Duration((rnd()*0.2-0.1)*float64(base))
}

func findChannel(sup *domain.Supplier, name string) (domain.Channel, bool) {
	for _, c := range sup.Channels {
		if c.Name == name {
			return c, true
		}
	}
	return domain.Channel{}, false
}

// excerpt keeps at most n bytes of s, cut on a rune boundary.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) && len(s) > 0 {
		s = s[:len(s)-1]
	}
	return s
}

// eventSnapshot is the supplier order as the event saw it, for a delivery
// created before snapshots were stored (see renderedOrder). An
// order.created delivery carries the order as created (status new,
// version 1); any other event carries the live row.
func eventSnapshot(del *domain.Delivery, so *domain.SupplierOrder) *domain.SupplierOrder {
	if del.Event != domain.EventOrderCreated {
		return so
	}
	snap := *so
	snap.Status, snap.Version, snap.UpdatedAt, snap.RetrievedAt = domain.StatusNew, 1, so.CreatedAt, nil
	return &snap
}

// Backoff of a delivery waiting for an earlier one: it doubles from 2 s
// with each wait, up to 2 minutes. The earlier delivery wakes the waiting
// one as soon as it finishes, so the backoff only matters when that
// wake-up is missed (the earlier one finishing at the very moment the
// waiting one checks).
const (
	blockedFirst = 2 * time.Second
	blockedMax   = 2 * time.Minute
)

// BlockedBackoff is how long a delivery waits after its n-th wait (0-based).
func BlockedBackoff(n int) time.Duration {
	d := blockedFirst
	for i := 0; i < n && d < blockedMax; i++ {
		d *= 2
	}
	return min(d, blockedMax)
}

// snoozes reads how often River has snoozed a job from its metadata.
func snoozes(metadata []byte) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(metadata, &m)
	return m.Snoozes
}

func sumDurations(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

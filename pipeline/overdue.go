package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Overdue kinds: which limit a supplier order passed.
const (
	OverdueAcknowledge = "acknowledge"
	OverdueShip        = "ship"
)

// EventSupplierOrderOverdue tells a retailer that a supplier is late.
const EventSupplierOrderOverdue = "supplier_order.overdue"

// OverdueStatuses maps each overdue kind to the statuses in which a
// supplier order still counts for it. It is an allow-list: every other
// status (acknowledged for the acknowledge limit; shipped, delivered,
// cancelled, rejected, backordered and any status waiting on something
// else) is not overdue, so a new status is never alerted by accident.
func OverdueStatuses() map[string][]string {
	return map[string][]string{
		OverdueAcknowledge: {domain.StatusNew, domain.StatusDispatched},
		OverdueShip:        {domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged, domain.StatusPartiallyCancelled},
	}
}

// OverdueLimits is one supplier's policy; a zero limit is off.
type OverdueLimits struct {
	AcknowledgeWithin, ShipWithin time.Duration
	// NotifyRetailer also tells the retailer; the operator always is.
	NotifyRetailer bool
}

func (l OverdueLimits) within(kind string) time.Duration {
	if kind == OverdueAcknowledge {
		return l.AcknowledgeWithin
	}
	return l.ShipWithin
}

// OverdueAlertArgs is the job that emails the operator the breaches one
// scan transaction recorded.
type OverdueAlertArgs struct {
	AlertIDs []int64 `json:"alert_ids"`
}

// Kind names the job for River.
func (OverdueAlertArgs) Kind() string { return "overdue_alert" }

// OverdueScanner finds supplier orders past their supplier's limits and
// tells the operator (and the retailer when configured) once per breach.
type OverdueScanner struct {
	st     *store.Store
	q      jobs.Queue
	m      *metrics.Metrics
	log    *slog.Logger
	limits func(supplierCode string) OverdueLimits
	batch  int
}

// NewOverdueScanner builds a scanner; limits gives a supplier's policy.
func NewOverdueScanner(st *store.Store, q jobs.Queue, m *metrics.Metrics, log *slog.Logger, limits func(supplierCode string) OverdueLimits) *OverdueScanner {
	return &OverdueScanner{st: st, q: q, m: m, log: log, limits: limits, batch: 100}
}

// OverdueResult is what one scan did.
type OverdueResult struct {
	// Alerts counts the new breaches by kind.
	Alerts map[string]int
	// Resolved counts alerts closed because the order moved on.
	Resolved int64
}

// Scan looks, as of now, for supplier orders past a limit. A limit's
// clock starts when Supplyhub accepted the order (the supplier order's
// created_at): acknowledge_within is passed by an order still new or
// dispatched, ship_within by one still new, dispatched or acknowledged.
// Each breach (supplier order and kind) is recorded with its history
// event, the retailer's deliveries and the operator's email job in one
// transaction, under a unique key: a rerun, or a scan on another replica,
// finds it recorded and tells nobody again.
func (s *OverdueScanner) Scan(ctx context.Context, now time.Time) (OverdueResult, error) {
	res := OverdueResult{Alerts: map[string]int{}}
	sups, err := s.st.ListSuppliers(ctx)
	if err != nil {
		return res, fmt.Errorf("overdue scan: %w", err)
	}
	statuses := OverdueStatuses()
	for _, sup := range sups {
		lim := s.limits(sup.Code)
		for _, kind := range []string{OverdueAcknowledge, OverdueShip} {
			within := lim.within(kind)
			if within <= 0 {
				continue
			}
			for {
				cands, err := s.st.OverdueCandidates(ctx, sup.ID, kind, statuses[kind], now.Add(-within), s.batch)
				if err != nil {
					return res, fmt.Errorf("overdue scan %s: %w", sup.Code, err)
				}
				if len(cands) == 0 {
					break
				}
				n, err := s.record(ctx, sup, kind, within, lim.NotifyRetailer, cands, now)
				if err != nil {
					return res, fmt.Errorf("overdue scan %s: %w", sup.Code, err)
				}
				res.Alerts[kind] += n
				// No progress means the rest moved on under the lock (they
				// are not candidates any more) or were taken by another
				// scan: the next run sees what remains.
				if len(cands) < s.batch || n == 0 {
					break
				}
			}
		}
	}
	for kind, sts := range statuses {
		n, err := s.st.ResolveOverdue(ctx, kind, sts, now)
		if err != nil {
			return res, err
		}
		res.Resolved += n
	}
	return res, nil
}

// record writes the breaches among cands in one transaction and reports
// how many were new.
func (s *OverdueScanner) record(ctx context.Context, sup *domain.Supplier, kind string, within time.Duration, notify bool, cands []store.OverdueCandidate, now time.Time) (int, error) {
	// Read before the transaction: holding one while taking a second
	// pooled connection can exhaust the pool.
	retailers := map[int64]*domain.Retailer{}
	if notify {
		for _, c := range cands {
			if _, ok := retailers[c.OrderID]; ok {
				continue
			}
			r, err := s.st.RetailerOfOrder(ctx, c.OrderID)
			if err != nil {
				return 0, err
			}
			retailers[c.OrderID] = r
		}
	}
	statuses := OverdueStatuses()[kind]
	var ids []int64
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		ids = ids[:0]
		var params []river.InsertManyParams
		for _, c := range cands {
			so, err := s.st.LockSupplierOrder(ctx, tx, sup.ID, c.Number)
			if err != nil {
				return err
			}
			if !slices.Contains(statuses, so.Status) {
				continue // answered since the candidates were read
			}
			due := c.CreatedAt.Add(within)
			a := &store.OverdueAlert{SupplierOrderID: so.ID, SupplierID: sup.ID, Kind: kind, Status: so.Status,
				Limit: within, DueAt: due, DetectedAt: now}
			created, err := s.st.RecordOverdue(ctx, tx, a)
			if err != nil {
				return err
			}
			if !created {
				continue
			}
			data, _ := json.Marshal(map[string]any{"kind": kind, "limit": FormatWithin(within),
				"started_at": dbTime(c.CreatedAt), "due_at": dbTime(due)})
			ev := &store.StatusEvent{SupplierOrderID: so.ID, Kind: store.EventOverdue, From: so.Status, To: so.Status,
				Actor: "supplyhub", Channel: "overdue", Note: OverdueNote(kind, within, due), Data: data, OccurredAt: now}
			if err := s.st.AppendEvent(ctx, tx, ev); err != nil {
				return err
			}
			if err := s.st.SetOverdueEvent(ctx, tx, a.ID, ev.ID); err != nil {
				return err
			}
			if notify {
				snap, err := snapshotIn(ctx, s.st, tx, so.ID)
				if err != nil {
					return err
				}
				p, err := notifyRetailerOverdue(ctx, s.st, tx, retailers[so.OrderID], so, snap, ev)
				if err != nil {
					return err
				}
				params = append(params, p...)
			}
			ids = append(ids, a.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		params = append(params, river.InsertManyParams{Args: OverdueAlertArgs{AlertIDs: slices.Clone(ids)}})
		if s.q == nil {
			return errors.New("overdue: no job queue to tell the operator")
		}
		return s.q.InsertTx(ctx, tx, params)
	})
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		s.m.OverdueAlerts.WithLabelValues(kind).Add(float64(len(ids)))
		s.log.Warn("supplier orders overdue", "supplier", sup.Code, "kind", kind, "limit", FormatWithin(within), "new", len(ids))
	}
	return len(ids), nil
}

// notifyRetailerOverdue creates, in tx, a supplier_order.overdue delivery
// on every webhook and email channel of the retailer, and to its address
// when it has no email channel.
func notifyRetailerOverdue(ctx context.Context, st *store.Store, tx store.Tx, r *domain.Retailer, so *store.LockedSupplierOrder, snap []byte, ev *store.StatusEvent) ([]river.InsertManyParams, error) {
	if r == nil {
		return nil, nil
	}
	chans := append([]domain.Channel(nil), r.Channels...)
	if !slices.ContainsFunc(chans, func(c domain.Channel) bool { return c.Type == domain.ChannelEmail }) && r.Email != "" {
		chans = append(chans, retailerEmailChannel)
	}
	var params []river.InsertManyParams
	for _, ch := range chans {
		if ch.Type != domain.ChannelWebhook && ch.Type != domain.ChannelEmail {
			continue
		}
		d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: RetailerChannelPrefix + ch.Name,
			Kind: ch.Type, Event: NotificationEvent(EventSupplierOrderOverdue, ev.ID), Snapshot: snap}
		created, err := st.InsertDelivery(ctx, tx, d)
		if err != nil {
			return nil, fmt.Errorf("notify retailer %s of overdue %s: %w", r.Code, so.Number, err)
		}
		if created {
			params = append(params, dispatchJobFor(d.ID, ch))
		}
	}
	return params, nil
}

// OverdueNote is the sentence that tells of a breach.
func OverdueNote(kind string, within time.Duration, due time.Time) string {
	verb := "acknowledged"
	if kind == OverdueShip {
		verb = "shipped"
	}
	return fmt.Sprintf("overdue: not %s within %s of being accepted (due %s)", verb, FormatWithin(within),
		due.UTC().Format(time.RFC3339))
}

// FormatWithin writes a limit the way it is configured: two or more
// whole days as "3d", else hours or minutes ("24h", "90m").
func FormatWithin(d time.Duration) string {
	day := 24 * time.Hour
	if d >= 2*day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

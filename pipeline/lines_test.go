package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
	"github.com/supplyhub/supplyhub/pipeline"
)

// recordQueue is a jobs.Queue that only counts what would be queued.
type recordQueue struct{ n int }

func (q *recordQueue) InsertTx(_ context.Context, _ store.Tx, p []river.InsertManyParams) error {
	q.n += len(p)
	return nil
}
func (q *recordQueue) Insert(_ context.Context, p []river.InsertManyParams) error {
	q.n += len(p)
	return nil
}
func (q *recordQueue) Start(context.Context) error { return nil }
func (q *recordQueue) Stop(context.Context) error  { return nil }
func (q *recordQueue) Depth(context.Context) (int64, error) {
	return int64(q.n), nil
}
func (q *recordQueue) CompletedInTx(int64) {}

// lineFixture is one retailer (webhook, status emails off) and one
// supplier (2.2 %) with a three-line supplier order "1-31" and its accrual:
// line 1 HAM 4 × 2.50, line 2 SAW 1 × 20.00, line 3 NAIL 10 × 0.33 less
// 0.30 discount; items 33.00, shipping 4.90.
func lineFixture(t *testing.T, kind string) (*store.Store, *domain.Retailer, *domain.SupplierOrder) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, kind)
	r := &domain.Retailer{Code: "acme", Name: "Acme", Email: "orders@acme.test",
		Channels: []domain.Channel{{Name: "hook", Type: domain.ChannelWebhook, Settings: []byte(`{"url":"https://acme.test/h","secret":"whsec_x"}`)}}}
	if err := st.UpsertRetailer(ctx, r); err != nil {
		t.Fatal(err)
	}
	s := &domain.Supplier{Code: "31", Name: "Tools", CommissionBP: 220}
	if err := st.UpsertSupplier(ctx, s); err != nil {
		t.Fatal(err)
	}
	so := domain.SupplierOrder{SupplierID: s.ID, Supplier: "31", Status: domain.StatusDispatched, CommissionBP: 220, Shipping: 490,
		Lines: []domain.Line{
			{Position: 1, SKU: "HAM", Name: "Hammer", Quantity: 4, UnitPrice: 250, Total: 1000},
			{Position: 2, SKU: "SAW", Name: "Saw", Quantity: 1, UnitPrice: 2000, Total: 2000},
			{Position: 3, SKU: "NAIL", Name: "Nails", Quantity: 10, UnitPrice: 33, Discount: 30, Total: 300},
		}}
	so.ItemTotal = 3300
	so.Commission = domain.Commission(so.ItemTotal, 220) // 73 (72.6)
	so.Payout = so.ItemTotal - so.Commission + so.Shipping
	now := time.Now().UTC()
	o := &domain.Order{RetailerID: r.ID, RequestHash: "h", Status: domain.StatusDispatched, ItemTotal: 3300, Shipping: 490,
		Header:    domain.OrderHeader{ExternalID: "E-1", PlacedAt: now, Currency: "EUR", Customer: domain.Customer{Name: "Z"}},
		Suppliers: []domain.SupplierOrder{so}, CreatedAt: now, UpdatedAt: now}
	err := st.InTx(ctx, func(tx store.Tx) error {
		if _, err := st.InsertOrder(ctx, tx, o, func(o, s string) string { return o + "-" + s }); err != nil {
			return err
		}
		return st.AccrueCommission(ctx, tx, r.ID, &o.Suppliers[0], "EUR", now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, r, &o.Suppliers[0]
}

func ledgerNet(t *testing.T, st *store.Store, soID int64) store.LedgerEntry {
	t.Helper()
	var net store.LedgerEntry
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		net, _, err = st.LedgerNet(context.Background(), tx, soID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func lineStates(t *testing.T, st *store.Store, soID int64) (status string, lines map[int]domain.Line) {
	t.Helper()
	so, err := st.SupplierOrderByID(context.Background(), soID)
	if err != nil {
		t.Fatal(err)
	}
	lines = map[int]domain.Line{}
	for _, l := range so.Lines {
		lines[l.Position] = l
	}
	return so.Status, lines
}

// TestLineAnswers: backorder one line and reject another (all or
// nothing, replayed by key), then a retailer's accepted cancellation of
// some units; line states, the derived status, the ledger (by hand) and
// the retailer's deliveries follow.
func TestLineAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st, r, so := lineFixture(t, kind)
		q := &recordQueue{}
		dec20 := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)

		// A bad answer refuses the whole update, naming each field.
		_, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{Answers: []pipeline.LineAnswer{
			{Position: 1, Action: pipeline.LineBackorder},
			{Position: 9, Action: pipeline.LineAccept},
			{Position: 2, Action: pipeline.LineReject},
		}})
		var le *pipeline.LinesError
		if !errors.As(err, &le) || !errors.Is(err, pipeline.ErrLineAnswer) || len(le.Fields) != 3 ||
			le.Fields[0].Field != "lines[0].expected_date" || le.Fields[1].Field != "lines[1].position" || le.Fields[2].Field != "lines[2].reason" {
			t.Fatalf("bad answers: %v", err)
		}
		if status, lines := lineStates(t, st, so.ID); status != "dispatched" || lines[1].Status != "open" {
			t.Fatalf("a refused update changed the order: %s %+v", status, lines[1])
		}

		upd := pipeline.LineUpdate{Actor: "supplier 31", Channel: "api", IdempotencyKey: "k1", Answers: []pipeline.LineAnswer{
			{Position: 1, Action: pipeline.LineBackorder, ExpectedDate: dec20},
			{Position: 2, Action: pipeline.LineReject, ReasonCode: "out_of_range", Reason: "Discontinued"},
			{Position: 3, Action: pipeline.LineAccept},
		}}
		res, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, upd)
		if err != nil || !res.Applied || res.Event.To != "backordered" {
			t.Fatalf("answers: %+v %v", res, err)
		}
		status, lines := lineStates(t, st, so.ID)
		if status != "backordered" || lines[1].Status != "backordered" || lines[1].ExpectedDate != "2026-12-20" ||
			lines[2].Status != "rejected" || lines[2].CancelledQty != 1 || lines[2].ReasonCode != "out_of_range" || lines[3].Status != "accepted" {
			t.Fatalf("after answers: %s %+v", status, lines)
		}
		// Line 2 (20.00) leaves 13.00: commission 0.29 (0.286), was 0.73.
		if net := ledgerNet(t, st, so.ID); net.ItemTotal != 1300 || net.Commission != 29 || net.Shipping != 490 || net.Payout != 1300-29+490 {
			t.Errorf("ledger after the rejection: %+v", net)
		}
		// The webhook, order.status_changed (the order went backordered) and
		// the email a rejection always gets (status emails off, no email channel).
		if q.n != 3 {
			t.Errorf("%d notification jobs, want 3", q.n)
		}
		ds, err := st.RetailerDeliveries(ctx, r.ID, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, d := range ds {
			events = append(events, d.Channel+" "+strings.SplitN(d.Event, ":", 2)[0])
		}
		if got := strings.Join(events, ","); !strings.Contains(got, "retailer/hook supplier_order.lines_cancelled") ||
			!strings.Contains(got, "retailer/email supplier_order.lines_cancelled") {
			t.Errorf("retailer deliveries: %s", got)
		}

		// The same key again: the first result, nothing new.
		again, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, upd)
		if err != nil || !again.Replayed || again.Event.ID != res.Event.ID {
			t.Fatalf("replay: %+v %v", again, err)
		}
		if net := ledgerNet(t, st, so.ID); net.ItemTotal != 1300 {
			t.Errorf("replay reversed again: %+v", net)
		}

		// The retailer's accepted request cancels 4 of the 10 nails.
		res, err = pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{ByRetailer: true,
			IdempotencyKey: "cancel-request-7", Actor: "retailer acme", Channel: "api",
			Answers: []pipeline.LineAnswer{{Position: 3, Action: pipeline.LineCancel, Quantity: 4, Reason: "customer changed mind"}}})
		if err != nil || !res.Applied {
			t.Fatalf("cancel: %+v %v", res, err)
		}
		status, lines = lineStates(t, st, so.ID)
		if status != "backordered" || lines[3].CancelledQty != 4 || lines[3].Status != "accepted" {
			t.Errorf("after the cancellation: %s %+v", status, lines[3])
		}
		// Nails keep 3.00 − round(3.00 × 4/10) = 1.80: items 11.80, commission 0.26 (0.2596).
		if net := ledgerNet(t, st, so.ID); net.ItemTotal != 1180 || net.Commission != 26 || net.Payout != 1180-26+490 {
			t.Errorf("ledger after the cancellation: %+v", net)
		}
		changes, err := st.LineChanges(ctx, so.ID)
		if err != nil || len(changes) != 4 || changes[3].Action != "cancel" || changes[3].CancelledQty != 4 || changes[3].Reason != "customer changed mind" {
			t.Errorf("line changes: %+v %v", changes, err)
		}
	})
}

// TestPackagesAddUp: packages of some lines make the order partially
// shipped; a second package adds to the first; shipping more than is left
// of a line is refused naming the line; the rest cancelled leaves it
// shipped, with the cancelled share reversed.
func TestPackagesAddUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st, _, so := lineFixture(t, kind)
		q := &recordQueue{}
		ship := func(lines string) (*pipeline.StatusResult, error) {
			return pipeline.ApplyStatus(ctx, st, q, so.SupplierID, so.Number, pipeline.StatusUpdate{Action: pipeline.ActShip,
				Shipment: &store.Shipment{Carrier: "DHL", TrackingNumber: "T" + lines, Lines: []byte(lines)}})
		}
		if res, err := ship(`[{"sku":"HAM","quantity":3}]`); err != nil || res.Event.To != "partially_shipped" {
			t.Fatalf("first package: %+v %v", res, err)
		}
		if res, err := ship(`[{"position":1,"quantity":1},{"position":2,"quantity":1}]`); err != nil || res.Event.To != "partially_shipped" {
			t.Fatalf("second package: %+v %v", res, err)
		}
		_, err := ship(`[{"position":3,"quantity":4},{"sku":"HAM","quantity":1}]`)
		if !errors.Is(err, pipeline.ErrOverShip) || !strings.Contains(err.Error(), "line 1 (SKU HAM): cannot ship 1, only 0 left to ship") {
			t.Fatalf("over-ship: %v", err)
		}
		_, lines := lineStates(t, st, so.ID)
		if lines[1].ShippedQty != 4 || lines[1].Status != "shipped" || lines[2].Status != "shipped" || lines[3].ShippedQty != 0 {
			t.Fatalf("lines after packages: %+v", lines)
		}
		ships, err := st.Shipments(ctx, so.ID)
		var second []pipeline.PackageLine
		if err != nil || len(ships) != 2 || json.Unmarshal(ships[1].Lines, &second) != nil || len(second) != 2 || second[1].Position != 2 || second[1].SKU != "SAW" {
			t.Fatalf("shipments: %+v %v", ships, err)
		}
		// A whole-order cancel is refused once some has shipped; the line is cancelled instead.
		if _, err := pipeline.ApplyStatus(ctx, st, q, so.SupplierID, so.Number, pipeline.StatusUpdate{Action: pipeline.ActCancel, Note: "x"}); !errors.Is(err, pipeline.ErrIllegalTransition) {
			t.Errorf("cancel of a partially shipped order: %v", err)
		}
		res, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{
			Answers: []pipeline.LineAnswer{{Position: 3, Action: pipeline.LineReject, ReasonCode: "out_of_stock"}}})
		if err != nil || res.Event.To != "shipped" {
			t.Fatalf("reject the rest: %+v %v", res, err)
		}
		if net := ledgerNet(t, st, so.ID); net.ItemTotal != 3000 || net.Commission != 66 || net.Shipping != 490 {
			t.Errorf("ledger: %+v", net)
		}
	})
}

// TestWholeOrderAfterLines: a whole-order acknowledgement accepts every
// open line; a whole cancel after a line rejection reverses exactly what
// is left, netting the ledger to zero.
func TestWholeOrderAfterLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st, _, so := lineFixture(t, kind)
		q := &recordQueue{}
		if _, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{
			Answers: []pipeline.LineAnswer{{Position: 2, Action: pipeline.LineChangeQuantity, Quantity: 1}}}); err != nil {
			t.Fatal(err) // the same quantity: nothing changes but it is no error
		}
		res, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{
			Answers: []pipeline.LineAnswer{{Position: 1, Action: pipeline.LineChangeQuantity, Quantity: 3, Reason: "only 3 left"}}})
		if err != nil || res.Event.To != "partially_cancelled" {
			t.Fatalf("change quantity: %+v %v", res, err)
		}
		jobs := q.n
		res, err = pipeline.ApplyStatus(ctx, st, q, so.SupplierID, so.Number, pipeline.StatusUpdate{Action: pipeline.ActAcknowledge})
		if err != nil || !res.Applied || !strings.Contains(string(res.Event.Data), `"lines"`) {
			t.Fatalf("acknowledge: %+v %v", res, err)
		}
		if q.n != jobs+1 { // the lines it accepted reach the retailer's webhook
			t.Errorf("acknowledging open lines queued %d jobs, want 1", q.n-jobs)
		}
		status, lines := lineStates(t, st, so.ID)
		if status != "partially_cancelled" || lines[2].Status != "accepted" || lines[3].Status != "accepted" || lines[1].AcceptedQty != 3 {
			t.Fatalf("after the acknowledgement: %s %+v", status, lines)
		}
		if _, err := pipeline.ApplyStatus(ctx, st, q, so.SupplierID, so.Number, pipeline.StatusUpdate{Action: pipeline.ActCancel, Note: "closing"}); err != nil {
			t.Fatal(err)
		}
		status, lines = lineStates(t, st, so.ID)
		if net := ledgerNet(t, st, so.ID); status != "cancelled" || lines[3].Status != "cancelled" || net.ItemTotal != 0 || net.Commission != 0 || net.Payout != 0 || net.Shipping != 0 {
			t.Errorf("after the cancel: %s, ledger %+v", status, net)
		}
		if _, err := pipeline.ApplyLineAnswers(ctx, st, q, so.SupplierID, so.Number, pipeline.LineUpdate{
			Answers: []pipeline.LineAnswer{{Position: 1, Action: pipeline.LineAccept}}}); !errors.Is(err, pipeline.ErrIllegalTransition) {
			t.Errorf("answer on a cancelled order: %v", err)
		}
	})
}

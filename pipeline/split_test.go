package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

func TestSplit(t *testing.T) {
	suppliers := map[string]*domain.Supplier{
		"31": {ID: 1, Code: "31", CommissionBP: 220},
		"40": {ID: 2, Code: "40", CommissionBP: 500},
	}
	req := &OrderRequest{
		ExternalID: "X", Currency: "EUR",
		Lines: []LineRequest{
			{SKU: "P", Supplier: "40", Quantity: 3, UnitPrice: 333, Discount: 99}, // 999 − 99 = 900
			{SKU: "A", Supplier: "31", Quantity: 1, UnitPrice: 1025},
			{SKU: "B", Supplier: "31", Quantity: 2, UnitPrice: 1},
		},
		Shipping: map[string]domain.Money{"31": 495},
	}
	o := Split(req, time.Unix(0, 0), &domain.Retailer{ID: 9, Code: "acme"}, suppliers)
	if len(o.Suppliers) != 2 || o.Suppliers[0].Supplier != "31" || o.Suppliers[1].Supplier != "40" {
		t.Fatalf("split into %+v", o.Suppliers)
	}
	s31, s40 := o.Suppliers[0], o.Suppliers[1]
	// 31: items 1025 + 2 = 1027; 2.2 % = 22.594 → 23; payout 1027 − 23 + 495.
	if s31.ItemTotal != 1027 || s31.Commission != 23 || s31.Shipping != 495 || s31.Payout != 1027-23+495 {
		t.Errorf("31: %+v", s31)
	}
	// 40: items 900; 5 % = 45; no shipping.
	if s40.ItemTotal != 900 || s40.Commission != 45 || s40.Payout != 855 {
		t.Errorf("40: %+v", s40)
	}
	if s31.Lines[0].Position != 2 || s40.Lines[0].Position != 1 {
		t.Errorf("lines keep their position in the request")
	}
	if o.ItemTotal != 1927 || o.Shipping != 495 || o.Total != 2422 || o.Header.Customer.Type != domain.CustomerB2C {
		t.Errorf("order totals %+v", o)
	}
}

func TestSupplierOrderNumberer(t *testing.T) {
	n := SupplierOrderNumberer("{order}-{supplier}")
	if got := n("22", "31"); got != "22-31" {
		t.Errorf("got %q", got)
	}
	if got := SupplierOrderNumberer("SO{order}/{supplier}")("22", "31"); got != "SO22/31" {
		t.Errorf("got %q", got)
	}
}

func TestRetryDelay(t *testing.T) {
	sched := DefaultRetry()
	if len(sched) != 9 || sched[0] != 5*time.Second || sched[8] != 24*time.Hour {
		t.Fatalf("default schedule %v", sched)
	}
	for _, tc := range []struct {
		n    int
		rnd  float64
		want time.Duration
	}{
		{1, 0.5, 5 * time.Second},
		{1, 0, 4500 * time.Millisecond},
		{2, 0.999999, 5*time.Minute + 30*time.Second - 60*time.Microsecond},
		{9, 0.5, 24 * time.Hour},
		{30, 0.5, 24 * time.Hour},
	} {
		got := RetryDelay(sched, tc.n, func() float64 { return tc.rnd })
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("RetryDelay(n=%d, rnd=%v) = %s, want %s", tc.n, tc.rnd, got, tc.want)
		}
	}
	if _, err := RetrySchedule([]byte(`{"retry":["5s","soon"]}`)); err == nil || !strings.Contains(err.Error(), "retry[1]") {
		t.Errorf("bad schedule error: %v", err)
	}
	if s, err := RetrySchedule([]byte(`{"retry":["1s","2s"]}`)); err != nil || len(s) != 2 {
		t.Errorf("custom schedule: %v %v", s, err)
	}
}

func TestNextRun(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 7, 30, 0, time.UTC)
	for _, tc := range []struct {
		settings string
		want     time.Time
		err      bool
	}{
		{`{}`, now, false},
		{`{"schedule":"immediate"}`, now, false},
		{`{"schedule":"*/15 * * * *"}`, time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC), false},
		{`{"schedule":"0 6 * * *","time_zone":"Europe/Paris"}`, time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC), false},
		{`{"schedule":"every now and then"}`, now, true},
		{`{"schedule":"0 6 * * *","time_zone":"Mars/Base"}`, now, true},
	} {
		got, err := NextRun([]byte(tc.settings), now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("NextRun(%s) = %s, %v; want %s (error %v)", tc.settings, got, err, tc.want, tc.err)
		}
	}
}

func TestTransition(t *testing.T) {
	for _, tc := range []struct {
		from, action, to, outcome string
		err                       bool
	}{
		{"new", ActAcknowledge, "acknowledged", "", false},
		{"dispatched", ActAcknowledge, "acknowledged", "", false},
		{"acknowledged", ActAcknowledge, "acknowledged", Unchanged, false},
		{"shipped", ActAcknowledge, "shipped", Backwards, false},
		{"delivered", ActShip, "delivered", Backwards, false},
		{"shipped", ActShip, "shipped", "", false},
		{"acknowledged", ActCancel, "cancelled", "", false},
		{"backordered", ActCancel, "cancelled", "", false},
		{"shipped", ActCancel, "", "", true},
		{"cancelled", ActShip, "", "", true},
		{"cancelled", ActAcknowledge, "", "", true},
		{"rejected", ActDeliver, "", "", true},
		{"new", ActDeliver, "", "", true},
		{"delivered", ActNote, "delivered", Unchanged, false},
		{"new", "teleport", "", "", true},
		{"new", ActAwaitStock, "awaiting_stock", "", false},
		{"awaiting_stock", ActRelease, "new", "", false},
		{"awaiting_stock", ActCancel, "cancelled", "", false},
		{"awaiting_stock", ActAcknowledge, "", "", true},
		{"awaiting_stock", ActShip, "", "", true},
		{"dispatched", ActRelease, "dispatched", Backwards, false},
		{"partially_cancelled", ActAcknowledge, "acknowledged", "", false},
		{"partially_cancelled", ActCancel, "cancelled", "", false},
		{"partially_shipped", ActShip, "shipped", "", false},
		{"partially_shipped", ActCancel, "", "", true},
		{"partially_shipped", ActAcknowledge, "partially_shipped", Backwards, false},
		{"partially_shipped", ActDeliver, "", "", true},
	} {
		to, outcome, err := Transition(tc.from, tc.action)
		if (err != nil) != tc.err || to != tc.to || outcome != tc.outcome {
			t.Errorf("Transition(%s, %s) = %q, %q, %v", tc.from, tc.action, to, outcome, err)
		}
		if err != nil && tc.from != "new" && !strings.Contains(err.Error(), tc.from) {
			t.Errorf("error does not name the current state: %v", err)
		}
	}
}

func TestDeriveOrderStatus(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"cancelled", "rejected"}, "cancelled"},
		{[]string{"delivered", "cancelled"}, "delivered"},
		{[]string{"shipped", "delivered"}, "shipped"},
		{[]string{"shipped", "acknowledged"}, "partially_shipped"},
		{[]string{"backordered", "acknowledged"}, "backordered"},
		{[]string{"acknowledged", "acknowledged"}, "acknowledged"},
		{[]string{"dispatched", "acknowledged"}, "dispatched"},
		{[]string{"new", "dispatched"}, "new"},
		{[]string{"awaiting_stock", "acknowledged"}, "awaiting_stock"},
		{[]string{"awaiting_stock", "cancelled"}, "awaiting_stock"},
		{[]string{"awaiting_stock", "shipped"}, "partially_shipped"},
		{[]string{"partially_shipped", "acknowledged"}, "partially_shipped"},
		{[]string{"partially_shipped", "cancelled"}, "partially_shipped"},
		{[]string{"partially_cancelled", "acknowledged"}, "partially_cancelled"},
		{[]string{"partially_cancelled", "backordered"}, "backordered"},
		{[]string{"partially_cancelled", "dispatched"}, "dispatched"},
		{[]string{"partially_cancelled", "new"}, "new"},
	} {
		if got := DeriveOrderStatus(tc.in); got != tc.want {
			t.Errorf("DeriveOrderStatus(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

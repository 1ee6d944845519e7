package domain

import (
	"encoding/json"
	"math"
	"testing"
)

func TestCommissionRounding(t *testing.T) {
	// Half away from zero, once per supplier order, on the item total.
	for _, tc := range []struct {
		amount Money
		bp     int
		want   Money
	}{
		{2500, 220, 55}, // 25.00 × 2.2 % = 0.55 exactly
		{1000, 220, 22}, // 10.00 → 0.22
		{1025, 220, 23}, // 22.55 cents → 23
		{1022, 220, 22}, // 22.484 → 22
		{2273, 220, 50}, // 50.006 → 50
		{25, 200, 1},    // 0.5 cent → 1 (half away from zero)
		{-25, 200, -1},  // a negative correction rounds symmetrically
		{0, 220, 0},
		{99999999, 10000, 99999999}, // 100 %
	} {
		if got := Commission(tc.amount, tc.bp); got != tc.want {
			t.Errorf("Commission(%d, %d) = %d, want %d", tc.amount, tc.bp, got, tc.want)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	for in, want := range map[string]Money{`1250`: 1250, `"12.50"`: 1250, `"12.5"`: 1250, `"0.07"`: 7, `"-3"`: -300, `"12"`: 1200} {
		var m Money
		if err := json.Unmarshal([]byte(in), &m); err != nil || m != want {
			t.Errorf("unmarshal %s = %d, %v; want %d", in, m, err, want)
		}
	}
	for _, bad := range []string{`12.5`, `1e3`, `"12.555"`, `"abc"`, `"1.2.3"`, `"."`, `""`, `"12."`, `true`} {
		var m Money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("unmarshal %s accepted as %d", bad, m)
		}
	}
}

func TestMoneyDecimal(t *testing.T) {
	for m, want := range map[Money]string{0: "0.00", 7: "0.07", -7: "-0.07", 1250: "12.50", -123456: "-1234.56",
		math.MinInt64: "-92233720368547758.08"} {
		if got := m.Decimal(); got != want {
			t.Errorf("%d.Decimal() = %q, want %q", int64(m), got, want)
		}
	}
}

package bench

import (
	"os"
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 1..100 ms, shuffled by reversal
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Dist
	}{
		{"empty", nil, Dist{}},
		{"one", []time.Duration{1500 * time.Microsecond}, Dist{N: 1, P50: 1.5, P95: 1.5, P99: 1.5, Max: 1.5}},
		{"1..100 ms", ds, Dist{N: 100, P50: 50, P95: 95, P99: 99, Max: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarise(tc.in); got != tc.want {
				t.Errorf("summarise = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct{ a, b, want float64 }{
		{1, 0, 0}, {0, 5, 0}, {1, 3, 0.3333}, {29990.4, 1, 29990}, {162.3, 618.3, 0.2625},
	}
	for _, tc := range tests {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMessageNumber(t *testing.T) {
	tests := []struct {
		id   string
		want string
		ok   bool
	}{
		{"<order.created.22-email3+ab12@hub.test>", "22-email3", true},
		{"<order.cancelled.22-31+ab12@hub.test>", "", false},
		{"<order.created.+ab12@hub.test>", "", false},
		{"<order.created.22-31@hub.test>", "", false},
	}
	for _, tc := range tests {
		got, ok := messageNumber(tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("messageNumber(%q) = %q, %v; want %q, %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
}

// TestOwnProcessStats reads this test process's own /proc entries.
func TestOwnProcessStats(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// Burn CPU until the kernel's count (in 10 ms ticks) moves: on a busy
	// machine a fixed 50 ms of wall time could be less than one tick.
	var cpu float64
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for end := time.Now().Add(20 * time.Millisecond); time.Now().Before(end); {
		}
		if cpu, err = cpuSeconds(os.Getpid()); err != nil || cpu > 0 {
			break
		}
	}
	if err != nil || cpu <= 0 {
		t.Errorf("cpuSeconds = %v, %v", cpu, err)
	}
	rss, err := peakRSSMiB(os.Getpid())
	if err != nil || rss < 1 {
		t.Errorf("peakRSSMiB = %v, %v", rss, err)
	}
	if _, err := cpuSeconds(1 << 30); err == nil {
		t.Error("cpuSeconds of a pid that cannot exist: no error")
	}
}

package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultScheduleIsACopy(t *testing.T) {
	s := DefaultSchedule()
	if len(s) != 10 || s[0] != 0 || s[1] != 5*time.Second || s[9] != 24*time.Hour {
		t.Fatalf("DefaultSchedule() = %v", s)
	}
	s[1] = time.Hour
	if DefaultSchedule()[1] != 5*time.Second {
		t.Fatal("mutating a returned schedule changed the default")
	}
}

func TestParseSchedule(t *testing.T) {
	got, err := ParseSchedule([]string{"immediately", " 5s", "5m", "30m", "2h", "5h", "10h", "14h", "20h", "24h"})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSchedule()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: got %v, want %v", i, got[i], want[i])
		}
	}

	bad := []struct {
		in   []string
		want string
	}{
		{nil, "no attempts"},
		{[]string{"0s", "5x"}, "entry 1"},
		{[]string{"0s", "5s", "-1m"}, "entry 2: negative"},
		{[]string{""}, "entry 0"},
	}
	for _, tt := range bad {
		_, err := ParseSchedule(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSchedule(%q): error %v, want mention of %q", tt.in, err, tt.want)
		}
	}
}

func TestNextDelay(t *testing.T) {
	s := DefaultSchedule()
	fixed := func(v float64) func() float64 { return func() float64 { return v } }
	tests := []struct {
		name   string
		failed int
		jitter func() float64
		want   time.Duration
		ok     bool
	}{
		{"after 1st, no jitter", 1, fixed(0.5), 5 * time.Second, true},
		{"after 1st, low edge", 1, fixed(0), 4500 * time.Millisecond, true},
		{"after 1st, high edge", 1, fixed(1), 5500 * time.Millisecond, true},
		{"after 2nd", 2, fixed(0.5), 5 * time.Minute, true},
		{"after 9th", 9, fixed(0.5), 24 * time.Hour, true},
		{"after 9th, -10%", 9, fixed(0), 24 * time.Hour * 9 / 10, true},
		{"after 10th is dead", 10, fixed(0.5), 0, false},
		{"beyond the end", 42, fixed(0.5), 0, false},
		{"zero counts as first", 0, fixed(0.5), 5 * time.Second, true},
		{"source out of range is clamped", 1, fixed(7), 5500 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NextDelay(s, tt.failed, tt.jitter)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("NextDelay(%d) = %v, %v; want %v, %v", tt.failed, got, ok, tt.want, tt.ok)
			}
		})
	}

	// With the real random source every delay stays within ±10 %.
	for attempt := 1; attempt < len(s); attempt++ {
		for range 100 {
			got, ok := NextDelay(s, attempt, nil)
			lo, hi := s[attempt]*9/10, s[attempt]*11/10
			if !ok || got < lo || got > hi {
				t.Fatalf("NextDelay(%d) = %v, want within [%v, %v]", attempt, got, lo, hi)
			}
		}
	}

	if d, ok := NextDelay(Schedule{0, 0, time.Minute}, 1, nil); d != 0 || !ok {
		t.Fatalf("zero delay: got %v, %v", d, ok)
	}
}

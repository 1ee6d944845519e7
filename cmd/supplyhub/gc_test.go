package main

import "testing"

// TestServeGCPercent: serve sets its own GC target unless the operator
// gave one with GOGC (off included).
func TestServeGCPercent(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		pct    int
		setsIt bool
	}{
		{"no GOGC: serve's default", []string{"HOME=/root", "SUPPLYHUB_CONFIG=x.yaml"}, serveGCPercentDefault, true},
		{"GOGC given", []string{"GOGC=50"}, 0, false},
		{"GOGC=off", []string{"PATH=/bin", "GOGC=off"}, 0, false},
		{"a variable that only starts like it", []string{"GOGCX=1"}, serveGCPercentDefault, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pct, ok := serveGCPercent(tt.env)
			if pct != tt.pct || ok != tt.setsIt {
				t.Fatalf("serveGCPercent(%q) = %d, %v; want %d, %v", tt.env, pct, ok, tt.pct, tt.setsIt)
			}
		})
	}
	if serveGCPercentDefault <= 100 {
		t.Fatalf("serve's GC target %d is not above Go's default 100", serveGCPercentDefault)
	}
}

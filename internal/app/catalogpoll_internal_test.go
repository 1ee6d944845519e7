package app

import (
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// TestCatalogPollJobs: a feed is polled in the minute its schedule ticks,
// never without a folder.
func TestCatalogPollJobs(t *testing.T) {
	sups := []*domain.Supplier{
		{ID: 1, Catalog: domain.CatalogSettings{Feed: domain.CatalogFeed{Channel: "own", Dir: "/c"}}},                    // */15
		{ID: 2, Catalog: domain.CatalogSettings{Feed: domain.CatalogFeed{Channel: "own", Dir: "/c", Poll: "5 * * * *"}}}, // :05
		{ID: 3, Catalog: domain.CatalogSettings{Feed: domain.CatalogFeed{Channel: "own"}}},                               // no dir
	}
	for _, tc := range []struct {
		at   string
		want []int64
	}{
		{"2026-11-30T10:15:00Z", []int64{1}},
		{"2026-11-30T10:05:30Z", []int64{2}},
		{"2026-11-30T10:07:00Z", nil},
	} {
		now, _ := time.Parse(time.RFC3339, tc.at)
		var got []int64
		for _, p := range catalogPollJobs(sups, now) {
			got = append(got, p.Args.(CatalogPollArgs).SupplierID)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("at %s: polls %v, want %v", tc.at, got, tc.want)
		}
	}
}

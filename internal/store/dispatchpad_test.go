package store

import (
	"slices"
	"testing"
)

// TestDispatchPad checks that a dispatch load's id list on PostgreSQL
// takes one of five lengths (so five statement texts to plan, not
// sixteen), keeps every id, and adds only repeats of one of them; SQLite's
// is left as it is.
func TestDispatchPad(t *testing.T) {
	for _, tc := range []struct {
		kind string
		ids  []int64
		want []int64
	}{
		{KindPostgres, []int64{7}, []int64{7}},
		{KindPostgres, []int64{7, 3}, []int64{7, 3}},
		{KindPostgres, []int64{7, 3, 9}, []int64{7, 3, 9, 9}},
		{KindPostgres, []int64{1, 2, 3, 4, 5}, []int64{1, 2, 3, 4, 5, 5, 5, 5}},
		{KindPostgres, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
			[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
		{KindSQLite, []int64{7, 3, 9}, []int64{7, 3, 9}},
	} {
		in := slices.Clone(tc.ids)
		got := dispatchPad(tc.kind, in)
		if !slices.Equal(got, tc.want) || !slices.Equal(in, tc.ids) {
			t.Errorf("%s %v: %v (input now %v), want %v", tc.kind, tc.ids, got, in, tc.want)
		}
	}
	lengths := map[int]bool{}
	for n := 1; n <= 16; n++ {
		lengths[len(dispatchPad(KindPostgres, make([]int64, n)))] = true
	}
	if len(lengths) != 5 {
		t.Errorf("%d list lengths for batches of 1 to 16, want 5", len(lengths))
	}
}

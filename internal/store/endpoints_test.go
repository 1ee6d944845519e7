package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestDisableEndpointOnce: of concurrent disablings of one endpoint
// exactly one reports that it disabled it (that one's alert is the only
// one sent), and the reason stays the first one's; enabled again, it can
// be disabled again.
func TestDisableEndpointOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, _ := seed(t, st)
		const n = 8
		won := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				reason := "reason " + string(rune('a'+i))
				ok, err := st.DisableEndpoint(ctx, s1.ID, "file", reason)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won <- reason
				}
			})
		}
		wg.Wait()
		close(won)
		var winners []string
		for r := range won {
			winners = append(winners, r)
		}
		if len(winners) != 1 {
			t.Fatalf("%d callers disabled the endpoint, want 1: %v", len(winners), winners)
		}
		e, err := st.EndpointState(ctx, s1.ID, "file")
		if err != nil || e.DisabledAt == nil || e.DisabledReason != winners[0] {
			t.Fatalf("endpoint %+v (%v), want disabled for %q", e, err, winners[0])
		}
		if ok, err := st.DisableEndpoint(ctx, s1.ID, "file", "later"); ok || err != nil {
			t.Errorf("disabling a disabled endpoint: %v %v", ok, err)
		}
		if err := st.EnableEndpoint(ctx, s1.ID, "file"); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.DisableEndpoint(ctx, s1.ID, "file", "again"); !ok || err != nil {
			t.Errorf("disabling a re-enabled endpoint: %v %v", ok, err)
		}
	})
}

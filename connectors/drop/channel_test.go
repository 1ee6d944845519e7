package drop

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// countingUploader records how many Puts run at once; each Put waits a
// moment so that overlapping calls overlap.
type countingUploader struct {
	now, peak atomic.Int32
	mu        sync.Mutex
	names     []string
}

func (u *countingUploader) Put(_ context.Context, name string, _ []byte) error {
	n := u.now.Add(1)
	defer u.now.Add(-1)
	for {
		p := u.peak.Load()
		if n <= p || u.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond)
	u.mu.Lock()
	u.names = append(u.names, name)
	u.mu.Unlock()
	return nil
}

func (u *countingUploader) Close() error { return nil }

type concurrentUploader struct{ *countingUploader }

func (concurrentUploader) ConcurrentPut() {}

type oneDialer struct{ up Uploader }

func (d oneDialer) Dial(context.Context, *pipeline.DeliveryRequest) (Uploader, error) {
	return d.up, nil
}
func (d oneDialer) Key(*pipeline.DeliveryRequest) string       { return "one" }
func (d oneDialer) Validate([]byte) []pipeline.SettingsProblem { return nil }
func (d oneDialer) IsPermanent(error) bool                     { return false }

// TestChannelConcurrentUploads: a session's uploads run one at a time
// unless its uploader is a ConcurrentUploader.
func TestChannelConcurrentUploads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		concurrent bool
	}{{"serial", false}, {"concurrent", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cu := &countingUploader{}
			var up Uploader = cu
			if tc.concurrent {
				up = concurrentUploader{cu}
			}
			ch := NewChannel("test", oneDialer{up}, time.Minute)
			defer ch.Close()
			const n = 8
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					so := &domain.SupplierOrder{Number: fmt.Sprintf("%d-31", i), Supplier: "31", Order: domain.OrderHeader{Number: fmt.Sprint(i)},
						Lines: []domain.Line{{SKU: "X", Name: "x", Quantity: 1}}}
					req := &pipeline.DeliveryRequest{Delivery: &domain.Delivery{Event: domain.EventOrderCreated}, SupplierOrder: so,
						Supplier: &domain.Supplier{Code: "31"}, Channel: domain.Channel{Settings: []byte(`{}`)}}
					if _, err := ch.Deliver(context.Background(), req); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if len(cu.names) != n {
				t.Fatalf("%d files uploaded, want %d", len(cu.names), n)
			}
			peak := cu.peak.Load()
			if !tc.concurrent && peak != 1 {
				t.Fatalf("%d uploads ran at once on a serial session", peak)
			}
			if tc.concurrent && peak < 2 {
				t.Fatalf("uploads on a concurrent session never overlapped (peak %d)", peak)
			}
		})
	}
}

// cuttingUploader fails its first Put as a cut connection would, leaving
// a temporary file it could not remove, and records what RemoveTemps got.
type cuttingUploader struct {
	puts    int
	left    []string
	removed [][]string
}

func (u *cuttingUploader) Put(_ context.Context, name string, _ []byte) error {
	u.puts++
	if u.puts == 1 {
		u.left = append(u.left, "."+name+".0badc0de.tmp")
		return fmt.Errorf("connection lost")
	}
	return nil
}
func (u *cuttingUploader) Close() error { return nil }
func (u *cuttingUploader) LeftTemps() []string {
	l := u.left
	u.left = nil
	return l
}
func (u *cuttingUploader) RemoveTemps(_ context.Context, paths []string) error {
	u.removed = append(u.removed, paths)
	return nil
}

// TestChannelRemovesLeftTemps: a temporary file a cut upload could not
// remove is removed through the endpoint's next successful session, once,
// and the attempt's response says so.
func TestChannelRemovesLeftTemps(t *testing.T) {
	up := &cuttingUploader{}
	ch := NewChannel("test", oneDialer{up}, time.Minute)
	defer ch.Close()
	so := &domain.SupplierOrder{Number: "1-31", Supplier: "31", Order: domain.OrderHeader{Number: "1"},
		Lines: []domain.Line{{SKU: "X", Name: "x", Quantity: 1}}}
	req := &pipeline.DeliveryRequest{Delivery: &domain.Delivery{Event: domain.EventOrderCreated}, SupplierOrder: so,
		Supplier: &domain.Supplier{Code: "31"}, Channel: domain.Channel{Settings: []byte(`{}`)}}
	if _, err := ch.Deliver(context.Background(), req); err == nil {
		t.Fatal("the first upload did not fail")
	}
	res, err := ch.Deliver(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.removed) != 1 || len(up.removed[0]) != 1 || up.removed[0][0] != ".1-31.csv.0badc0de.tmp" {
		t.Fatalf("removed %v, want the one left temporary file", up.removed)
	}
	if want := "removed 1 temporary file(s) left by an earlier cut upload"; !strings.Contains(res.Response, want) {
		t.Errorf("response %q does not say %q", res.Response, want)
	}
	if _, err := ch.Deliver(context.Background(), req); err != nil || len(up.removed) != 1 {
		t.Errorf("a third upload removed again: %v %v", up.removed, err)
	}
}

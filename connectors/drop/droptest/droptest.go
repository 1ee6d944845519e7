// Package droptest holds the test helpers the file drop channels (FTP and
// SFTP) share: an order big enough to be cut in the middle of its file, a
// reader that catches a half-written file under its final name, and checks
// of what a drop folder holds afterwards.
package droptest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// BigOrder is the order.created delivery of supplier order number+"-31"
// (4000 lines) on a channel of type typ, named typ, with settings; name and
// data are its clean render. It fails t unless data is at least twice
// cutAt, so a connection cut after cutAt bytes lands inside the file.
func BigOrder(t testing.TB, typ string, settings []byte, number, externalID string, cutAt int) (req *pipeline.DeliveryRequest, name string, data []byte) {
	t.Helper()
	so := &domain.SupplierOrder{Number: number + "-31", Supplier: "31",
		Order: domain.OrderHeader{Number: number, ExternalID: externalID, PlacedAt: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), Currency: "EUR"}}
	for i := 1; i <= 4000; i++ {
		so.Lines = append(so.Lines, domain.Line{Position: i, SKU: "SKU-" + strconv.Itoa(i), Name: fmt.Sprintf("Part number %d with a long name", i), Quantity: 1, UnitPrice: 199, Total: 199})
	}
	req = &pipeline.DeliveryRequest{Delivery: &domain.Delivery{ID: 1, Event: domain.EventOrderCreated}, SupplierOrder: so,
		Supplier: &domain.Supplier{Code: "31"}, Channel: domain.Channel{Name: typ, Type: typ, Settings: settings}}
	name, data, err := drop.Render(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2*cutAt {
		t.Fatalf("the file (%d bytes) must be well past the cut (%d)", len(data), cutAt)
	}
	return req, name, data
}

// AssertOnly checks that dir holds exactly the named files with the given
// contents: no temporary file is left behind.
func AssertOnly(t testing.TB, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != len(want) {
		t.Fatalf("%s holds %v, want only %d files", dir, names, len(want))
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v (dir holds %v)", name, err, names)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: got %d bytes, want %d", name, len(got), len(data))
		}
	}
}

// WatchPartial polls path while uploads run and counts readings that are
// neither absent nor one of the complete versions.
func WatchPartial(path string, versions ...[]byte) (stop func() (reads, partial int64)) {
	var reads, partial atomic.Int64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			reads.Add(1)
			ok := false
			for _, v := range versions {
				ok = ok || bytes.Equal(b, v)
			}
			if !ok {
				partial.Add(1)
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		<-finished
		return reads.Load(), partial.Load()
	}
}

// Strays lists the files in dir other than name, failing t for each that
// is not a hidden temporary file of name (".NAME.….tmp"): a cut upload may
// leave its temporary file behind, never a file under another name.
func Strays(t testing.TB, dir, name string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var stray []string
	for _, e := range entries {
		if e.Name() == name {
			continue
		}
		stray = append(stray, e.Name())
		if !strings.HasPrefix(e.Name(), "."+name+".") || !strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	return stray
}

// CutAndRetry delivers req on ch while the network cuts the upload after
// cutAt bytes (what names the connection cut, for failures). The attempt
// must fail as temporary after exactly one cut (cuts counts them) and leave
// nothing under dir/name. Then heal restores the network and the retry
// must land the whole file, byte for byte want, with no reader ever seeing
// it partial. It returns the time from the first attempt to the landed
// file and how many readings the watcher made.
func CutAndRetry(t testing.TB, ch *drop.Channel, req *pipeline.DeliveryRequest, dir, name string, want []byte, cutAt int, what string,
	cuts func() int64, heal func()) (recover time.Duration, reads int64) {
	t.Helper()
	final := filepath.Join(dir, name)
	stop := WatchPartial(final, want)

	start := time.Now()
	res, err := ch.Deliver(context.Background(), req)
	if err == nil {
		t.Fatalf("the upload went through a %s cut after %d bytes", what, cutAt)
	}
	if res.Permanent {
		t.Fatalf("a cut connection must be retried, not dead-lettered: %v", err)
	}
	if cuts() != 1 {
		t.Fatalf("%d cuts, want 1", cuts())
	}
	if _, serr := os.Stat(final); serr == nil {
		t.Fatalf("%s exists after the cut upload", name)
	}
	t.Logf("cut attempt: %v", err)

	heal()
	if _, err := ch.Deliver(context.Background(), req); err != nil {
		t.Fatalf("retry after the cut: %v", err)
	}
	recover = time.Since(start)
	reads, partial := stop()
	got, err := os.ReadFile(final)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s: %d bytes, want the clean render's %d", name, len(got), len(want))
	}
	if partial > 0 {
		t.Errorf("a reader saw %s partial %d times (of %d reads)", name, partial, reads)
	}
	return recover, reads
}

package main

// Shared pieces of the process-level fault tests: orders whose content
// differs per number, a post that tells a refused order from one the kill
// cut off, and the checks that compare what receivers got with what the
// store holds. The webhook receiver is in faults_hook_test.go, the outbox
// watcher in faults_watch_linux_test.go, the senders in faults_burst_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// faultOrder is order i: quantities and prices vary with i, so a file or
// webhook carrying another order's content is caught.
func faultOrder(i int) (ext string, body []byte) {
	ext = fmt.Sprintf("F-%06d", i)
	q31, p31, q40, p40 := 1+i%7, 1000+(i%13)*25, 1+i%3, 2000+(i%5)*10
	return ext, []byte(fmt.Sprintf(`{"external_id":%q,"placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-%d","supplier":"31","name":"Hammer","quantity":%d,"unit_price":%d},
{"sku":"PNT-%d","supplier":"40","name":"Paint","quantity":%d,"unit_price":%d}],"shipping":{"31":500}}`,
		ext, i, q31, p31, i, q40, p40))
}

// faultIndex is the i of faultOrder's external id, -1 if it is not one.
func faultIndex(ext string) int {
	i, err := strconv.Atoi(strings.TrimPrefix(ext, "F-"))
	if err != nil || !strings.HasPrefix(ext, "F-") {
		return -1
	}
	return i
}

// wantLines is what order i asked of supplier sup: sku, quantity, price.
func wantLines(i int, sup string) (sku string, qty int, price domain.Money) {
	if sup == "31" {
		return fmt.Sprintf("HAM-%d", i), 1 + i%7, domain.Money(1000 + (i%13)*25)
	}
	return fmt.Sprintf("PNT-%d", i), 1 + i%3, domain.Money(2000 + (i%5)*10)
}

// errUnanswered marks a post that got no complete answer: the daemon died
// under it. Anything else that is not a 2xx is a real failure.
var errUnanswered = errors.New("no answer")

var faultClient = &http.Client{Timeout: 30 * time.Second}

// postOrder posts body and returns the order number of a 2xx answer.
func postOrder(ctx context.Context, url, key string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/orders", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := faultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errUnanswered, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("%w: answer cut off: %v", errUnanswered, err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST /api/v1/orders answered %d: %s", resp.StatusCode, data)
	}
	var o struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(data, &o); err != nil || o.Number == "" {
		return "", fmt.Errorf("POST /api/v1/orders answered %d without an order number: %s", resp.StatusCode, data)
	}
	return o.Number, nil
}

// soDiff says how a delivered supplier order differs from the stored one
// in what a supplier acts on ("" when they agree). An order.created
// delivery always shows the order as created: status new, version 1.
func soDiff(got, want *domain.SupplierOrder) string {
	var d []string
	add := func(field string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s %v, want %v", field, g, w))
		}
	}
	add("number", got.Number, want.Number)
	add("supplier", got.Supplier, want.Supplier)
	add("order number", got.Order.Number, want.Order.Number)
	add("external id", got.Order.ExternalID, want.Order.ExternalID)
	add("currency", got.Order.Currency, want.Order.Currency)
	add("status", got.Status, domain.StatusNew)
	add("version", got.Version, 1)
	add("item total", got.ItemTotal, want.ItemTotal)
	add("shipping", got.Shipping, want.Shipping)
	add("commission", got.Commission, want.Commission)
	add("payout", got.Payout, want.Payout)
	add("lines", len(got.Lines), len(want.Lines))
	for k := 0; k < len(got.Lines) && k < len(want.Lines); k++ {
		g, w := got.Lines[k], want.Lines[k]
		add(fmt.Sprintf("line %d", k+1), fmt.Sprint(g.SKU, " ", g.Quantity, "×", g.UnitPrice, "=", g.Total),
			fmt.Sprint(w.SKU, " ", w.Quantity, "×", w.UnitPrice, "=", w.Total))
	}
	return strings.Join(d, "; ")
}

// storedDiff checks a stored supplier order against what order i sent.
func storedDiff(i int, so *domain.SupplierOrder) string {
	sku, qty, price := wantLines(i, so.Supplier)
	if len(so.Lines) != 1 {
		return fmt.Sprintf("%d lines, want 1", len(so.Lines))
	}
	l := so.Lines[0]
	if l.SKU != sku || l.Quantity != qty || l.UnitPrice != price || l.Total != price*domain.Money(qty) {
		return fmt.Sprintf("line %s %d×%d=%d, want %s %d×%d", l.SKU, l.Quantity, l.UnitPrice, l.Total, sku, qty, price)
	}
	return ""
}

// delivery is one stored delivery with its attempt counts.
type delivery struct {
	id                int64
	number, kind      string
	status, lastError string
	okAttempts, tries int
}

func loadDeliveries(t *testing.T, st *store.Store) []delivery {
	t.Helper()
	rows, err := st.DB().Query(context.Background(), `SELECT d.id, so.number, d.kind, d.status, d.last_error,
 (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'ok'),
 (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)
FROM deliveries d JOIN supplier_orders so ON so.id = d.supplier_order_id ORDER BY d.id`)
	if err != nil {
		t.Fatalf("load deliveries: %v", err)
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.id, &d.number, &d.kind, &d.status, &d.lastError, &d.okAttempts, &d.tries); err != nil {
			t.Fatalf("scan delivery: %v", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("load deliveries: %v", err)
	}
	return out
}

// waitSettled polls until every delivery is delivered, failing at once on
// a dead one and after limit with the counts by status.
func waitSettled(t *testing.T, st *store.Store, limit time.Duration, extra func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var pending, dead int
		var deadErr string
		err := st.DB().QueryRow(context.Background(), `SELECT
 (SELECT count(*) FROM deliveries WHERE status <> 'delivered'),
 (SELECT count(*) FROM deliveries WHERE status = 'dead'),
 COALESCE((SELECT max(last_error) FROM deliveries WHERE status = 'dead'), '')`).Scan(&pending, &dead, &deadErr)
		if err != nil {
			t.Fatalf("count pending deliveries: %v", err)
		}
		more := ""
		if extra != nil {
			more = extra()
		}
		switch {
		case dead > 0:
			t.Fatalf("%d deliveries are dead (e.g. %q): they will never be made", dead, deadErr)
		case pending == 0 && more == "":
			return time.Since(start)
		case time.Since(start) > limit:
			t.Fatalf("not settled after %s: %d deliveries not delivered %s", limit, pending, more)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// deliveryReport is what checkDeliveries found.
type deliveryReport struct {
	owed, delivered int
	recordedDup     int // deliveries with more than one successful attempt recorded
	hook            hookTally
	tmpLeft         int // temp files a killed write left behind
	// Files as the outbox watcher saw them written.
	fileWrites, fileDupSame, fileConflicts int
}

// dupSame counts repeats with the same content, webhooks and files.
func (r deliveryReport) dupSame() int { return r.hook.dupSame + r.fileDupSame }

// dupConflict counts ids (webhook-ids, file names) seen with different content.
func (r deliveryReport) dupConflict() int { return r.hook.conflicts + r.fileConflicts }

// checkDeliveries compares every delivery with the stored order it is
// about: webhook bodies as received, files as they lie in dataDir/outbox.
// orders maps supplier order number → stored supplier order. hook may be
// nil when no channel is a webhook, watch when files are not watched.
func checkDeliveries(t *testing.T, st *store.Store, dataDir string, orders map[string]*domain.SupplierOrder, hook *hookReceiver, watch *outboxWatch) deliveryReport {
	t.Helper()
	var rep deliveryReport
	files := map[string]bool{} // outbox/<sup>/<name> expected
	for _, d := range loadDeliveries(t, st) {
		rep.owed++
		want := orders[d.number]
		if want == nil {
			t.Errorf("delivery %d is about supplier order %s, which is not among the stored orders", d.id, d.number)
			continue
		}
		if d.okAttempts > 1 {
			rep.recordedDup++
		}
		var got domain.SupplierOrder
		switch d.kind {
		case "webhook":
			body, n := hook.body(webhook.MessageID(d.id))
			if body == nil {
				t.Errorf("webhook delivery %d (%s) never reached the receiver", d.id, d.number)
				continue
			}
			if n > 1 {
				t.Errorf("webhook %s came with %d different bodies", webhook.MessageID(d.id), n)
			}
			var env struct {
				Type string               `json:"type"`
				Data domain.SupplierOrder `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil || env.Type != domain.EventOrderCreated {
				t.Errorf("webhook %d: type %q, %v: %s", d.id, env.Type, err, body)
				continue
			}
			got = env.Data
		case "file":
			name := filepath.Join(want.Supplier, want.Number+".json")
			files[name] = true
			data, err := os.ReadFile(filepath.Join(dataDir, "outbox", name))
			if err != nil {
				t.Errorf("file delivery %d: %v", d.id, err)
				continue
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Errorf("file %s: %v", name, err)
				continue
			}
		default:
			continue // checked by the test that configures the channel
		}
		if diff := soDiff(&got, want); diff != "" {
			t.Errorf("%s delivery %d of %s differs from the stored order: %s", d.kind, d.id, d.number, diff)
			continue
		}
		rep.delivered++
	}
	// No file beyond those owed.
	for _, sup := range []string{"31", "40"} {
		entries, err := os.ReadDir(filepath.Join(dataDir, "outbox", sup))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch name := filepath.Join(sup, e.Name()); {
			case strings.HasPrefix(e.Name(), ".tmp-"):
				rep.tmpLeft++
			case !files[name]:
				t.Errorf("outbox/%s is not owed by any stored delivery", name)
			}
		}
	}
	if watch != nil {
		var overflow bool
		rep.fileWrites, rep.fileDupSame, rep.fileConflicts, overflow = watch.tally()
		if rep.fileConflicts > 0 {
			t.Errorf("%d file names were written with different content", rep.fileConflicts)
		}
		if !overflow && rep.fileWrites < len(files) {
			t.Errorf("the outbox watcher saw %d writes for %d files: it missed some", rep.fileWrites, len(files))
		}
	}
	if hook != nil {
		rep.hook = hook.tally()
		for _, b := range rep.hook.bad {
			t.Errorf("webhook refused by the receiver: %s", b)
		}
	}
	return rep
}

// storedOrders loads every stored order of retailer, checks each against
// what was sent, and returns its supplier orders by number and the order
// numbers by external id. An external id stored twice is an error.
func storedOrders(t *testing.T, st *store.Store, retailer string) (map[string]*domain.SupplierOrder, map[string]string) {
	t.Helper()
	ctx := context.Background()
	r, err := st.RetailerByCode(ctx, retailer)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query(ctx, `SELECT id, external_id FROM orders WHERE retailer_id = $1 ORDER BY id`, r.ID)
	if err != nil {
		t.Fatalf("list orders: %v", err)
	}
	type ref struct {
		id  int64
		ext string
	}
	var refs []ref
	for rows.Next() {
		var x ref
		if err := rows.Scan(&x.id, &x.ext); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, x)
	}
	rows.Close()
	sos := map[string]*domain.SupplierOrder{}
	byExt := map[string]string{}
	for _, x := range refs {
		if prev, dup := byExt[x.ext]; dup {
			t.Errorf("external id %s stored twice: orders %s and %d", x.ext, prev, x.id)
			continue
		}
		byExt[x.ext] = strconv.FormatInt(x.id, 10)
		o, err := st.OrderByID(ctx, nil, r.ID, x.id)
		if err != nil {
			t.Fatalf("order %d: %v", x.id, err)
		}
		i := faultIndex(x.ext)
		if i < 0 || len(o.Suppliers) != 2 {
			t.Errorf("order %d: external id %q, %d supplier orders (want one of ours, 2)", x.id, x.ext, len(o.Suppliers))
			continue
		}
		for k := range o.Suppliers {
			so := &o.Suppliers[k]
			if diff := storedDiff(i, so); diff != "" {
				t.Errorf("stored %s differs from what %s sent: %s", so.Number, x.ext, diff)
			}
			sos[so.Number] = so
		}
	}
	return sos, byExt
}

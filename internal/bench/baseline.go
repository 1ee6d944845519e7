package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Baseline is one bare figure: n operations in a wall time, and each
// operation's latency.
type Baseline struct {
	What      string  `json:"what"`
	N         int     `json:"n"`
	PerSecond float64 `json:"per_second"`
	Latency   Dist    `json:"latency"`
	Err       string  `json:"error,omitempty"`
}

// parallel runs op(i) for i in [0, n) on workers goroutines and times it.
func parallel(what string, n, workers int, op func(i int) error) Baseline {
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				err := op(i)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	b := Baseline{What: what, N: n, PerSecond: perSecond(n, time.Since(start)), Latency: summarise(lat)}
	if firstErr != nil {
		b.Err = firstErr.Error()
	}
	return b
}

// webhookBaseline posts n signed order.created-shaped bodies with a bare
// Go client to a second instance of the same receiver, code for code.
func webhookBaseline(code, secret string, n, workers int) Baseline {
	tr := newTracker()
	hs, err := newHookServer(tr, map[string]string{code: secret})
	if err != nil {
		return Baseline{What: "webhook: bare Go client", Err: err.Error()}
	}
	defer hs.close()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return Baseline{What: "webhook: bare Go client", Err: err.Error()}
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	b := parallel("webhook: bare Go client, signed, same receiver", n, workers, func(i int) error {
		body := []byte(fmt.Sprintf(`{"type":"order.created","timestamp":%q,"data":{"number":"%d-%s","supplier":%q,"status":"new","version":1}}`,
			time.Now().UTC().Format(time.RFC3339Nano), i+1, code, code))
		id, now := fmt.Sprintf("msg_%d", i+1), time.Now()
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			return err
		}
		req, err := http.NewRequest(http.MethodPost, hs.url(code), bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
		req.Header.Set("webhook-signature", sig)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("baseline webhook answered %d", resp.StatusCode)
		}
		return nil
	})
	if got := tr.count(); got != n && b.Err == "" {
		b.Err = fmt.Sprintf("receiver recorded %d of %d", got, n)
	}
	return b
}

// emailBaseline sends n messages with a bare go-smtp client, one
// connection each, to a second sink.
func emailBaseline(n, workers int) Baseline {
	tr := newTracker()
	sink, err := newMailSink(tr)
	if err != nil {
		return Baseline{What: "email: bare SMTP client", Err: err.Error()}
	}
	defer sink.close()
	body := strings.Repeat("An order line with some words in it, as an order email has.\r\n", 60)
	b := parallel("email: bare go-smtp client, one connection per message", n, workers, func(i int) error {
		msg := fmt.Sprintf("From: hub@bench.test\r\nTo: s@bench.test\r\nSubject: Order %d-s from bench\r\n"+
			"Message-ID: <order.created.%d-s+tok@bench.test>\r\n\r\n%s", i+1, i+1, body)
		return sendPlain(sink.addr(), msg)
	})
	if got := tr.count(); got != n && b.Err == "" {
		b.Err = fmt.Sprintf("sink recorded %d of %d", got, n)
	}
	return b
}

// sftpBaseline writes n files of sample's bytes with pkg/sftp into the
// supplier's /inbound on the same built-in server, on one connection.
// The names end in .errors.csv, which the server stores but does not
// queue as status files, so only the write itself is measured.
func sftpBaseline(addr, user, password string, sample []byte, n, workers int) Baseline {
	const what = "sftp: raw pkg/sftp writes to the same server"
	c, closeFn, err := dialSFTP(addr, user, password)
	if err != nil {
		return Baseline{What: what, Err: err.Error()}
	}
	defer closeFn()
	return parallel(what, n, workers, func(i int) error {
		f, err := c.Create(fmt.Sprintf("/inbound/baseline-%d.errors.csv", i))
		if err != nil {
			return fmt.Errorf("create: %w", err)
		}
		if _, err := f.Write(sample); err != nil {
			f.Close()
			return fmt.Errorf("write: %w", err)
		}
		return f.Close()
	})
}

// storeBaseline inserts n orders like the run's, each in its own
// transaction, straight through the store: no HTTP, no deliveries, no jobs.
func storeBaseline(ctx context.Context, dbURL string, sups []supplier, n, workers int) Baseline {
	const what = "store: raw insert of the same rows, one transaction per order"
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return Baseline{What: what, Err: err.Error()}
	}
	defer st.Close()
	r, err := st.RetailerByCode(ctx, "bench")
	if err != nil {
		return Baseline{What: what, Err: err.Error()}
	}
	ids := make([]int64, len(sups))
	for k, s := range sups {
		ds, err := st.SupplierByCode(ctx, s.Code)
		if err != nil {
			return Baseline{What: what, Err: err.Error()}
		}
		ids[k] = ds.ID
	}
	number := func(order, supplier string) string { return order + "-" + supplier }
	return parallel(what, n, workers, func(i int) error {
		o := &domain.Order{RetailerID: r.ID, Status: "new", RequestHash: fmt.Sprintf("raw-%d", i),
			Header: domain.OrderHeader{ExternalID: fmt.Sprintf("raw-%d", i), Retailer: "bench", PlacedAt: time.Now().UTC(),
				Currency: "EUR", Customer: domain.Customer{Name: "Zoë Martin", Email: "zoe@example.com"},
				ShippingAddress: domain.Address{Name: "Zoë Martin", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}}}
		for k, s := range sups {
			price := domain.Money(1000 + (i%13)*25)
			q := 1 + i%5
			o.Suppliers = append(o.Suppliers, domain.SupplierOrder{SupplierID: ids[k], Supplier: s.Code, Status: "new",
				ItemTotal: price * domain.Money(q), Payout: price * domain.Money(q),
				Lines: []domain.Line{{Position: 1, SKU: fmt.Sprintf("SKU-%d-%d", k, i%97), Supplier: s.Code, Name: "Widget",
					Quantity: q, UnitPrice: price, Total: price * domain.Money(q)}}})
			o.ItemTotal += price * domain.Money(q)
		}
		return st.InTx(ctx, func(tx store.Tx) error {
			ok, err := st.InsertOrder(ctx, tx, o, number)
			if err == nil && !ok {
				err = fmt.Errorf("raw order %d already there", i)
			}
			return err
		})
	})
}

// sendPlain sends one message over a plain SMTP connection (the sink
// offers no TLS, as Supplyhub's smtp.tls: none is set up for the run).
func sendPlain(addr, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("bench.test"); err != nil {
		return err
	}
	if err := c.Mail("hub@bench.test", nil); err != nil {
		return err
	}
	if err := c.Rcpt("s@bench.test", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// cancelReq is a cancellation request as the API shows it.
type cancelReq struct {
	ID            int64      `json:"id"`
	SupplierOrder string     `json:"supplier_order"`
	State         string     `json:"state"`
	Whole         bool       `json:"whole"`
	Reason        string     `json:"reason"`
	SupplierNote  string     `json:"supplier_note"`
	AnswerChannel string     `json:"answer_channel"`
	AnswerBy      time.Time  `json:"answer_by"`
	EscalatedAt   *time.Time `json:"escalated_at"`
	AppliedAt     *time.Time `json:"applied_at"`
	ApplyError    string     `json:"apply_error"`
}

// postOrderFor posts a one-line order for supplier and returns its number.
func postOrderFor(t *testing.T, d *apptest.Daemon, ext, supplier string) string {
	t.Helper()
	body := `{"external_id":"` + ext + `","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"` + supplier + `","name":"Hammer","quantity":2,"unit_price":1250}]}`
	code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body)
	if code != 201 {
		t.Fatalf("post order: %d %s", code, resp)
	}
	var o struct{ Number string }
	_ = json.Unmarshal(resp, &o)
	return o.Number
}

// askCancel posts a cancellation request and decodes the answer.
func askCancel(t *testing.T, d *apptest.Daemon, number, so string, want int, extra map[string]any) cancelReq {
	t.Helper()
	body := map[string]any{"supplier_order": so, "reason": "customer moved house"}
	for k, v := range extra {
		body[k] = v
	}
	code, _, b := d.Do(t, "POST", "/api/v1/orders/"+number+"/cancellation-requests", d.Keys["retailer:acme"], body)
	if code != want {
		t.Fatalf("cancellation request on %s: %d %s, want %d", so, code, b, want)
	}
	var c cancelReq
	_ = json.Unmarshal(b, &c)
	return c
}

// getCancel reads a request as the retailer.
func getCancel(t *testing.T, d *apptest.Daemon, id int64) cancelReq {
	t.Helper()
	code, _, b := d.Do(t, "GET", fmt.Sprintf("/api/v1/cancellation-requests/%d", id), d.Keys["retailer:acme"], nil)
	if code != 200 {
		t.Fatalf("get request %d: %d %s", id, code, b)
	}
	var c cancelReq
	_ = json.Unmarshal(b, &c)
	return c
}

func acknowledge(t *testing.T, d *apptest.Daemon, so string) {
	t.Helper()
	if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/acknowledge", d.Keys["supplier:31"], nil); code != 200 {
		t.Fatalf("acknowledge %s: %d %s", so, code, b)
	}
}

// hookFor waits for the retailer's webhook of type about request id and
// returns it, checking its signature.
func hookFor(t *testing.T, rcv *receiver, secret, typ string, id int64) map[string]any {
	t.Helper()
	var got received
	apptest.Eventually(t, 15*time.Second, fmt.Sprintf("%s webhook for request %d", typ, id), func() bool {
		for _, c := range rcv.calls() {
			if strings.Contains(string(c.body), `"type":"`+typ+`"`) && strings.Contains(string(c.body), fmt.Sprintf(`"cancellation_request":{"id":%d,`, id)) {
				got = c
				return true
			}
		}
		return false
	})
	wh, _ := standardwebhooks.NewWebhook(secret)
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("%s signature: %v", typ, err)
	}
	var ev map[string]any
	_ = json.Unmarshal(got.body, &ev)
	return ev
}

// requestOf digs data.change.data.cancellation_request out of a webhook.
func requestOf(ev map[string]any) map[string]any {
	data, _ := ev["data"].(map[string]any)
	change, _ := data["change"].(map[string]any)
	cd, _ := change["data"].(map[string]any)
	cr, _ := cd["cancellation_request"].(map[string]any)
	return cr
}

func historyOf(t *testing.T, d *apptest.Daemon, so string) string {
	t.Helper()
	_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+so+"/history", d.Keys["supplier:31"], nil)
	return string(b)
}

// TestCancellationRequests, end to end on a real daemon with a real IMAP
// server, webhook receiver and maildir: a request on an acknowledged
// order is accepted by email reply (the order is cancelled once, the
// retailer's webhook and email say so); one on another order is refused
// by API (the order goes on); one on an order that never reached its
// supplier is accepted at once; an unanswered one is escalated exactly
// once by the scan, driven here with a clock.
func TestCancellationRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		addr, user := startIMAP(t)
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Mail.From = "Supplyhub <orders@hub.example>"
		cfg.Mail.Admin = "ops@hub.example"
		cfg.Mail.Inbound.Addr, cfg.Mail.Inbound.Username, cfg.Mail.Inbound.Password = addr, "hub", "hub-password"
		cfg.Mail.Inbound.TLS, cfg.Mail.Inbound.PollInterval = "none", 200*time.Millisecond
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": rcv.srv.URL, "secret": secret}}}
		cfg.Suppliers[0].Email = "sales@tools.example"
		cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels, config.Channel{Type: "email"})
		cfg.Suppliers[0].CancelRequests.AnswerWithin = 2 * time.Hour
		// Supplier 40's drop goes out once a year: its orders stay undelivered.
		cfg.Suppliers[1].Channels = []config.Channel{{Type: "file", Settings: map[string]any{"schedule": "0 0 1 1 *"}}}
		d := apptest.StartConfig(t, cfg)

		// A: acknowledged, so the retailer can no longer cancel outright.
		a := postOrder(t, d, "CR-A")
		acknowledge(t, d, a+"-31")
		code, _, b := d.Do(t, "POST", "/api/v1/orders/"+a+"/cancel", d.Keys["retailer:acme"], map[string]any{"note": "x"})
		if code != 409 || !strings.Contains(string(b), "cancellation request") {
			t.Fatalf("direct cancel of an acknowledged order: %d %s", code, b)
		}
		askCancel(t, d, a, a+"-31", 422, map[string]any{"reason": " "})
		askCancel(t, d, a, a+"-31", 422, map[string]any{"lines": []map[string]any{{"position": 7}}})
		askCancel(t, d, a, a+"-99", 404, nil)
		if code, _, _ := d.Do(t, "POST", "/api/v1/orders/"+a+"/cancellation-requests", d.Keys["retailer:other"],
			map[string]any{"supplier_order": a + "-31", "reason": "x"}); code != 404 {
			t.Errorf("another retailer's request: %d, want 404", code)
		}
		start := time.Now()
		ra := askCancel(t, d, a, a+"-31", 201, nil)
		if ra.State != "requested" || !ra.Whole || ra.AnswerBy.Sub(start) < 119*time.Minute || ra.AnswerBy.Sub(start) > 121*time.Minute {
			t.Fatalf("request A: %+v (answer_by from suppliers[0].cancel_requests.answer_within 2h)", ra)
		}
		askCancel(t, d, a, a+"-31", 409, nil) // one open request per supplier order

		// The supplier's email asks; its reply accepts.
		var raw string
		apptest.Eventually(t, 15*time.Second, "cancellation request email", func() bool {
			ms := mails(t, d, "X-Supplyhub-Order: "+a+"-31\r\n", "Message-ID: <order.cancellation-request.")
			if len(ms) == 1 {
				raw = ms[0]
			}
			return raw != ""
		})
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		replyTo, err := mail.ParseAddress(m.Header.Get("Reply-To"))
		if err != nil || !strings.Contains(raw, "customer moved house") || !strings.Contains(raw, "ACCEPT CANCELLATION") {
			t.Fatalf("request email (Reply-To %v):\n%s", err, raw)
		}
		if _, err := user.Append("INBOX", bytes.NewReader(reply("Tools Sales <sales@tools.example>", replyTo.Address,
			m.Header.Get("Message-ID"), "Re: "+m.Header.Get("Subject"), "", "Accept Cancellation\r\n\r\nThanks,\r\nBob\r\n")), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 15*time.Second, "request A accepted and applied", func() bool {
			c := getCancel(t, d, ra.ID)
			if rs, _ := d.App.Store.ListReviews(t.Context(), 10); len(rs) > 0 {
				t.Fatalf("the reply went to review: %s", rs[0].Why)
			}
			return c.State == "accepted" && c.AppliedAt != nil
		})
		if c := getCancel(t, d, ra.ID); c.AnswerChannel != "email" || c.ApplyError != "" {
			t.Errorf("request A: %+v", c)
		}
		if h := historyOf(t, d, a+"-31"); strings.Count(h, `"to_status":"cancelled","actor"`) != 1 || !strings.Contains(h, "cancellation request accepted") {
			t.Errorf("history of A: %s", h)
		}
		if cr := requestOf(hookFor(t, rcv, secret, "cancellation_request.accepted", ra.ID)); cr["state"] != "accepted" || cr["supplier_order"] != a+"-31" {
			t.Errorf("accepted webhook request: %v", cr)
		}
		apptest.Eventually(t, 10*time.Second, "acceptance email to the retailer", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "Subject: Cancellation accepted: order "+a)) == 1
		})
		if rs, _ := d.App.Store.ListReviews(t.Context(), 10); len(rs) != 0 {
			t.Errorf("the reply went to review: %+v", rs)
		}

		// B: refused by API; the order goes on.
		bn := postOrder(t, d, "CR-B")
		acknowledge(t, d, bn+"-31")
		rb := askCancel(t, d, bn, bn+"-31", 201, nil)
		_, _, lb := d.Do(t, "GET", "/api/v1/supplier/cancellation-requests", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(lb), fmt.Sprintf(`"id":%d,`, rb.ID)) || strings.Contains(string(lb), fmt.Sprintf(`"id":%d,`, ra.ID)) {
			t.Errorf("supplier's open requests: %s", lb)
		}
		path := fmt.Sprintf("/api/v1/supplier/cancellation-requests/%d", rb.ID)
		if code, _, _ := d.Do(t, "GET", path, d.Keys["supplier:40"], nil); code != 404 {
			t.Errorf("another supplier reads the request: %d", code)
		}
		if code, _, _ := d.Do(t, "POST", path+"/answer", d.Keys["supplier:40"], map[string]any{"answer": "accept"}); code != 404 {
			t.Errorf("another supplier answers the request: %d", code)
		}
		if code, _, _ := d.Do(t, "GET", fmt.Sprintf("/api/v1/cancellation-requests/%d", rb.ID), d.Keys["retailer:other"], nil); code != 404 {
			t.Errorf("another retailer reads the request: %d", code)
		}
		if code, _, b := d.Do(t, "POST", path+"/answer", d.Keys["supplier:31"], map[string]any{"answer": "refuse"}); code != 422 || !strings.Contains(string(b), `"note"`) {
			t.Errorf("refuse without note: %d %s", code, b)
		}
		code, _, b = d.Do(t, "POST", path+"/answer", d.Keys["supplier:31"], map[string]any{"answer": "refuse", "note": "already packed"})
		if code != 200 || !strings.Contains(string(b), `"state":"refused"`) {
			t.Fatalf("refuse: %d %s", code, b)
		}
		if code, _, _ := d.Do(t, "POST", path+"/answer", d.Keys["supplier:31"], map[string]any{"answer": "refuse", "note": "already packed"}); code != 200 {
			t.Errorf("same answer again: %d, want 200", code)
		}
		if code, _, _ := d.Do(t, "POST", path+"/answer", d.Keys["supplier:31"], map[string]any{"answer": "accept"}); code != 409 {
			t.Errorf("accept after refusing: %d, want 409", code)
		}
		if cr := requestOf(hookFor(t, rcv, secret, "cancellation_request.refused", rb.ID)); cr["state"] != "refused" || cr["supplier_note"] != "already packed" {
			t.Errorf("refused webhook request: %v", cr)
		}
		apptest.Eventually(t, 10*time.Second, "refusal email to the retailer", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "Subject: Cancellation refused: order "+bn, "already packed")) == 1
		})
		if h := historyOf(t, d, bn+"-31"); strings.Contains(h, `"to_status":"cancelled"`) {
			t.Errorf("refused request cancelled B: %s", h)
		}

		// C: supplier 40 never got the order: accepted at once.
		cn := postOrderFor(t, d, "CR-C", "40")
		rc := askCancel(t, d, cn, cn+"-40", 201, nil)
		if rc.State != "accepted" || rc.AnswerChannel != "auto" {
			t.Fatalf("request on an undelivered order: %+v", rc)
		}
		apptest.Eventually(t, 10*time.Second, "request C applied", func() bool { return getCancel(t, d, rc.ID).AppliedAt != nil })
		_, _, ob := d.Do(t, "GET", "/api/v1/orders/"+cn, d.Keys["retailer:acme"], nil)
		if !strings.Contains(string(ob), `"status":"cancelled"`) {
			t.Errorf("order C after immediate acceptance: %s", ob)
		}
		hookFor(t, rcv, secret, "cancellation_request.accepted", rc.ID)

		// D: unanswered; the scan escalates it once, at its deadline.
		dn := postOrder(t, d, "CR-D")
		acknowledge(t, d, dn+"-31")
		rd := askCancel(t, d, dn, dn+"-31", 201, nil)
		esc := d.App.CancelEscalator
		if n, err := esc.Scan(t.Context(), rd.AnswerBy.Add(-time.Minute)); err != nil || n != 0 {
			t.Fatalf("scan before the deadline: %d %v", n, err)
		}
		for i, want := range []int{1, 0, 0} {
			if n, err := esc.Scan(t.Context(), rd.AnswerBy.Add(time.Duration(i)*time.Hour)); err != nil || n != want {
				t.Fatalf("scan %d after the deadline: escalated %d (%v), want %d", i, n, err, want)
			}
		}
		if c := getCancel(t, d, rd.ID); c.State != "escalated" || c.EscalatedAt == nil {
			t.Errorf("request D after the scan: %+v", c)
		}
		subject := fmt.Sprintf("Subject: Cancellation request %d on %s-31 unanswered", rd.ID, dn)
		apptest.Eventually(t, 5*time.Second, "operator alert", func() bool { return len(mails(t, d, "To: ops@hub.example", subject)) == 1 })
		_, _, metrics := d.Do(t, "GET", "/metrics", "", nil)
		if !strings.Contains(string(metrics), "supplyhub_cancel_requests_escalated_total 1\n") {
			t.Errorf("escalation metric:\n%s", grepLines(string(metrics), "cancel_requests"))
		}
		// Escalated is still open: the supplier's late answer counts.
		code, _, b = d.Do(t, "POST", fmt.Sprintf("/api/v1/supplier/cancellation-requests/%d/answer", rd.ID), d.Keys["supplier:31"], map[string]any{"answer": "accept"})
		if code != 200 || !strings.Contains(string(b), `"state":"accepted"`) {
			t.Errorf("late accept: %d %s", code, b)
		}
		apptest.Eventually(t, 10*time.Second, "request D applied", func() bool { return getCancel(t, d, rd.ID).AppliedAt != nil })
		if len(mails(t, d, "To: ops@hub.example", subject)) != 1 {
			t.Error("escalated more than once")
		}
		// The supplier's file channel got the request too (its delivery
		// is a job of its own, so it may land after the answers above).
		apptest.Eventually(t, 10*time.Second, "the request file in the supplier's drop", func() bool {
			_, err := os.Stat(filepath.Join(d.Outbox("31"), bn+"-31.cancellation_request.created.json"))
			return err == nil
		})
	})
}

// grepLines returns the lines of s containing sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

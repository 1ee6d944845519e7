package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
	"github.com/supplyhub/supplyhub/pipeline"
)

// TestCancellationAnswersByStatusFile: a supplier answers two requests in
// one status file on the built-in SFTP server, accepting one and refusing
// the other; a refusal without a note and an answer for an order without
// an open request come back in the errors file.
func TestCancellationAnswersByStatusFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "sftp", Settings: map[string]any{"hosted": true}}}
		d := apptest.StartConfig(t, cfg)
		sftpAccount(t, d, "31")
		var ids []int64
		var nums []string
		for _, ext := range []string{"SF-1", "SF-2", "SF-3"} {
			n := postOrder(t, d, ext)
			acknowledge(t, d, n+"-31")
			nums = append(nums, n+"-31")
			ids = append(ids, askCancel(t, d, n, n+"-31", 201, nil).ID)
		}
		none := postOrder(t, d, "SF-4") + "-31"
		content := "supplier_order_number,status,note\r\n" + nums[0] + ",cancellation_accepted,\r\n" + nums[1] +
			",Cancellation refused,already packed\r\n" + nums[2] + ",cancellation_refused,\r\n" + none + ",cancellation_accepted,\r\n"
		c := sftpClient(t, d, "31")
		f, err := c.Create("/inbound/answers.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 10*time.Second, "file archived", func() bool { _, err := c.Stat("/archive/answers.csv"); return err == nil })
		apptest.Eventually(t, 10*time.Second, "accepted request applied", func() bool { return getCancel(t, d, ids[0]).AppliedAt != nil })
		if c := getCancel(t, d, ids[1]); c.State != "refused" || c.SupplierNote != "already packed" || c.AnswerChannel != "file" {
			t.Errorf("refused by file: %+v", c)
		}
		if c := getCancel(t, d, ids[2]); c.State != "requested" {
			t.Errorf("refusal without a note was applied: %+v", c)
		}
		if h := historyOf(t, d, nums[0]); !strings.Contains(h, `"to_status":"cancelled"`) {
			t.Errorf("accepted by file, not cancelled: %s", h)
		}
		rf, err := c.Open("/inbound/answers.errors.csv")
		if err != nil {
			t.Fatalf("errors file: %v", err)
		}
		report, _ := io.ReadAll(rf)
		rf.Close()
		if !strings.Contains(string(report), "cancellation_refused needs a note") || !strings.Contains(string(report), "no open cancellation request") ||
			strings.Contains(string(report), nums[0]) || strings.Contains(string(report), nums[1]) {
			t.Errorf("errors file:\n%s", report)
		}
	})
}

// TestLineCancellationRequest: a request for one unit of a line, accepted
// by the supplier, is applied with pipeline.ApplyLineAnswers (LineCancel,
// keyed cancel-request-<id>) exactly once, and the supplier is told on its
// push channels (order.lines_cancelled: a file and an email saying what is
// left to ship).
func TestLineCancellationRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Email = "sales@tools.example"
		cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels, config.Channel{Type: "email"})
		d := apptest.StartConfig(t, cfg)
		n := postOrder(t, d, "LC-1") // one line of 2 hammers
		acknowledge(t, d, n+"-31")
		askCancel(t, d, n, n+"-31", 422, map[string]any{"lines": []map[string]any{{"position": 1, "quantity": 3}}})
		r := askCancel(t, d, n, n+"-31", 201, map[string]any{"lines": []map[string]any{{"position": 1, "quantity": 1}}})
		if r.Whole {
			t.Fatalf("line request is whole: %+v", r)
		}
		// Answered and applied here, not by the job, to tell "not built
		// yet" apart from a failure.
		st := d.App.Store
		sup, err := st.SupplierByCode(t.Context(), "31")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.AnswerCancellation(t.Context(), st, d.App.Queue, sup.ID, r.ID, pipeline.CancelAnswer{Accept: true, Actor: "test", Channel: "api"}); err != nil {
			t.Fatal(err)
		}
		_, err = pipeline.ApplyCancelRequest(t.Context(), st, d.App.Queue, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // at least once: a second run changes nothing
			if _, err := pipeline.ApplyCancelRequest(t.Context(), st, d.App.Queue, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		c := getCancel(t, d, r.ID)
		if c.State != "accepted" || c.AppliedAt == nil || c.ApplyError != "" {
			t.Errorf("line request after applying: %+v", c)
		}
		h := historyOf(t, d, n+"-31")
		if strings.Contains(h, `"to_status":"cancelled"`) {
			t.Errorf("one unit of one line cancelled the whole supplier order: %s", h)
		}
		// The line change carries the note it was applied with, once.
		if got := strings.Count(h, fmt.Sprintf("cancellation request %d accepted: ", r.ID)); got != 1 {
			t.Errorf("history has the applied cancellation %d times, want once: %s", got, h)
		}
		// The supplier is told once per push channel, however often the
		// request was applied.
		file := filepath.Join(d.Outbox("31"), n+"-31.order.lines_cancelled.json")
		apptest.Eventually(t, 15*time.Second, "order.lines_cancelled file and email", func() bool {
			_, err := os.Stat(file)
			return err == nil && len(mails(t, d, "Subject: Lines cancelled: order "+n+"-31")) > 0
		})
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var so struct {
			Lines []struct {
				Quantity  int `json:"quantity"`
				Cancelled int `json:"cancelled_quantity"`
			} `json:"lines"`
		}
		if err := json.Unmarshal(b, &so); err != nil || len(so.Lines) != 1 || so.Lines[0].Quantity != 2 || so.Lines[0].Cancelled != 1 {
			t.Errorf("lines_cancelled file (%v): %s", err, b)
		}
		m := mails(t, d, "Subject: Lines cancelled: order "+n+"-31")
		if len(m) != 1 || !strings.Contains(m[0], "Line 1 (SKU HAM-1): 1 cancelled") || !strings.Contains(m[0], "1. Hammer (SKU HAM-1): 1 of 2 (1 cancelled)") {
			t.Errorf("lines_cancelled emails: %d, want 1 saying what is cancelled and left:\n%s", len(m), strings.Join(m, "\n---\n"))
		}
	})
}

// TestAutoAcceptedLineCancelTellsSupplier: a line request on an order that
// has not reached its supplier is accepted at once; when the supplier's
// webhook comes back it gets the order as it was sent (both units), then
// order.lines_cancelled saying one unit is cancelled, in that order. Without
// the second it would ship the cancelled unit.
func TestAutoAcceptedLineCancelTellsSupplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		var open atomic.Bool
		rcv := newReceiver(t, func(int) (int, map[string]string) {
			if !open.Load() {
				return 429, map[string]string{"Retry-After": "1"}
			}
			return 204, nil
		})
		secret := webhook.NewSecret()
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": rcv.srv.URL, "secret": secret}}}
		d := apptest.StartConfig(t, cfg)
		n := postOrder(t, d, "LC-AUTO")
		apptest.Eventually(t, 10*time.Second, "a throttled first attempt", func() bool { return len(rcv.calls()) > 0 })
		r := askCancel(t, d, n, n+"-31", 201, map[string]any{"lines": []map[string]any{{"position": 1, "quantity": 1}}})
		if r.State != "accepted" || r.AnswerChannel != "auto" {
			t.Fatalf("request on an order the supplier has not got: %+v", r)
		}
		apptest.Eventually(t, 10*time.Second, "request applied", func() bool { return getCancel(t, d, r.ID).AppliedAt != nil })
		open.Store(true)
		var types []string
		var cut map[string]any
		apptest.Eventually(t, 20*time.Second, "order.created then order.lines_cancelled", func() bool {
			types, cut = nil, nil
			for _, c := range rcv.calls() {
				if c.status != 204 {
					continue
				}
				var ev map[string]any
				_ = json.Unmarshal(c.body, &ev)
				typ, _ := ev["type"].(string)
				types = append(types, typ)
				if typ == "order.lines_cancelled" {
					cut = ev
					wh, _ := standardwebhooks.NewWebhook(secret)
					if err := wh.Verify(c.body, c.header); err != nil {
						t.Errorf("order.lines_cancelled signature: %v", err)
					}
				}
			}
			return len(types) >= 2
		})
		if strings.Join(types, ",") != "order.created,order.lines_cancelled" {
			t.Fatalf("supplier got %v, want order.created then order.lines_cancelled", types)
		}
		data, _ := cut["data"].(map[string]any)
		so, _ := data["supplier_order"].(map[string]any)
		lines, _ := so["lines"].([]any)
		change, _ := data["change"].(map[string]any)
		cd, _ := change["data"].(map[string]any)
		changed, _ := cd["lines"].([]any)
		if len(lines) != 1 || len(changed) != 1 {
			t.Fatalf("order.lines_cancelled data: %v", data)
		}
		if l := lines[0].(map[string]any); l["quantity"] != 2.0 || l["cancelled_quantity"] != 1.0 {
			t.Errorf("line after the cut: %v, want quantity 2, cancelled_quantity 1", l)
		}
		if c := changed[0].(map[string]any); c["position"] != 1.0 || c["cancelled_quantity"] != 1.0 {
			t.Errorf("line change: %v", c)
		}
	})
}

// TestEscalationRace: scans racing on one database (as the leader's scan
// and an operator's would, or two replicas around a leader change)
// escalate each overdue request once, and alert once, through a job
// inserted with the escalation.
func TestEscalationRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Mail.Admin = "ops@hub.example"
		d := apptest.StartConfig(t, cfg)
		var last cancelReq
		for _, ext := range []string{"ER-1", "ER-2", "ER-3"} {
			n := postOrder(t, d, ext)
			acknowledge(t, d, n+"-31")
			last = askCancel(t, d, n, n+"-31", 201, nil)
		}
		at := last.AnswerBy.Add(time.Minute)
		counts := make(chan int, 8)
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			go func() {
				n, err := d.App.CancelEscalator.Scan(t.Context(), at)
				counts <- n
				errs <- err
			}()
		}
		total := 0
		for i := 0; i < 8; i++ {
			total += <-counts
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if total != 3 {
			t.Errorf("8 racing scans escalated %d times, want 3", total)
		}
		// Each alert is a job committed with its escalation (so a crash
		// between the two cannot lose it): one per request, not per scan.
		var jobs int
		if err := d.App.Store.DB().QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'cancel_request_escalation'`).Scan(&jobs); err != nil || jobs != 3 {
			t.Errorf("%d alert jobs (%v), want 3", jobs, err)
		}
		apptest.Eventually(t, 5*time.Second, "three alerts", func() bool { return len(mails(t, d, "To: ops@hub.example", "unanswered")) == 3 })
		if got := len(mails(t, d, "To: ops@hub.example", "unanswered")); got != 3 {
			t.Errorf("%d alerts, want 3", got)
		}
	})
}

package app_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
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
// keyed cancel-request-<id>) exactly once.
func TestLineCancellationRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
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

package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func postLines(t *testing.T, d *apptest.Daemon, key, number, body, idem string) (int, string) {
	t.Helper()
	hr, _ := http.NewRequest("POST", d.URL+"/api/v1/supplier/orders/"+number+"/lines", strings.NewReader(body))
	hr.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		hr.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, string(m)
}

// TestLineAnswersAPI: per-line answers by API: every bad answer named by
// field (nothing applied), then a change of quantity applied once under
// its Idempotency-Key, the line state in the answer; a cancelled order
// takes no answers.
func TestLineAnswersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("LN-1"))
		var o orderBody
		_ = json.Unmarshal(body, &o)
		n31, k31 := o.Number+"-31", d.Keys["supplier:31"]

		for _, tc := range []struct{ body, want string }{
			{`{"lines":[]}`, `"field":"lines"`},
			{`{"lines":[{"position":1,"action":"cancel","reason":"x"}]}`, `"field":"lines[0].action"`},
			{`{"lines":[{"position":1,"action":"backorder","expected_date":"20.12.2026"}]}`, `"field":"lines[0].expected_date"`},
			{`{"lines":[{"position":1,"action":"backorder"}]}`, `"field":"lines[0].expected_date"`},
			{`{"lines":[{"position":2,"action":"accept"}]}`, `line 2 is not in this supplier order (its lines are 1)`},
			{`{"lines":[{"position":1,"action":"change_quantity","quantity":5}]}`, `the quantity can only go down, from 2`},
			{`{"lines":[{"position":1,"action":"reject"}]}`, `"field":"lines[0].reason"`},
		} {
			if code, raw := postLines(t, d, k31, n31, tc.body, ""); code != 422 || !strings.Contains(raw, tc.want) {
				t.Errorf("%s: %d %s, want 422 with %s", tc.body, code, raw, tc.want)
			}
		}
		change := `{"lines":[{"position":1,"action":"change_quantity","quantity":1,"reason_code":"short","reason":"only one left"}]}`
		for i := 0; i < 2; i++ {
			code, raw := postLines(t, d, k31, n31, change, "lq-1")
			if code != 200 || !strings.Contains(raw, `"status":"partially_cancelled"`) || !strings.Contains(raw, `"cancelled_quantity":1`) ||
				!strings.Contains(raw, `"reason_code":"short"`) || strings.Contains(raw, `"idempotent_replay":true`) != (i == 1) {
				t.Errorf("change quantity #%d: %d %s", i+1, code, raw)
			}
		}
		_, _, hist := d.Do(t, "GET", "/api/v1/supplier/orders/"+n31+"/history", k31, nil)
		if strings.Count(string(hist), `"action":"change_quantity"`) != 2 || strings.Contains(string(hist), `"event_id":0`) { // the event's data and line_changes
			t.Errorf("history: %s", hist)
		}
		if code, _, raw := d.Do(t, "POST", "/api/v1/supplier/orders/"+n31+"/cancel", k31, map[string]any{"note": "closing"}); code != 200 {
			t.Fatalf("cancel: %d %s", code, raw)
		}
		if code, raw := postLines(t, d, k31, n31, `{"lines":[{"position":1,"action":"accept"}]}`, ""); code != 409 || !strings.Contains(raw, "cancelled") {
			t.Errorf("answer on a cancelled order: %d %s", code, raw)
		}
		if code, raw := postLines(t, d, d.Keys["supplier:40"], n31, `{"lines":[{"position":1,"action":"accept"}]}`, ""); code != 404 {
			t.Errorf("another supplier's order: %d %s", code, raw)
		}
	})
}

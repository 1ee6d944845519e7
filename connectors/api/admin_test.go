package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

type deliveryBody struct {
	ID            int64  `json:"id"`
	SupplierOrder string `json:"supplier_order"`
	Supplier      string `json:"supplier"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	LastError     string `json:"last_error"`
	AttemptLog    []struct {
		Outcome string `json:"outcome"`
		Error   string `json:"error"`
	} `json:"attempt_log"`
}

// TestAdminDeliveries lists a dead delivery, shows its attempts, replays
// it by id and by endpoint, and refuses non-admin keys.
func TestAdminDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		// A folder that cannot be created: every attempt fails, one attempt only.
		cfg.Suppliers[1].Channels = []config.Channel{{Type: "file", Settings: map[string]any{"dir": "/proc/supplyhub-no", "retry": []any{}}}}
		d := apptest.StartConfig(t, cfg)
		admin := d.Keys["admin"]
		_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("AD-1"))
		var o orderBody
		_ = json.Unmarshal(body, &o)
		var dead deliveryBody
		apptest.Eventually(t, 5*time.Second, "a dead delivery", func() bool {
			code, _, b := d.Do(t, "GET", "/api/v1/admin/deliveries?status=dead&supplier=40", admin, nil)
			var list struct{ Deliveries []deliveryBody }
			_ = json.Unmarshal(b, &list)
			if code == 200 && len(list.Deliveries) == 1 {
				dead = list.Deliveries[0]
				return true
			}
			return false
		})
		if dead.SupplierOrder != o.Number+"-40" || dead.Supplier != "40" || dead.Attempts != 1 || dead.LastError == "" {
			t.Errorf("dead delivery %+v", dead)
		}
		code, _, b := d.Do(t, "GET", "/api/v1/admin/deliveries/"+strconv.FormatInt(dead.ID, 10), admin, nil)
		var detail deliveryBody
		_ = json.Unmarshal(b, &detail)
		if code != 200 || len(detail.AttemptLog) != 1 || detail.AttemptLog[0].Outcome != "error" || !strings.Contains(detail.AttemptLog[0].Error, "/proc/supplyhub-no") {
			t.Errorf("detail %d %s", code, b)
		}
		code, _, b = d.Do(t, "POST", "/api/v1/admin/deliveries/replay", admin, map[string]any{"ids": []int64{dead.ID, 999999}})
		if code != 200 || !strings.Contains(string(b), `"replayed":true`) || !strings.Contains(string(b), "no such delivery") {
			t.Errorf("replay by id: %d %s", code, b)
		}
		apptest.Eventually(t, 5*time.Second, "second attempt", func() bool {
			_, _, b := d.Do(t, "GET", "/api/v1/admin/deliveries/"+strconv.FormatInt(dead.ID, 10), admin, nil)
			var v deliveryBody
			_ = json.Unmarshal(b, &v)
			return v.Attempts == 2 && v.Status == "dead"
		})
		code, _, b = d.Do(t, "POST", "/api/v1/admin/deliveries/replay", admin, map[string]any{"endpoint": "40/file", "since": "2000-01-01T00:00:00Z"})
		if code != 200 || !strings.Contains(string(b), `"replayed":true`) {
			t.Errorf("replay by endpoint: %d %s", code, b)
		}
		for _, bad := range []any{map[string]any{}, map[string]any{"endpoint": "nope", "since": "x"}, map[string]any{"ids": []int64{1}, "endpoint": "40/file"}} {
			if code, _, b := d.Do(t, "POST", "/api/v1/admin/deliveries/replay", admin, bad); code != 422 {
				t.Errorf("replay %v: %d %s", bad, code, b)
			}
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/admin/deliveries?status=lost", admin, nil); code != 400 {
			t.Errorf("bad status: %d", code)
		}
		for _, key := range []string{d.Keys["retailer:acme"], d.Keys["supplier:40"]} {
			if code, _, _ := d.Do(t, "GET", "/api/v1/admin/deliveries", key, nil); code != 403 {
				t.Errorf("non-admin key: %d", code)
			}
		}
	})
}

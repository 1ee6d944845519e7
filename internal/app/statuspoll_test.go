package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store/storetest"

	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
)

// TestStatusFilesPolledFromSupplierServer: supplier 40's own SFTP server
// (here a real SFTP endpoint: the built-in server, reached with the remote
// client and a pinned host key) holds a status file; a poll applies it,
// writes the errors report beside it and archives it on that server.
func TestStatusFilesPolledFromSupplierServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Retailers[0].Email = "orders@acme.example"
		d := apptest.StartConfig(t, cfg)
		ctx := context.Background()
		st := d.App.Store
		s31ID := sftpAccount(t, d, "31")
		_, port, _ := net.SplitHostPort(d.App.SFTPAddr.String())
		p, _ := strconv.Atoi(port)
		settings, _ := json.Marshal(map[string]any{"host": "127.0.0.1", "port": p, "user": "31", "password": sftpPassword,
			"host_key_fingerprint": ssh.FingerprintSHA256(d.App.SFTP.HostKey()), "dir": "/archive",
			"status_dir": "/inbound", "status_archive_dir": "/archive"})
		s40, _ := st.SupplierByCode(ctx, "40")
		s40.Channels = []domain.Channel{{Name: "sftp", Type: "sftp", Settings: settings}}
		if err := st.UpsertSupplier(ctx, s40); err != nil {
			t.Fatal(err)
		}
		number := ""
		{
			_, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], `{"external_id":"P-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë"},"shipping_address":{"name":"Zoë","line1":"1 rue","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"PNT-9","supplier":"40","name":"Paint","quantity":1,"unit_price":2000}]}`)
			var o struct{ Number string }
			_ = json.Unmarshal(b, &o)
			number = o.Number + "-40"
		}
		// The file is placed straight into storage: no upload hook runs.
		storage := sftpserver.NewDBStorage(st)
		body := []byte("supplier_order_number,status,carrier,tracking_number\n" + number + ",shipped,DHL,JD77\n1-99,shipped,DHL,X1\n")
		if err := storage.Put(ctx, s31ID, "inbound", "status.csv", bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
		if err := d.App.Queue.Insert(ctx, []river.InsertManyParams{{Args: app.StatusPollArgs{SupplierID: s40.ID, Channel: "sftp"}}}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 10*time.Second, "file archived on the supplier's server", func() bool {
			_, err := storage.Stat(ctx, s31ID, "archive", "status.csv")
			return err == nil
		})
		_, _, h := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:40"], nil)
		if !strings.Contains(string(h), `"to_status":"shipped"`) || !strings.Contains(string(h), "JD77") || !strings.Contains(string(h), `"channel":"file"`) {
			t.Errorf("history %s", h)
		}
		f, err := storage.Open(ctx, s31ID, "inbound", "status.errors.csv")
		if err != nil {
			t.Fatalf("errors report: %v", err)
		}
		buf := make([]byte, 4096)
		n, _ := f.ReadAt(buf, 0)
		f.Close()
		if !strings.Contains(string(buf[:n]), "no supplier order 1-99") {
			t.Errorf("errors report:\n%s", buf[:n])
		}
	})
}

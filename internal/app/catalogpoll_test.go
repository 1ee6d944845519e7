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

	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/internal/app"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestCatalogFeedPolledFromSupplierServer: supplier 40's own SFTP server
// (a real SFTP endpoint: the built-in server, reached with the remote
// client and a pinned host key) holds a JSON catalog feed; a poll applies
// it (releasing the order waiting for it), writes the errors report beside
// it and archives it on that server.
func TestCatalogFeedPolledFromSupplierServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		d := apptest.StartConfig(t, cfg)
		ctx := context.Background()
		st := d.App.Store
		s31ID := sftpAccount(t, d, "31")
		_, port, _ := net.SplitHostPort(d.App.SFTPAddr.String())
		p, _ := strconv.Atoi(port)
		settings, _ := json.Marshal(map[string]any{"host": "127.0.0.1", "port": p, "user": "31", "password": sftpPassword,
			"host_key_fingerprint": ssh.FingerprintSHA256(d.App.SFTP.HostKey()), "dir": "/archive"})
		s40, _ := st.SupplierByCode(ctx, "40")
		s40.Channels = append(s40.Channels, domain.Channel{Name: "own", Type: "sftp", Settings: settings})
		s40.Catalog = domain.CatalogSettings{Mode: domain.CatalogWarn,
			Feed: domain.CatalogFeed{Channel: "own", Dir: "/inbound/catalog", ArchiveDir: "/archive"}}
		if err := st.UpsertSupplier(ctx, s40); err != nil {
			t.Fatal(err)
		}
		// Wait until the ingest directory sees the new mode (it caches suppliers for 5s).
		var number string
		apptest.Eventually(t, 10*time.Second, "order waiting for stock", func() bool {
			// A catalog item with no stock, then an order for it.
			code, _, b := d.Do(t, "POST", "/api/v1/supplier/catalog", d.Keys["supplier:40"],
				`{"items":[{"sku":"PNT-9","name":"Paint","price":2000,"currency":"EUR","stock":0}]}`)
			if code != 200 {
				t.Fatalf("catalog: %d %s", code, b)
			}
			_, _, b = d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder("P-"+strconv.FormatInt(time.Now().UnixNano(), 10),
				`{"sku":"PNT-9","supplier":"40","name":"Paint","quantity":1,"unit_price":2000}`))
			var o orderJSON
			_ = json.Unmarshal(b, &o)
			if len(o.SupplierOrders) == 1 && o.SupplierOrders[0].Status == domain.StatusAwaitingStock {
				number = o.SupplierOrders[0].Number
				return true
			}
			return false
		})
		storage := sftpserver.NewDBStorage(st)
		body := []byte(`{"items": [{"sku": "PNT-9", "name": "Paint", "price": 2000, "currency": "EUR", "stock": 4},
			{"sku": "BAD", "name": "Bad", "price": "cheap", "currency": "EUR"}]}`)
		if err := storage.Put(ctx, s31ID, sftpserver.FolderCatalog, "feed.json", bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
		if err := d.App.Queue.Insert(ctx, []river.InsertManyParams{{Args: app.CatalogPollArgs{SupplierID: s40.ID}}}); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 60*time.Second, "feed archived on the supplier's server", func() bool {
			_, err := storage.Stat(ctx, s31ID, "archive", "feed.json")
			return err == nil
		})
		f, err := storage.Open(ctx, s31ID, sftpserver.FolderCatalog, "feed.errors.csv")
		if err != nil {
			t.Fatalf("errors report: %v", err)
		}
		buf := make([]byte, 4096)
		n, _ := f.ReadAt(buf, 0)
		f.Close()
		if !strings.Contains(string(buf[:n]), "price must be a JSON integer") {
			t.Errorf("errors report:\n%s", buf[:n])
		}
		_, _, h := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:40"], nil)
		if !strings.Contains(string(h), `"from_status":"awaiting_stock","to_status":"new"`) {
			t.Errorf("not released: %s", h)
		}
		if s := stockOf(t, d, d.Keys["supplier:40"], "/api/v1/supplier/catalog", "PNT-9"); s == nil || *s != 3 {
			t.Errorf("stock %v, want 3", s)
		}
	})
}

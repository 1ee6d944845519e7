package app_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/supplyhub/supplyhub/config"
	sftpserver "github.com/supplyhub/supplyhub/connectors/sftp/server"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestHostedDropAndRetrieval: a supplier whose channel drops into the
// built-in SFTP server finds one CSV per order in /outbound, downloads it,
// deletes it, and the order shows as retrieved.
func TestHostedDropAndRetrieval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Channels = []config.Channel{{Type: "sftp", Settings: map[string]any{"hosted": true}}}
		d := apptest.StartConfig(t, cfg)
		sftpAccount(t, d, "31")
		number := postOrder(t, d, "S-1")
		c := sftpClient(t, d, "31")
		name := "/outbound/" + number + "-31.csv"
		apptest.Eventually(t, 5*time.Second, name, func() bool { _, err := c.Stat(name); return err == nil })
		f, err := c.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(f)
		f.Close()
		if !strings.HasPrefix(string(body), "order_number,supplier_order_number,") || !strings.Contains(string(body), number+"-31,") {
			t.Errorf("CSV:\n%s", body)
		}
		if err := c.Remove(name); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 5*time.Second, "retrieved_at", func() bool {
			_, _, b := d.Do(t, "GET", "/api/v1/orders/"+number, d.Keys["retailer:acme"], nil)
			var o struct {
				SupplierOrders []struct {
					Number      string     `json:"number"`
					RetrievedAt *time.Time `json:"retrieved_at"`
				} `json:"supplier_orders"`
			}
			_ = json.Unmarshal(b, &o)
			return len(o.SupplierOrders) > 0 && o.SupplierOrders[0].RetrievedAt != nil
		})
		// The host key is the database's: a second daemon on the same
		// database presents the same one. Only one serve may run on a
		// SQLite database, so there the second is a restart.
		key := string(d.App.SFTP.HostKey().Marshal())
		if kind == store.KindSQLite {
			d.Stop()
		}
		d2 := apptest.StartConfig(t, cfg2(cfg))
		if string(d2.App.SFTP.HostKey().Marshal()) != key {
			t.Error("a second replica presents another host key")
		}
	})
}

func cfg2(c *config.Config) *config.Config {
	n := *c
	n.Demo.WriteKeys = false
	return &n
}

// sftpPassword is the password sftpAccount gives.
const sftpPassword = "correct horse battery"

// sftpAccount gives supplier code an account (user = code) on the
// daemon's built-in SFTP server and returns the supplier's id.
func sftpAccount(t *testing.T, d *apptest.Daemon, code string) int64 {
	t.Helper()
	ctx := context.Background()
	sup, err := d.App.Store.SupplierByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	acc := sftpserver.NewStoreAccounts(d.App.Store)
	if err := acc.SetUsername(ctx, sup.ID, code); err != nil {
		t.Fatal(err)
	}
	if err := acc.SetPassword(ctx, sup.ID, sftpPassword); err != nil {
		t.Fatal(err)
	}
	return sup.ID
}

// sftpClient logs in to the built-in server as code, checking its host
// key; the client is closed when the test ends.
func sftpClient(t *testing.T, d *apptest.Daemon, code string) *sftp.Client {
	t.Helper()
	conn, err := ssh.Dial("tcp", d.App.SFTPAddr.String(), &ssh.ClientConfig{
		User: code, Auth: []ssh.AuthMethod{ssh.Password(sftpPassword)},
		HostKeyCallback: ssh.FixedHostKey(d.App.SFTP.HostKey()), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

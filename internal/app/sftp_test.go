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
		ctx := context.Background()
		sup, err := d.App.Store.SupplierByCode(ctx, "31")
		if err != nil {
			t.Fatal(err)
		}
		accounts := sftpserver.NewStoreAccounts(d.App.Store)
		if err := accounts.SetUsername(ctx, sup.ID, "31"); err != nil {
			t.Fatal(err)
		}
		if err := accounts.SetPassword(ctx, sup.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		number := postOrder(t, d, "S-1")
		conn, err := ssh.Dial("tcp", d.App.SFTPAddr.String(), &ssh.ClientConfig{
			User: "31", Auth: []ssh.AuthMethod{ssh.Password("correct horse battery")},
			HostKeyCallback: ssh.FixedHostKey(d.App.SFTP.HostKey()), Timeout: 5 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		c, err := sftp.NewClient(conn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
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
		// database presents the same one.
		d2 := apptest.StartConfig(t, cfg2(cfg))
		if string(d2.App.SFTP.HostKey().Marshal()) != string(d.App.SFTP.HostKey().Marshal()) {
			t.Error("a second replica presents another host key")
		}
	})
}

func cfg2(c *config.Config) *config.Config {
	n := *c
	n.Demo.WriteKeys = false
	return &n
}

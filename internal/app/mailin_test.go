package app_test

import (
	"bytes"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// startIMAP runs go-imap's in-memory server on loopback with one mailbox.
func startIMAP(t *testing.T) (addr string, user *imapmemserver.User) {
	t.Helper()
	user = imapmemserver.NewUser("hub", "hub-password")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem := imapmemserver.New()
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger:       log.New(io.Discard, "", 0),
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), user
}

func reply(from, inReplyTo, subject, body string) []byte {
	return []byte("From: " + from + "\r\nTo: orders@hub.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject + "-" + from + "@supplier.example>\r\n" +
		"In-Reply-To: " + inReplyTo + "\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
}

// TestCancelByEmailReply: the supplier replies "CANCEL: out of stock" to
// its order email; the order is cancelled, the retailer emailed, the
// history says it came by email. A reply from a stranger and an unclear
// reply go to the review queue.
func TestCancelByEmailReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		addr, user := startIMAP(t)
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Mail.From = "Supplyhub <orders@hub.example>"
		cfg.Mail.Inbound.Addr, cfg.Mail.Inbound.Username, cfg.Mail.Inbound.Password = addr, "hub", "hub-password"
		cfg.Mail.Inbound.TLS, cfg.Mail.Inbound.PollInterval = "none", 200*time.Millisecond
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Suppliers[0].Email = "sales@tools.example"
		d := apptest.StartConfig(t, cfg)
		number := postOrder(t, d, "M-1") + "-31"
		orderMsgID := "<order.created." + number + "@hub.example>"
		for _, raw := range [][]byte{
			reply("Mallory <mallory@evil.example>", orderMsgID, "Re: Order "+number, "CANCEL: free stuff"),
			reply("Tools Sales <sales@tools.example>", orderMsgID, "Re: Order "+number+" x", "Thanks, we will look into it.\r\n"),
			reply("Tools Sales <sales@tools.example>", orderMsgID, "Re: Order "+number, "CANCEL: out of stock\r\n\r\nOn Sun, Supplyhub wrote:\r\n> CANCEL: nothing\r\n"),
		} {
			if _, err := user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		apptest.Eventually(t, 10*time.Second, "cancellation by email", func() bool {
			_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:31"], nil)
			return strings.Contains(string(b), `"to_status":"cancelled"`)
		})
		_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(b), `"channel":"email"`) || !strings.Contains(string(b), `"note":"out of stock"`) ||
			!strings.Contains(string(b), "sales@tools.example") {
			t.Errorf("history %s", b)
		}
		apptest.Eventually(t, 5*time.Second, "retailer email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "out of stock")) == 1
		})
		apptest.Eventually(t, 5*time.Second, "two reviews", func() bool {
			rs, _ := d.App.Store.ListReviews(t.Context(), 10)
			return len(rs) == 2
		})
		rs, _ := d.App.Store.ListReviews(t.Context(), 10)
		why := rs[0].Why + " | " + rs[1].Why
		if !strings.Contains(why, "not registered") {
			t.Errorf("reviews: %s", why)
		}
	})
}

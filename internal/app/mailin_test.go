package app_test

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/supplyhub/supplyhub/config"
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

// orderEmail waits for the email of supplier order number in the maildir
// and returns its Message-ID and Reply-To address, as the supplier's mail
// client would answer them.
func orderEmail(t *testing.T, d *apptest.Daemon, number string) (msgID, replyTo string) {
	t.Helper()
	var raw string
	apptest.Eventually(t, 10*time.Second, "order email "+number, func() bool {
		ms := mails(t, d, "X-Supplyhub-Order: "+number+"\r\n", "Message-ID: <order.created.")
		if len(ms) == 1 {
			raw = ms[0]
		}
		return raw != ""
	})
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	to, err := mail.ParseAddress(m.Header.Get("Reply-To"))
	if err != nil {
		t.Fatalf("order email %s has no usable Reply-To: %v", number, err)
	}
	return m.Header.Get("Message-ID"), to.Address
}

// reply is a supplier's reply: From, To (our Reply-To, or our plain
// address), In-Reply-To, Subject, extra header lines ("Name: value\r\n").
func reply(from, to, inReplyTo, subject, extra, body string) []byte {
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + strings.ReplaceAll(subject+"-"+body[:min(len(body), 12)], " ", "_") + "-" + strings.Trim(strings.Fields(from)[len(strings.Fields(from))-1], "<>") + ">\r\n" +
		"In-Reply-To: " + inReplyTo + "\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" + extra + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body)
}

// TestCancelByEmailReply: the supplier replies "CANCEL: out of stock" to
// its order email; the order is cancelled with exactly that note (the
// sign-off and quote are cut), the retailer emailed, the history says it
// came by email. Forged and unclear replies go to the review queue with
// their reason and change nothing: a stranger's, one with the supplier's
// From and the order's (sequential, guessable) number but no reply token,
// one carrying the token of another order, one whose Authentication-Results
// say dmarc=fail, and one without a command.
func TestCancelByEmailReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		addr, user := startIMAP(t)
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Mail.From = "Supplyhub <orders@hub.example>"
		cfg.Mail.Inbound.Addr, cfg.Mail.Inbound.Username, cfg.Mail.Inbound.Password = addr, "hub", "hub-password"
		cfg.Mail.Inbound.TLS, cfg.Mail.Inbound.PollInterval = "none", 200*time.Millisecond
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Suppliers[0].Email = "sales@tools.example"
		cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels, config.Channel{Type: "email"})
		d := apptest.StartConfig(t, cfg)
		number := postOrder(t, d, "M-1") + "-31"
		other := postOrder(t, d, "M-2") + "-31"
		msgID, replyTo := orderEmail(t, d, number)
		_, otherReplyTo := orderEmail(t, d, other)
		if !strings.Contains(msgID, "+") || !strings.HasPrefix(replyTo, "orders+"+number+".") {
			t.Fatalf("order email not signed: Message-ID %s, Reply-To %s", msgID, replyTo)
		}
		const sales = "Tools Sales <sales@tools.example>"
		subject := "Re: Order " + number
		for _, raw := range [][]byte{
			reply("Mallory <mallory@evil.example>", replyTo, msgID, subject, "", "CANCEL: free stuff"),
			reply(sales, "orders@hub.example", "<order.created."+number+"@hub.example>", subject+" forged", "", "CANCEL: forged, no token"),
			reply(sales, otherReplyTo, "<elsewhere@tools.example>", subject+" other token", "", "CANCEL: token of another order"),
			reply(sales, replyTo, msgID, subject+" dmarc", "Authentication-Results: mx.hub.example; dmarc=fail header.from=tools.example\r\n", "CANCEL: spoofed"),
			reply(sales, replyTo, msgID, subject+" x", "", "Thanks, we will look into it.\r\n"),
			reply(sales, replyTo, msgID, subject, "Authentication-Results: mx.hub.example; dkim=pass header.d=tools.example\r\n",
				"CANCEL: out of stock\r\n\r\nBest regards,\r\nTools Sales\r\n\r\nOn Sun, Supplyhub wrote:\r\n> CANCEL: nothing\r\n"),
		} {
			if _, err := user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		apptest.Eventually(t, 10*time.Second, "cancellation by email", func() bool {
			_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:31"], nil)
			return strings.Contains(string(b), `"to_status":"cancelled"`)
		})
		apptest.Eventually(t, 10*time.Second, "five reviews", func() bool {
			rs, _ := d.App.Store.ListReviews(t.Context(), 10)
			return len(rs) == 5
		})
		_, _, b := d.Do(t, "GET", "/api/v1/supplier/orders/"+number+"/history", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(b), `"channel":"email"`) || !strings.Contains(string(b), `"note":"out of stock"`) ||
			!strings.Contains(string(b), "sales@tools.example") || strings.Count(string(b), `"to_status":"cancelled"`) != 1 {
			t.Errorf("history %s", b)
		}
		_, _, b = d.Do(t, "GET", "/api/v1/supplier/orders/"+other+"/history", d.Keys["supplier:31"], nil)
		if strings.Contains(string(b), "cancelled") {
			t.Errorf("the other order was cancelled by a reply carrying its token: %s", b)
		}
		apptest.Eventually(t, 5*time.Second, "retailer email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "out of stock")) == 1
		})
		rs, _ := d.App.Store.ListReviews(t.Context(), 10)
		var why []string
		for _, r := range rs {
			why = append(why, r.Why)
		}
		all := strings.Join(why, " | ")
		for _, want := range []string{
			"sender mallory@evil.example is not registered",
			"no valid reply token: the mail carries none",
			"tokens for " + other + " only",
			"authentication failed: dmarc=fail",
			"no command",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("no review says %q; reviews: %s", want, all)
			}
		}
	})
}

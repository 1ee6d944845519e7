package portal_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// upload is one file of a multipart form.
type upload struct {
	name string
	data []byte
}

// postMultipart sends a form with files, as a browser sends the manual
// order form, with the token of the last page seen.
func (b *browser) postMultipart(path string, v url.Values, files ...upload) (int, http.Header, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if v.Get("csrf_token") == "" {
		v.Set("csrf_token", b.csrf)
	}
	for k, vs := range v {
		for _, x := range vs {
			_ = mw.WriteField(k, x)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f.name)
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.d.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// manualForm is a complete manual order form for retailer acme, one line
// of supplier 31.
func manualForm(ext string) url.Values {
	return url.Values{
		"retailer": {"acme"}, "external_id": {ext}, "currency": {"EUR"},
		"customer.type": {"b2b"}, "customer.name": {"Camille Roux"}, "customer.company": {"Lycée Victor Hugo"},
		"customer.email": {"c.roux@example.com"}, "customer.phone": {"+33 1 40 00 00 00"},
		"shipping_address.name": {"Camille Roux"}, "shipping_address.line1": {"27 rue de Sévigné"},
		"shipping_address.city": {"Paris"}, "shipping_address.postal_code": {"75003"}, "shipping_address.country": {"FR"},
		"lines[0].sku": {"HAM-16"}, "lines[0].supplier": {"31"}, "lines[0].name": {"Claw hammer 16 oz"},
		"lines[0].quantity": {"12"}, "lines[0].unit_price": {"18.90"},
		"notes": {"Purchase order attached."},
	}
}

var manualIDRE = regexp.MustCompile(`^/portal/manual/(\d+)`)

// createDraft posts a new manual order form and returns the draft's path.
func createDraft(t *testing.T, b *browser, v url.Values, files ...upload) string {
	t.Helper()
	b.get("/portal/manual/new")
	v.Set("action", "save")
	code, h, body := b.postMultipart("/portal/manual/new", v, files...)
	m := manualIDRE.FindStringSubmatch(h.Get("Location"))
	if code != http.StatusSeeOther || m == nil {
		t.Fatalf("create draft: %d %s %s", code, h.Get("Location"), body)
	}
	return "/portal/manual/" + m[1]
}

var fileLinkRE = regexp.MustCompile(`href="(/portal/(?:manual|orders)/[^"]+/files/\d+)"`)

// TestManualOrder: an operator saves a B2B draft without a company and
// with a file, confirms it and gets the pipeline's error next to the
// field; with the company it is confirmed, reaches supplier 31's file
// channel, and can no longer be edited; the supplier downloads the file
// from its order page with safe headers; other users get 404.
func TestManualOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		addUser(t, d, "ops@example.com", store.PortalOperator, "")
		addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
		addUser(t, d, "s40@example.com", store.PortalSupplier, "40")
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
		ops := newBrowser(t, d)
		ops.mustLogin("ops@example.com")

		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3000)...)
		v := manualForm("PO-2026-118")
		v.Del("customer.company")
		draft := createDraft(t, ops, v, upload{`C:\Users\cam\Bon de commande <118>.pdf`, pdf})

		code, _, body := ops.get(draft)
		if code != 200 || !strings.Contains(body, "Bon de commande _118_.pdf") || !strings.Contains(body, "application/pdf") {
			t.Fatalf("draft page: %d, want the sanitised file name and its sniffed type:\n%s", code, body)
		}
		// Confirming goes through the pipeline's validation: B2B needs a company.
		v.Set("action", "confirm")
		code, _, body = ops.postMultipart(draft, v)
		if code != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="customer-company-err">This is required\.<`).MatchString(body) ||
			!strings.Contains(body, `aria-describedby="customer-company-err"`) {
			t.Fatalf("confirm B2B without company: %d, want 422 with the error next to the field:\n%s", code, body)
		}
		// Still a draft, still editable.
		if code, _, body = ops.get(draft); !strings.Contains(body, `badge m-draft`) {
			t.Fatalf("after the refused confirmation: %d %s", code, body)
		}

		v = manualForm("PO-2026-118")
		v.Set("action", "confirm")
		code, h, body := ops.postMultipart(draft, v)
		if code != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", code, body)
		}
		_, _, body = ops.get(h.Get("Location"))
		number := regexp.MustCompile(`Order (\d+) confirmed`).FindStringSubmatch(body)
		if number == nil || !strings.Contains(body, "badge m-confirmed") {
			t.Fatalf("after confirm: %s", body)
		}
		so := number[1] + "-31"
		// It reached the supplier's channel like an API order.
		apptest.Eventually(t, 10*time.Second, "the order file in supplier 31's outbox", func() bool {
			entries, _ := os.ReadDir(d.Outbox("31"))
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(d.Outbox("31"), e.Name()))
				if bytes.Contains(b, []byte("PO-2026-118")) && bytes.Contains(b, []byte("HAM-16")) {
					return true
				}
			}
			return false
		})
		// The retailer sees it through the API, as its own order.
		if code, _, resp := d.Do(t, "GET", "/api/v1/orders/"+number[1], d.Keys["retailer:acme"], nil); code != 200 || !bytes.Contains(resp, []byte("Lycée Victor Hugo")) {
			t.Fatalf("order through the API: %d %s", code, resp)
		}

		// Confirmed: no more edits, no more files.
		v.Set("action", "save")
		v.Set("external_id", "CHANGED")
		code, _, body = ops.postMultipart(draft, v, upload{"late.txt", []byte("late")})
		if code != http.StatusConflict || !strings.Contains(body, "can no longer be changed") {
			t.Fatalf("edit after confirm: %d %s", code, body)
		}
		if _, _, body = ops.get(draft); strings.Contains(body, "CHANGED") || strings.Contains(body, "late.txt") {
			t.Fatal("a confirmed manual order was changed")
		}

		// The supplier sees the file on its order page and downloads it.
		s31 := newBrowser(t, d)
		s31.mustLogin("s31@example.com")
		_, _, body = s31.get("/portal/orders/" + so)
		link := fileLinkRE.FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("supplier order page has no file link:\n%s", body)
		}
		code, h, got := s31.get(link[1])
		if code != 200 || got != string(pdf) || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("Content-Type") != "application/pdf" {
			t.Fatalf("supplier download: %d %v (%d bytes)", code, h, len(got))
		}
		_, _, body = ops.get(draft)
		opsLink := fileLinkRE.FindStringSubmatch(body)[1]

		// Everyone else: the one 404.
		for _, c := range []struct {
			email, path string
		}{
			{"s40@example.com", link[1]},
			{"s40@example.com", "/portal/orders/" + so},
			{"s31@example.com", link[1] + "9"},
			{"s31@example.com", opsLink},
			{"s31@example.com", draft},
			{"acme@example.com", draft},
			{"acme@example.com", opsLink},
			{"acme@example.com", link[1]},
		} {
			b := newBrowser(t, d)
			b.mustLogin(c.email)
			if code, _, _ := b.get(c.path); code != 404 {
				t.Errorf("%s GET %s = %d, want 404", c.email, c.path, code)
			}
		}
		if code, _, _ := ops.get(opsLink + "9"); code != 404 {
			t.Errorf("operator, missing file = %d, want 404", code)
		}
	})
}

// TestManualOrderForm: "add line" re-renders with one more row and no
// script; a row is removed; discard; an unknown supplier is an error next
// to its line; a draft's files are not the supplier's to see.
func TestManualOrderForm(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	ops := newBrowser(t, d)
	ops.mustLogin("ops@example.com")
	v := manualForm("PO-7")
	draft := createDraft(t, ops, v)
	v.Set("action", "add_line")
	if code, h, _ := ops.postMultipart(draft, v); code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#line-1") {
		t.Fatalf("add line: %d %v", code, h)
	}
	_, _, body := ops.get(draft)
	if !strings.Contains(body, `name="lines[1].sku"`) || strings.Contains(body, `name="lines[2].sku"`) {
		t.Fatalf("after add line, want two rows:\n%s", body)
	}
	v.Set("lines[1].sku", "SAW-550")
	v.Set("lines[1].supplier", "99")
	v.Set("lines[1].name", "Panel saw")
	v.Set("lines[1].quantity", "two")
	v.Set("lines[1].unit_price", "24.90")
	v.Set("action", "confirm")
	code, _, body := ops.postMultipart(draft, v)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="line-1-quantity-err">Enter a whole number`) {
		t.Fatalf("confirm with a bad quantity: %d\n%s", code, body)
	}
	v.Set("lines[1].quantity", "2")
	code, _, body = ops.postMultipart(draft, v)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="line-1-supplier-err">Unknown supplier &#34;99&#34;.`) {
		t.Fatalf("confirm with an unknown supplier: %d\n%s", code, body)
	}
	v.Set("action", "remove_line:1")
	if code, _, _ := ops.postMultipart(draft, v); code != http.StatusSeeOther {
		t.Fatalf("remove line: %d", code)
	}
	if _, _, body = ops.get(draft); strings.Contains(body, `name="lines[1].sku"`) {
		t.Fatal("the line was not removed")
	}
	v = manualForm("PO-7")
	v.Set("action", "discard")
	if code, _, _ := ops.postMultipart(draft, v); code != http.StatusSeeOther {
		t.Fatalf("discard: %d", code)
	}
	if _, _, body = ops.get(draft); !strings.Contains(body, "badge m-discarded") {
		t.Fatal("not discarded")
	}
	v.Set("action", "confirm")
	if code, _, _ := ops.postMultipart(draft, v); code != http.StatusConflict {
		t.Fatalf("confirm a discarded draft: %d, want 409", code)
	}
}

// TestManualOrderAttachmentLimits: a file over portal.max_attachment_bytes
// is refused with the limit next to the file field, the rest of the form
// is saved; a body far over it gets a 413 page that says why.
func TestManualOrderAttachmentLimits(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Portal.MaxAttachmentBytes = 4096
	d := apptest.StartConfig(t, cfg)
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	ops := newBrowser(t, d)
	ops.mustLogin("ops@example.com")
	draft := createDraft(t, ops, manualForm("PO-8"), upload{"ok.txt", []byte("fine")})

	v := manualForm("PO-8")
	v.Set("notes", "saved despite the big file")
	v.Set("action", "save")
	code, _, body := ops.postMultipart(draft, v, upload{"scan.tiff", bytes.Repeat([]byte{0}, 4097)})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="files-err">scan.tiff is 4097 bytes; a file can be at most 4096 bytes. It was not attached.`) {
		t.Fatalf("oversize file: %d\n%s", code, body)
	}
	_, _, body = ops.get(draft)
	if strings.Contains(body, "scan.tiff") || !strings.Contains(body, "ok.txt") || !strings.Contains(body, "saved despite the big file") {
		t.Fatalf("after the oversize file:\n%s", body)
	}
	code, _, body = ops.postMultipart(draft, v, upload{"huge.bin", bytes.Repeat([]byte{1}, 2<<20)})
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "a file can be at most 4 KiB") {
		t.Fatalf("huge body: %d\n%s", code, body)
	}
}

// TestManualOrderNotice: the optional email to the retailer needs a
// subject (error next to it) and an address; once confirmed it goes out
// through the mail transport and the page records it.
func TestManualOrderNotice(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Retailers[0].Email = "orders@acme.example"
	d := apptest.StartConfig(t, cfg)
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	ops := newBrowser(t, d)
	ops.mustLogin("ops@example.com")

	// Retailer "other" has no address: said next to the box.
	v := manualForm("N-0")
	v.Set("retailer", "other")
	v.Set("notify", "on")
	v.Set("notice_subject", "Your order")
	other := createDraft(t, ops, v)
	v.Set("action", "confirm")
	if code, _, body := ops.postMultipart(other, v); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="notify-err">Retailer other has no email address`) {
		t.Fatalf("notice to a retailer without address: %d\n%s", code, body)
	}

	v = manualForm("N-1")
	v.Set("notify", "on")
	v.Set("notice_message", "We entered your purchase order N-1.")
	draft := createDraft(t, ops, v)
	v.Set("action", "confirm")
	if code, _, body := ops.postMultipart(draft, v); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="notice_subject-err">Enter a subject`) {
		t.Fatalf("notice without subject: %d\n%s", code, body)
	}
	v.Set("notice_subject", "Order N-1 entered for you")
	code, h, body := ops.postMultipart(draft, v)
	if code != http.StatusSeeOther {
		t.Fatalf("confirm with notice: %d %s", code, body)
	}
	if _, _, body = ops.get(h.Get("Location")); !strings.Contains(body, "The retailer was emailed at orders@acme.example.") ||
		!regexp.MustCompile(`“Order N-1 entered for you”: sent \d{4}-`).MatchString(body) {
		t.Fatalf("after confirm with notice:\n%s", body)
	}
	if !mailWith(d, "To: <orders@acme.example>", "Subject: Order N-1 entered for you", "We entered your purchase order N-1.") {
		t.Fatal("no notice in the mailbox")
	}
}

// TestManualOrderConfirmAgain: a confirmation cut short after the
// pipeline stored the order (the draft left "confirming") is finished by
// "Confirm again": the same request, so the pipeline returns the stored
// order rather than a conflict, and no second order is made.
func TestManualOrderConfirmAgain(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	ops := newBrowser(t, d)
	ops.mustLogin("ops@example.com")
	v := manualForm("PO-9")
	draft := createDraft(t, ops, v)
	v.Set("action", "confirm")
	if code, _, body := ops.postMultipart(draft, v); code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", code, body)
	}
	// placed_at has whole seconds: let the clock pass one, so that a
	// request rebuilt at "now" would differ from the stored order's.
	confirmed := time.Now().Unix()
	apptest.Eventually(t, 3*time.Second, "the next second", func() bool { return time.Now().Unix() > confirmed })
	// As if the replica died between the pipeline and recording the order.
	id := strings.TrimPrefix(draft, "/portal/manual/")
	if _, err := d.App.Store.DB().Exec(context.Background(), `UPDATE manual_orders SET status = 'confirming', order_id = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	_, _, body := ops.get(draft)
	if !strings.Contains(body, "Confirm again") {
		t.Fatalf("an interrupted confirmation offers no way on:\n%s", body)
	}
	code, h, body := ops.post(draft, url.Values{"action": {"confirm"}})
	if code != http.StatusSeeOther {
		t.Fatalf("confirm again: %d\n%s", code, body)
	}
	if _, _, body = ops.get(h.Get("Location")); !strings.Contains(body, "was already stored with this external ID and content") || !strings.Contains(body, "badge m-confirmed") {
		t.Fatalf("after confirm again:\n%s", body)
	}
	_, _, list := d.Do(t, "GET", "/api/v1/orders", d.Keys["retailer:acme"], nil)
	if n := strings.Count(string(list), `"external_id":"PO-9"`); n != 1 {
		t.Fatalf("%d orders with external id PO-9, want 1: %s", n, list)
	}
}

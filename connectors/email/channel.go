package email

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Settings configure an email channel.
type Settings struct {
	// To defaults to the supplier's email address.
	To []string `json:"to"`
	Cc []string `json:"cc"`
	// AttachCSV attaches the supplier order as <number>.csv, in the CSV
	// options given (the file-drop defaults otherwise).
	AttachCSV bool               `json:"attach_csv"`
	CSV       formats.CSVOptions `json:"csv"`
}

// Channel emails supplier orders.
type Channel struct {
	render    *Renderer
	transport Transport
	from      mail.Address
	domain    string
	keys      ReplyKeys
}

// NewChannel sends as from through transport; Message-IDs end in @domain.
func NewChannel(render *Renderer, transport Transport, from mail.Address, domain string) *Channel {
	return &Channel{render: render, transport: transport, from: from, domain: domain}
}

// WithReplyKeys returns a copy of c that signs supplier order emails with
// reply tokens (see ReplyKeys): a Reply-To plus-address and a signed
// Message-ID. Without keys, replies cannot prove where they come from and
// the reply reader sends them all to review.
func (c *Channel) WithReplyKeys(k ReplyKeys) *Channel {
	cp := *c
	cp.keys = k
	return &cp
}

// Validate checks the settings and names bad keys.
func (c *Channel) Validate(raw []byte) []pipeline.SettingsProblem {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return []pipeline.SettingsProblem{{Key: "(settings)", Msg: err.Error()}}
	}
	var ps []pipeline.SettingsProblem
	for field, list := range map[string][]string{"to": s.To, "cc": s.Cc} {
		for i, a := range list {
			if _, err := mail.ParseAddress(a); err != nil {
				ps = append(ps, pipeline.SettingsProblem{Key: field + "[" + strconv.Itoa(i) + "]", Msg: "not an email address"})
			}
		}
	}
	if s.AttachCSV {
		if err := s.CSV.Validate(); err != nil {
			ps = append(ps, pipeline.SettingsProblem{Key: "csv", Msg: err.Error()})
		}
	}
	return ps
}

// Deliver renders and sends the supplier order email. Its Message-ID and
// Date come from the delivery, so a retry is the same message and a reply
// can be matched to the supplier order later.
func (c *Channel) Deliver(ctx context.Context, req *pipeline.DeliveryRequest) (pipeline.Result, error) {
	var s Settings
	if err := json.Unmarshal(req.Channel.Settings, &s); err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("email settings: %w", err)
	}
	so := req.SupplierOrder
	to := s.To
	toRetailer := req.Change != nil && req.Retailer != nil && (strings.HasPrefix(req.Change.Type, "supplier_order.") ||
		strings.HasPrefix(req.Delivery.Channel, pipeline.RetailerChannelPrefix))
	fallback := req.Supplier.Email
	if toRetailer {
		fallback = req.Retailer.Email
	}
	if len(to) == 0 && fallback != "" {
		to = []string{fallback}
	}
	if len(to) == 0 {
		return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: no recipient: set the channel's to or the party's email", so.Number)
	}
	var subject, text, html string
	var err error
	// Only the supplier may answer with a command: its emails carry the
	// reply token, the retailer's do not.
	var token string
	if !toRetailer && req.Supplier != nil {
		token = c.keys.Token(so.Number, req.Supplier.Code)
	}
	msgID := SignedMessageID(req.Delivery.Event, so.Number, token, c.domain)
	if req.Change != nil {
		tmpl := TemplateOrderCancelled
		switch {
		case toRetailer && req.Change.Type == pipeline.EventSupplierOrderOverdue:
			tmpl = TemplateOverdue
		case toRetailer:
			tmpl = TemplateStatusChange
		case req.Change.Type == domain.EventOrderLinesCancelled:
			tmpl = TemplateOrderLinesCancelled
		}
		cr := cancelRequestOf(req.Change)
		if cr != nil {
			tmpl = TemplateCancelRequest
			if toRetailer {
				tmpl = TemplateCancelAnswer
			}
		}
		subject, text, html, err = c.render.Render(tmpl, Data{Order: &so.Order, SupplierOrder: so, Values: map[string]any{
			"Type": req.Change.Type, "From": req.Change.From, "To": req.Change.To, "Note": req.Change.Note,
			"Actor": req.Change.Actor, "Channel": req.Change.Channel, "OccurredAt": req.Change.OccurredAt,
			"Shipment": shipmentOf(req.Change.Data), "Lines": lineChangesOf(req.Change.Data), "Request": cr,
		}})
		// The token is the supplier order's, and this id is the event's:
		// the Reply-To below carries the token instead.
		msgID = MessageID(req.Change.Type, fmt.Sprintf("%s-e%d", so.Number, req.Change.EventID), c.domain)
		if cr != nil && !toRetailer {
			// Answered by reply: the reply must lead back to the order.
			msgID = cancelRequestMessageID(so.Number, token, c.domain, req.Change.EventID)
		}
	} else {
		subject, text, html, err = c.render.RenderSupplierOrder(so)
	}
	if err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: render: %w", so.Number, err)
	}
	msg := &Message{
		From: c.from, Subject: subject, Text: text, HTML: html,
		MessageID: msgID,
		Date:      req.Delivery.CreatedAt,
		// Auto-responders must not answer: replies are read as commands.
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Supplyhub-Order": so.Number},
	}
	if token != "" {
		replyTo := ReplyAddress(c.from, so.Number, token)
		msg.ReplyTo = &replyTo
	}
	for _, list := range []struct {
		src []string
		dst *[]Address
	}{{to, &msg.To}, {s.Cc, &msg.Cc}} {
		for _, a := range list.src {
			addr, err := mail.ParseAddress(a)
			if err != nil {
				return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: recipient %q: %w", so.Number, a, err)
			}
			*list.dst = append(*list.dst, *addr)
		}
	}
	if s.AttachCSV {
		enc, err := formats.New(formats.Spec{Format: formats.FormatCSV, CSV: s.CSV})
		if err != nil {
			return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: csv: %w", so.Number, err)
		}
		var buf bytes.Buffer
		if err := enc.Encode(&buf, so); err != nil {
			return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: csv: %w", so.Number, err)
		}
		msg.Attachments = append(msg.Attachments, Attachment{Filename: so.Number + "." + enc.Extension(), ContentType: enc.ContentType(), Data: buf.Bytes()})
	}
	raw, err := Build(msg)
	if err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("email %s: build: %w", so.Number, err)
	}
	if err := c.transport.Send(ctx, c.from.Address, msg.Recipients(), raw); err != nil {
		res := pipeline.Result{Permanent: IsPermanent(err)}
		if code, text, ok := ServerReply(err); ok {
			res.StatusCode, res.Response = code, text
		}
		return res, fmt.Errorf("email %s: %w", so.Number, err)
	}
	return pipeline.Result{Response: "sent " + msg.MessageID}, nil
}

// Templates of change emails: to a retailer about a supplier's change, and
// to a supplier about the retailer's cancellation.
const (
	TemplateStatusChange   = "status_change"
	TemplateOrderCancelled = "order_cancelled"
	// TemplateOrderLinesCancelled tells a supplier which lines or units of
	// an order the retailer cancelled, and what is left to ship.
	TemplateOrderLinesCancelled = "order_lines_cancelled"
	// TemplateOverdue tells a retailer that a supplier passed a limit.
	TemplateOverdue = "overdue"
)

// lineChangesOf decodes a lines event's per-line changes for templates
// (nil for any other change).
func lineChangesOf(data any) []store.LineChange {
	raw, ok := data.(json.RawMessage)
	if !ok {
		return nil
	}
	var d struct {
		Lines []store.LineChange `json:"lines"`
	}
	if json.Unmarshal(raw, &d) != nil || len(d.Lines) == 0 || d.Lines[0].Action == "" {
		return nil // a package's lines carry no action
	}
	return d.Lines
}

// shipmentOf decodes a change's shipment data for templates (nil if none).
func shipmentOf(data any) map[string]any {
	raw, ok := data.(json.RawMessage)
	if !ok {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	_, carrier := m["carrier"]
	_, tracking := m["tracking_number"]
	if !carrier && !tracking {
		return nil // no package: the data holds only the order's move
	}
	return m
}

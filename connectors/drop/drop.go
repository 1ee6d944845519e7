// Package drop turns a remote file server into a delivery channel: each
// supplier order is rendered into one file (CSV by default, or any
// formats.Spec) under a sanitised name and uploaded through an Uploader
// (SFTP, FTP, the built-in SFTP server). Sessions are kept open between
// jobs for a short while, so a scheduled run that fires many jobs at once
// reuses one connection.
package drop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/file"
	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// DefaultFileName is the file name template when a channel sets none.
const DefaultFileName = "{supplier_order_number}.{ext}"

// nameSettings are the drop settings every uploader shares; the rest of
// the channel settings are the format (formats.Spec's keys) and the
// uploader's own.
type nameSettings struct {
	// FileName is a template with {supplier_order_number}, {order_number},
	// {supplier}, {external_id}, {event} and {ext}.
	FileName string `json:"file_name"`
}

// Render encodes the supplier order with the channel's format and names
// the file. Every placeholder value is sanitised into a single path
// element, so order data can never make a path. An event other than
// order.created gets ".<event>" before the extension unless the template
// places {event} itself, so a cancellation never overwrites the order.
func Render(req *pipeline.DeliveryRequest) (name string, data []byte, err error) {
	var spec formats.Spec
	var ns nameSettings
	if err := json.Unmarshal(req.Channel.Settings, &spec); err != nil {
		return "", nil, fmt.Errorf("format settings: %w", err)
	}
	if err := json.Unmarshal(req.Channel.Settings, &ns); err != nil {
		return "", nil, fmt.Errorf("file_name: %w", err)
	}
	enc, err := formats.New(spec)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, req.SupplierOrder); err != nil {
		return "", nil, fmt.Errorf("encode %s: %w", req.SupplierOrder.Number, err)
	}
	tmpl := ns.FileName
	if tmpl == "" {
		tmpl = DefaultFileName
	}
	typ, _, _ := pipeline.ParseNotificationEvent(req.Delivery.Event)
	event := strings.ReplaceAll(typ, ".", "-")
	if typ != domain.EventOrderCreated && !strings.Contains(tmpl, "{event}") {
		tmpl = strings.Replace(tmpl, ".{ext}", ".{event}.{ext}", 1)
	}
	so := req.SupplierOrder
	name = strings.NewReplacer(
		"{supplier_order_number}", file.SafeName(so.Number),
		"{order_number}", file.SafeName(so.Order.Number),
		"{supplier}", file.SafeName(so.Supplier),
		"{external_id}", file.SafeName(so.Order.ExternalID),
		"{event}", file.SafeName(event),
		"{ext}", file.SafeName(enc.Extension()),
	).Replace(tmpl)
	return file.SafeName(name), buf.Bytes(), nil
}

// ValidateFormat checks the format and file name settings.
func ValidateFormat(raw []byte) []pipeline.SettingsProblem {
	var spec formats.Spec
	var ns nameSettings
	if err := json.Unmarshal(raw, &spec); err != nil {
		return []pipeline.SettingsProblem{{Key: "format", Msg: err.Error()}}
	}
	var ps []pipeline.SettingsProblem
	if err := spec.Validate(); err != nil {
		ps = append(ps, pipeline.SettingsProblem{Key: "format", Msg: err.Error()})
	}
	if err := json.Unmarshal(raw, &ns); err != nil {
		ps = append(ps, pipeline.SettingsProblem{Key: "file_name", Msg: err.Error()})
	} else if ns.FileName != "" && !strings.Contains(ns.FileName, "{supplier_order_number}") {
		ps = append(ps, pipeline.SettingsProblem{Key: "file_name", Msg: "must contain {supplier_order_number} so every file name is unique"})
	}
	return ps
}

// Package file is the simplest delivery channel: one JSON file per
// supplier order event written atomically into a local folder. It serves
// the embedded demo and the crash tests, and shows the channel contract
// the other connectors follow.
package file

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Settings configure a file channel.
type Settings struct {
	// Dir is where files are written; default $DATA_DIR/outbox/<supplier>.
	Dir string `json:"dir"`
}

// Channel writes files.
type Channel struct {
	defaultRoot string
}

// New returns a file channel whose default folder is root/<supplier code>.
func New(root string) *Channel { return &Channel{defaultRoot: root} }

// Validate checks the settings.
func (c *Channel) Validate(settings []byte) []pipeline.SettingsProblem {
	var s Settings
	if err := json.Unmarshal(settings, &s); err != nil {
		return []pipeline.SettingsProblem{{Key: "(settings)", Msg: err.Error()}}
	}
	return nil
}

// Deliver writes <dir>/<supplier order number>[.<event>].json. The same
// event always produces the same name and bytes, so a retry after a crash
// replaces the file instead of adding a second one.
func (c *Channel) Deliver(ctx context.Context, req *pipeline.DeliveryRequest) (pipeline.Result, error) {
	var s Settings
	_ = json.Unmarshal(req.Channel.Settings, &s)
	dir := s.Dir
	if dir == "" {
		dir = filepath.Join(c.defaultRoot, SafeName(req.Supplier.Code))
	}
	body, err := json.MarshalIndent(req.SupplierOrder, "", "  ")
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("file: encode %s: %w", req.SupplierOrder.Number, err)
	}
	name := SafeName(req.SupplierOrder.Number)
	if typ, _, _ := pipeline.ParseNotificationEvent(req.Delivery.Event); typ != domain.EventOrderCreated {
		name += "." + SafeName(typ)
	}
	path, err := WriteAtomic(dir, name+".json", append(body, '\n'))
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("file: %w", err)
	}
	return pipeline.Result{Response: "wrote " + path}, nil
}

// SafeName maps s to a single path element: letters, digits, '.', '_' and
// '-' are kept, everything else becomes '_', ".." never survives (remote
// servers refuse it anywhere in a name), and a name made only of dots is
// prefixed so it can never mean "here".
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", "__")
	}
	if out == "" || strings.Trim(out, ".") == "" {
		out = "_" + out
	}
	return out
}

// WriteAtomic writes data to dir/name through a temporary file in the same
// folder, synced and renamed, so readers see either nothing or the whole
// file — never a part — and a crash leaves at most a stray temp file.
func WriteAtomic(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return "", fmt.Errorf("create temp in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("rename to %s: %w", final, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename itself durable
		d.Close()
	}
	return final, nil
}

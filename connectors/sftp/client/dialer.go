package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/connectors/drop"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Dialer connects drop channels through this package.
type Dialer struct{}

func settingsOf(raw []byte) (Settings, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	return s, nil
}

// Dial opens a session to the channel's server.
func (Dialer) Dial(ctx context.Context, req *pipeline.DeliveryRequest) (drop.Uploader, error) {
	s, err := settingsOf(req.Channel.Settings)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, s)
}

// Key identifies the endpoint: its full settings, so a change of host,
// user or folder never reuses an old session.
func (Dialer) Key(req *pipeline.DeliveryRequest) string { return string(req.Channel.Settings) }

// Validate checks the connection settings.
func (Dialer) Validate(raw []byte) []pipeline.SettingsProblem {
	s, err := settingsOf(raw)
	if err != nil {
		return []pipeline.SettingsProblem{{Key: "(settings)", Msg: err.Error()}}
	}
	var out []pipeline.SettingsProblem
	for _, p := range s.Validate() {
		out = append(out, pipeline.SettingsProblem{Key: p.Key, Msg: p.Msg})
	}
	return out
}

// IsPermanent reports whether retrying cannot fix err.
func (Dialer) IsPermanent(err error) bool { return IsPermanent(err) }

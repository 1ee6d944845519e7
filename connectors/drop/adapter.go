package drop

import (
	"context"
	"encoding/json"

	"github.com/supplyhub/supplyhub/pipeline"
)

// Adapter makes a Dialer from a connector's typed settings S: channel
// settings are decoded into S, which dial opens a session with.
type Adapter[S any] struct {
	// Open dials a session for settings s.
	Open func(ctx context.Context, s S) (Uploader, error)
	// Check validates settings s.
	Check func(s S) []pipeline.SettingsProblem
	// Permanent reports whether retrying cannot fix err.
	Permanent func(err error) bool
}

func decode[S any](raw []byte) (S, error) {
	var s S
	err := json.Unmarshal(raw, &s)
	return s, err
}

// Dial decodes the channel's settings and opens a session.
func (a Adapter[S]) Dial(ctx context.Context, req *pipeline.DeliveryRequest) (Uploader, error) {
	s, err := decode[S](req.Channel.Settings)
	if err != nil {
		return nil, err
	}
	return a.Open(ctx, s)
}

// Key identifies the endpoint: its full settings, so a change of host,
// user or folder never reuses an old session.
func (a Adapter[S]) Key(req *pipeline.DeliveryRequest) string { return string(req.Channel.Settings) }

// Validate decodes and checks the settings.
func (a Adapter[S]) Validate(raw []byte) []pipeline.SettingsProblem {
	s, err := decode[S](raw)
	if err != nil {
		return []pipeline.SettingsProblem{{Key: "(settings)", Msg: err.Error()}}
	}
	return a.Check(s)
}

// IsPermanent reports whether retrying cannot fix err.
func (a Adapter[S]) IsPermanent(err error) bool { return a.Permanent(err) }

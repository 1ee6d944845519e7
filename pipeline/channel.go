package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/schedule"
)

// Channel delivers events to suppliers in one way (file, webhook, email…).
// It is given everything about one delivery and makes one attempt; the
// dispatcher records the attempt and schedules retries.
type Channel interface {
	// Deliver makes one attempt. A nil error is success. Result carries
	// what the remote side answered, also on failure.
	Deliver(ctx context.Context, req *DeliveryRequest) (Result, error)
	// Validate checks a channel's settings (JSON) and names bad keys.
	Validate(settings []byte) []SettingsProblem
}

// DeliveryRequest is what a channel needs for one attempt.
type DeliveryRequest struct {
	Delivery *domain.Delivery
	// SupplierOrder is the supplier order the delivery renders (see
	// renderedOrder). It is nil when Snapshot is set: use Order.
	SupplierOrder *domain.SupplierOrder
	// Snapshot is set only for a SnapshotChannel, when the delivery has a
	// snapshot: the supplier order as the event saw it, the JSON stored
	// with the delivery, checked to be one valid JSON object (see
	// sendableSnapshot), to be sent as it is.
	Snapshot json.RawMessage
	Supplier *domain.Supplier
	Channel  domain.Channel
	Attempt  int
	// Retailer and Change are set on notifications to the retailer
	// (channel "retailer/…"): the retailer and the history event they
	// are about.
	Retailer *domain.Retailer
	Change   *Change
	// live is the live supplier order, for the ids Order sets on a
	// decoded snapshot.
	live *domain.SupplierOrder
}

// Change is a status change as told to a retailer.
type Change struct {
	Type       string    `json:"type"`
	EventID    int64     `json:"event_id"`
	From       string    `json:"from_status"`
	To         string    `json:"to_status"`
	Note       string    `json:"note,omitempty"`
	Actor      string    `json:"actor"`
	Channel    string    `json:"channel"`
	Data       any       `json:"data,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Result is the remote side's answer to one attempt.
type Result struct {
	StatusCode int
	Response   string
	// RetryAfter, when set on a failure, asks for the next attempt no
	// sooner than this (429/503 Retry-After); it does not use up a retry.
	RetryAfter time.Duration
	// Permanent marks a failure retrying cannot fix (410 Gone, a 5xx SMTP
	// reply): the delivery is dead-lettered at once.
	Permanent bool
	// Disable asks for the whole endpoint to be disabled (410 Gone): its
	// other deliveries stop until an operator enables it again.
	Disable bool
}

// SettingsProblem is one bad channel setting.
type SettingsProblem struct {
	Key string
	Msg string
}

// Alerter tells the operator about something that needs a person (an
// endpoint disabled); it logs, counts and emails the admin address.
type Alerter interface {
	Alert(ctx context.Context, subject, body string)
}

// Channels maps channel types to their connectors.
type Channels map[string]Channel

// commonSettings are understood for every channel type.
type commonSettings struct {
	// Retry lists the delays before each retry ("5s", "5m"…). The first
	// attempt is immediate; after the last retry the delivery is dead.
	Retry []string `json:"retry"`
	// DisableAfter disables the endpoint once it has failed without a
	// single success for this long ("120h"; "0" never). Webhooks default
	// to 5 days, other channels to never.
	DisableAfter string `json:"disable_after"`
	// Schedule is "immediate" (default) or a cron expression ("*/15 * * *
	// *"): deliveries then wait for the next tick, when every one pending
	// goes out, each as its own job. TimeZone is the cron's zone (UTC).
	Schedule string `json:"schedule"`
	TimeZone string `json:"time_zone"`
}

// NextRun returns when a delivery created at now should first be tried:
// now for immediate channels, else the schedule's next tick after now.
func NextRun(settings []byte, now time.Time) (time.Time, error) {
	var cs commonSettings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &cs); err != nil {
			return now, fmt.Errorf("schedule: %w", err)
		}
	}
	if cs.Schedule == "" || cs.Schedule == "immediate" {
		return now, nil
	}
	spec := cs.Schedule
	if cs.TimeZone != "" {
		if _, err := time.LoadLocation(cs.TimeZone); err != nil {
			return now, fmt.Errorf("time_zone: unknown zone %q", cs.TimeZone)
		}
		spec = "CRON_TZ=" + cs.TimeZone + " " + spec
	}
	sched, err := schedule.Parse(spec)
	if err != nil {
		return now, fmt.Errorf("schedule: %q is neither immediate nor a usable cron expression: %w", cs.Schedule, err)
	}
	return sched.Next(now), nil
}

// defaultDisableAfter is how long a webhook endpoint may fail before it is
// disabled and the operator told.
const defaultDisableAfter = 5 * 24 * time.Hour

// DisableAfter reads a channel's failure window; 0 means never disable.
func DisableAfter(typ string, settings []byte) (time.Duration, error) {
	var cs commonSettings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &cs); err != nil {
			return 0, fmt.Errorf("disable_after: %w", err)
		}
	}
	if cs.DisableAfter == "" {
		if typ == domain.ChannelWebhook {
			return defaultDisableAfter, nil
		}
		return 0, nil
	}
	d, err := time.ParseDuration(cs.DisableAfter)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("disable_after: %q must be a duration such as 120h, or 0", cs.DisableAfter)
	}
	return d, nil
}

// DefaultRetry is the retry schedule when a channel sets none: after an
// immediate first attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h
// and 24 h — ten attempts over about three days.
var defaultRetry = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}

// DefaultRetry returns a copy of the default retry schedule.
func DefaultRetry() []time.Duration { return append([]time.Duration(nil), defaultRetry...) }

// RetrySchedule reads a channel's retry schedule from its settings.
func RetrySchedule(settings []byte) ([]time.Duration, error) {
	var cs commonSettings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &cs); err != nil {
			return nil, fmt.Errorf("retry: %w", err)
		}
	}
	if cs.Retry == nil {
		return DefaultRetry(), nil
	}
	if len(cs.Retry) > 50 {
		return nil, fmt.Errorf("retry: at most 50 entries")
	}
	out := make([]time.Duration, len(cs.Retry))
	for i, s := range cs.Retry {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > 7*24*time.Hour {
			return nil, fmt.Errorf("retry[%d]: %q must be a duration between 0s and 168h", i, s)
		}
		out[i] = d
	}
	return out, nil
}

// CheckChannel validates a channel's settings: the common keys, then the
// connector's own. known is false for a type no connector handles.
func (cs Channels) CheckChannel(typ string, settings []byte) (known bool, problems []SettingsProblem) {
	ch, ok := cs[typ]
	if !ok {
		return false, nil
	}
	if _, err := RetrySchedule(settings); err != nil {
		problems = append(problems, SettingsProblem{Key: "retry", Msg: err.Error()})
	}
	if _, err := DisableAfter(typ, settings); err != nil {
		problems = append(problems, SettingsProblem{Key: "disable_after", Msg: err.Error()})
	}
	if _, err := NextRun(settings, time.Now()); err != nil {
		problems = append(problems, SettingsProblem{Key: "schedule", Msg: err.Error()})
	}
	return true, append(problems, ch.Validate(settings)...)
}

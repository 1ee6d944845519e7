package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/pipeline"
)

// Settings configure a webhook channel.
type Settings struct {
	URL string `json:"url"`
	// Secrets sign every message; several are allowed while one is being
	// rotated. SecretFile names a file holding more, one per line.
	Secret     string   `json:"secret"`
	Secrets    []string `json:"secrets"`
	SecretFile string   `json:"secret_file"`
	// Timeout bounds one attempt (default: webhooks.timeout).
	Timeout string            `json:"timeout"`
	Headers map[string]string `json:"headers"`
}

func (s Settings) allSecrets() ([]string, error) {
	var out []string
	if s.Secret != "" {
		out = append(out, s.Secret)
	}
	out = append(out, s.Secrets...)
	if s.SecretFile != "" {
		b, err := os.ReadFile(s.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out, nil
}

// Channel delivers supplier order events as signed webhooks.
type Channel struct {
	client  *Client
	guard   Guard
	timeout time.Duration
}

// NewChannel wraps a client; guard validates target URLs in settings and
// timeout is the default per-attempt limit.
func NewChannel(client *Client, guard Guard, timeout time.Duration) *Channel {
	return &Channel{client: client, guard: guard, timeout: timeout}
}

// Validate checks the settings and names bad keys.
func (c *Channel) Validate(raw []byte) []pipeline.SettingsProblem {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return []pipeline.SettingsProblem{{Key: "(settings)", Msg: err.Error()}}
	}
	var ps []pipeline.SettingsProblem
	if s.URL == "" {
		ps = append(ps, pipeline.SettingsProblem{Key: "url", Msg: "is required"})
	} else if err := ValidateURL(s.URL, c.guard); err != nil {
		ps = append(ps, pipeline.SettingsProblem{Key: "url", Msg: err.Error()})
	}
	secrets, err := s.allSecrets()
	if err != nil {
		ps = append(ps, pipeline.SettingsProblem{Key: "secret_file", Msg: err.Error()})
	} else if len(secrets) == 0 {
		ps = append(ps, pipeline.SettingsProblem{Key: "secret", Msg: "is required (generate one with: supplyhub webhook secret)"})
	}
	for i, sec := range secrets {
		if _, err := ParseSecret(sec); err != nil {
			ps = append(ps, pipeline.SettingsProblem{Key: "secrets[" + strconv.Itoa(i) + "]", Msg: err.Error()})
		}
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d < time.Second || d > 5*time.Minute {
			ps = append(ps, pipeline.SettingsProblem{Key: "timeout", Msg: "must be a duration between 1s and 5m"})
		}
	}
	return ps
}

// Deliver posts the event. The webhook-id is the delivery's id and the
// body is built from the delivery's snapshot, so every retry and replay
// carries the same id and bytes and the receiver can deduplicate.
func (c *Channel) Deliver(ctx context.Context, req *pipeline.DeliveryRequest) (pipeline.Result, error) {
	var s Settings
	if err := json.Unmarshal(req.Channel.Settings, &s); err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("webhook settings: %w", err)
	}
	secrets, err := s.allSecrets()
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("webhook: %w", err)
	}
	timeout := c.timeout
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > 0 {
		timeout = d
	}
	msg, err := message(req)
	if err != nil {
		return pipeline.Result{Permanent: true}, fmt.Errorf("webhook: %w", err)
	}
	res := c.client.Send(ctx, Endpoint{URL: s.URL, Secrets: secrets, Timeout: timeout, Headers: s.Headers}, msg)
	out := pipeline.Result{StatusCode: res.StatusCode, Response: res.Response}
	switch res.Outcome {
	case OutcomeOK:
		return out, nil
	case OutcomeThrottled:
		out.RetryAfter = res.RetryAfter
		if out.RetryAfter <= 0 {
			// 429 without a hint: back off a little without spending a retry.
			out.RetryAfter = 30 * time.Second
		}
	case OutcomeGone:
		out.Permanent, out.Disable = true, true
	}
	if res.Err == nil {
		res.Err = errors.New(string(res.Outcome))
	}
	return out, fmt.Errorf("webhook %s: %w", redact(s.URL), res.Err)
}

// message is the message of req: the event's data is the supplier order,
// or for a retailer notification what changed with the supplier order
// now. The supplier order goes out as the delivery's snapshot when the
// dispatcher gave its bytes (see SendsSnapshot).
func message(req *pipeline.DeliveryRequest) (Message, error) {
	id := MessageID(req.Delivery.ID)
	if req.Change == nil {
		ev := Event{Type: req.Delivery.Event, Timestamp: req.Delivery.CreatedAt}
		if len(req.Snapshot) > 0 {
			return newMessage(id, ev, req.Snapshot)
		}
		ev.Data = req.SupplierOrder
		return NewMessage(id, ev)
	}
	// The change names the order, so this one decodes the snapshot.
	so, err := req.Order()
	if err != nil {
		return Message{}, err
	}
	ev := Event{Type: req.Change.Type, Timestamp: req.Change.OccurredAt}
	head, err := json.Marshal(struct {
		OrderNumber string           `json:"order_number"`
		ExternalID  string           `json:"external_id"`
		Change      *pipeline.Change `json:"change"`
	}{so.Order.Number, so.Order.ExternalID, req.Change})
	if err != nil {
		return Message{}, fmt.Errorf("new message %s: marshal %s: %w", id, ev.Type, err)
	}
	// supplier_order, last: the snapshot copied in (not scanned again as
	// a json.RawMessage would be), or the supplier order marshalled.
	order := []byte(req.Snapshot)
	if len(order) == 0 {
		if order, err = json.Marshal(so); err != nil {
			return Message{}, fmt.Errorf("new message %s: marshal %s: %w", id, ev.Type, err)
		}
	}
	return newMessage(id, ev, withLast(head, "supplier_order", order))
}

// SendsSnapshot makes the channel a pipeline.SnapshotChannel: its event
// data is the supplier order's JSON, which the delivery's snapshot is.
func (c *Channel) SendsSnapshot() {}

// MessageID is the webhook-id of a delivery.
func MessageID(deliveryID int64) string { return "msg_" + strconv.FormatInt(deliveryID, 10) }

var _ pipeline.SnapshotChannel = (*Channel)(nil)

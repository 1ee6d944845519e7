package webhook

import "time"

// Endpoint is where a message goes and how it is signed.
type Endpoint struct {
	URL     string
	Secrets []string          // active "whsec_" secrets; more than one while rotating
	Timeout time.Duration     // zero means the client's default
	Headers map[string]string // extra headers; cannot override the signed or content headers
}

// Message is one webhook payload; ID is stable across retries so receivers
// can deduplicate.
type Message struct {
	ID        string
	Type      string    // event type, for logs
	Timestamp time.Time // when the event happened; not the signing time
	Body      []byte    // JSON
}

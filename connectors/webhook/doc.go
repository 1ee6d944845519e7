// Package webhook delivers one signed webhook attempt and reports what
// happened and when to try again.
//
// Requests are signed per the Standard Webhooks specification
// (https://www.standardwebhooks.com): a webhook-id, a webhook-timestamp and
// one v1 HMAC-SHA256 signature per active secret, so a receiver keeps
// verifying while a secret is rotated. Every connection is checked at dial
// time against an SSRF guard, so a hostname that resolves (or re-resolves)
// to a private, loopback or metadata address is refused.
//
// The package does no waiting of its own: durable retries are jobs in the
// queue, which follow the channel retry schedule (pipeline.RetrySchedule), or
// snooze for [Result.RetryAfter] when the receiver throttled us.
package webhook

// Package email delivers supplier orders by email: it renders the message from
// templates, builds a deterministic MIME message and hands it to a Transport
// (SMTP, or a local Maildir when no mail server is configured).
//
// Everything here builds and sends exactly one message per call; retries are
// the job queue's business. Because the Message-ID, the MIME boundaries and
// the Date all come from the input, a retried delivery produces the same bytes,
// so a supplier never sees a second thread and replies can later be matched
// by their In-Reply-To and References headers (see MessageID and
// ParseMessageID).
package email

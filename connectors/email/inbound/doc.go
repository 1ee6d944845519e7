// Package inbound reads suppliers' replies to supplier order emails from an
// IMAP mailbox and turns them into commands on supplier orders.
//
// A reply is matched to its supplier order by its In-Reply-To and References
// headers (the deterministic Message-IDs written by email.MessageID), or else
// by the one supplier order number in its subject. Its command is read from
// the first lines the supplier wrote, above any quoted text or signature:
//
//	ACCEPT | ACKNOWLEDGE | CONFIRM           acknowledge
//	SHIPPED[:] <carrier> <tracking> [<url>]  ship (url http or https)
//	DELIVERED                                deliver
//	CANCEL[:] <note>                         cancel (note required)
//	REJECT: <note>                           reject (note required)
//	BACKORDER[: <note>]                      backorder
//	NOTE: <text>                             note (text required)
//	ACCEPT CANCELLATION[: <note>]            accept the open cancellation request
//	REFUSE CANCELLATION: <reason>            refuse it (reason required)
//
// Words are case-insensitive. The command is the first non-empty line, or
// the second after a short greeting ("Hello,"); the lines below it, up to
// the quote or signature, continue the note of CANCEL, REJECT, BACKORDER
// and NOTE, which may also start on the line after a bare command word.
// Below ACCEPT, SHIPPED and DELIVERED, another command word at the start of
// a line means two commands in one email, which goes to review.
//
// The command ends, and a note with it, at the first quoted line, quoted
// original's attribution or header block, signature marker, mobile footer or
// closing alone on a line ("Best regards,"); see docs/status.md for the
// exact list. A bottom-posted reply is read below the quote.
//
// A command proves nothing by its From header: CheckToken checks the reply
// token of our email (email.ReplyKeys) that a genuine reply carries back,
// and CheckAuth the receiving server's Authentication-Results. The handler
// runs both, since the token is keyed by the supplier's code.
//
// Nothing is guessed: whatever is not clearly one supplier order and one
// well-formed command is handed over for human review, with the reason.
//
// Parse and Interpret are pure; Mailbox polls (or IDLEs on) the mailbox and
// hands every unprocessed message to a Handler, marking it processed only once
// the handler succeeded. Delivery is therefore at least once: a handler must
// be idempotent by Message-ID.
package inbound

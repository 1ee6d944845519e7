package inbound

import (
	"context"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// HandlerError is a Handler's failure on one message, which stays
// unprocessed.
type HandlerError struct {
	UID       uint32
	MessageID string
	Err       error
}

// Error describes the failure.
func (e *HandlerError) Error() string {
	return fmt.Sprintf("handle message uid %d %s: %v", e.UID, e.MessageID, e.Err)
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// pass hands every unprocessed message to h and marks the ones h accepted.
// Handler failures are collected, not fatal: one bad message must not stop
// the others. err is an IMAP failure, after which the connection is suspect.
func (s *session) pass(ctx context.Context, h Handler) (processed int, failed []error, err error) {
	uids, err := s.unprocessed()
	if err != nil {
		return 0, nil, err
	}
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return processed, failed, err
		}
		ok, herr, err := s.handle(ctx, h, uid)
		if err != nil {
			return processed, failed, err
		}
		if herr != nil {
			failed = append(failed, herr)
		}
		if ok {
			processed++
		}
	}
	return processed, failed, nil
}

// unprocessed searches the UIDs of the messages not yet processed. Messages
// flagged \Deleted are skipped: they are on their way out (a COPY-based
// move whose EXPUNGE failed, or a person's deletion).
func (s *session) unprocessed() ([]imap.UID, error) {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	switch {
	case s.m.ProcessedMailbox != "":
		// Processed mail leaves the mailbox: all that is left is new.
	case s.keyword:
		criteria.NotFlag = append(criteria.NotFlag, imap.Flag(ProcessedKeyword))
	default:
		criteria.NotFlag = append(criteria.NotFlag, imap.FlagSeen)
	}
	data, err := s.c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search unprocessed: %w", err)
	}
	return data.AllUIDs(), nil
}

// handle fetches, interprets and hands over one message, then marks it
// processed if the handler accepted it. ok reports that it was marked.
func (s *session) handle(ctx context.Context, h Handler, uid imap.UID) (ok bool, herr, err error) {
	log := s.log.With("mailbox", s.m.mailbox(), "uid", uint32(uid))
	raw, found, err := s.fetchBody(uid)
	if err != nil {
		return false, nil, fmt.Errorf("fetch uid %d: %w", uid, err)
	}
	if !found {
		// Expunged by someone else since the search.
		return false, nil, nil
	}
	if raw == nil {
		// Never mark what was not read.
		return false, nil, fmt.Errorf("fetch uid %d: server returned no body", uid)
	}

	msg, perr := Parse(raw)
	in := Interpret(msg, s.m.Domain)
	if perr != nil {
		in = review(in, fmt.Sprintf("the message could not be read completely (%v)", perr))
	}
	log = log.With("message_id", msg.MessageID, "from", msg.From)
	if in.Review {
		log.Info("inbound mail: needs review", "supplier_order", in.Command.SupplierOrderNumber, "reason", in.Reason)
	} else {
		log.Info("inbound mail: command", "supplier_order", in.Command.SupplierOrderNumber, "action", in.Command.Action, "matched_by", in.MatchedBy)
	}

	if err := h.Handle(ctx, msg, in); err != nil {
		log.Error("inbound mail: handler failed, message left unprocessed", "err", err)
		return false, &HandlerError{UID: uint32(uid), MessageID: msg.MessageID, Err: err}, nil
	}
	if err := s.markProcessed(uid); err != nil {
		// The handler ran: the message will be handed over again, which
		// idempotent handlers shrug off.
		return false, nil, fmt.Errorf("mark uid %d %s processed: %w", uid, msg.MessageID, err)
	}
	log.Debug("inbound mail: marked processed")
	return true, nil, nil
}

// fetchBody fetches the whole raw message uid without setting \Seen (which
// must wait until the handler succeeded). found is false when the server
// returned no message (expunged since the search); raw is nil when it
// returned one without a body.
func (s *session) fetchBody(uid imap.UID) (raw []byte, found bool, err error) {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{section},
	})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		found = true
		for item := msg.Next(); item != nil; item = msg.Next() {
			body, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || body.Literal == nil {
				continue
			}
			b, rerr := io.ReadAll(body.Literal)
			if rerr == nil && int64(len(b)) != body.Literal.Size() {
				// A connection closed inside the literal reads as
				// a plain EOF: the message is cut short.
				rerr = fmt.Errorf("connection lost after %d of %d bytes: %w", len(b), body.Literal.Size(), io.ErrUnexpectedEOF)
			}
			if rerr != nil {
				// go-imap (v2.0.0-beta.8) lets its reader goroutine go
				// on as soon as a literal read ends, and releasing the
				// command (Next, Close) would then drain the rest of
				// the literal from this goroutine too: two readers on
				// one socket. Close the connection instead; the
				// session is dropped after this error anyway.
				_ = s.c.Close()
				return nil, false, fmt.Errorf("read message body: %w", rerr)
			}
			raw = b
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, false, err
	}
	return raw, found, nil
}

// markProcessed moves the message to ProcessedMailbox (imapclient falls back
// to COPY, STORE \Deleted and EXPUNGE when the server lacks MOVE) or flags
// it \Seen and ProcessedKeyword.
func (s *session) markProcessed(uid imap.UID) error {
	set := imap.UIDSetNum(uid)
	if s.m.ProcessedMailbox != "" {
		if _, err := s.c.Move(set, s.m.ProcessedMailbox).Wait(); err != nil {
			return fmt.Errorf("move to %s: %w", s.m.ProcessedMailbox, err)
		}
		return nil
	}
	flags := []imap.Flag{imap.FlagSeen}
	if s.keyword {
		flags = append(flags, imap.Flag(ProcessedKeyword))
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}
	if err := s.c.Store(set, store, nil).Close(); err != nil {
		return fmt.Errorf("store flags: %w", err)
	}
	return nil
}

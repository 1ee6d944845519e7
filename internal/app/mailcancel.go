package app

import (
	"context"
	"errors"

	"github.com/supplyhub/supplyhub/connectors/email/inbound"
	"github.com/supplyhub/supplyhub/pipeline"
)

// answerCancellation applies an emailed answer to the open cancellation
// request on the reply's supplier order; a reply that answers nothing
// (no open request, already answered the other way) goes to review.
func (h *replyHandler) answerCancellation(ctx context.Context, sid int64, cmd inbound.Command, from, msgID string, review func(string) error) error {
	ans := pipeline.CancelAnswer{Accept: cmd.Action == inbound.ActionAcceptCancellation, Note: cmd.Note,
		Actor: "email " + from, Channel: "email", IdempotencyKey: "email:" + msgID}
	c, err := pipeline.AnswerOpenCancellation(ctx, h.st, h.q, sid, cmd.SupplierOrderNumber, ans)
	var ve *pipeline.ValidationError
	switch {
	case errors.Is(err, pipeline.ErrNoOpenCancelRequest), errors.Is(err, pipeline.ErrCancelAnswered),
		errors.Is(err, pipeline.ErrNoteRequired), errors.As(err, &ve):
		return review(err.Error())
	case err != nil:
		return err
	}
	h.log.Info("email reply answered a cancellation request", "message_id", msgID, "supplier_order", cmd.SupplierOrderNumber,
		"request", c.ID, "state", c.State)
	return nil
}

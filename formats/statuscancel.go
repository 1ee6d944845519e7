package formats

// Status values of a row that answers the open cancellation request on
// its supplier order instead of changing the order's status; the note is
// the supplier's (required to refuse, which the pipeline checks).
const (
	StatusCancellationAccepted = "cancellation_accepted"
	StatusCancellationRefused  = "cancellation_refused"
)

// cancellationAnswerStatus recognises a cancellation answer, normalised
// by normalizeName ("Cancellation accepted", "cancellation-refused").
func cancellationAnswerStatus(n string) (string, bool) {
	switch n {
	case StatusCancellationAccepted, "cancelation_accepted", "accept_cancellation":
		return StatusCancellationAccepted, true
	case StatusCancellationRefused, "cancelation_refused", "refuse_cancellation":
		return StatusCancellationRefused, true
	}
	return "", false
}

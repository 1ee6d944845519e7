package inbound

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Answers to a retailer's cancellation request (see doc.go).
const (
	ActionAcceptCancellation Action = "accept_cancellation"
	ActionRefuseCancellation Action = "refuse_cancellation"
)

// cancellationPhrases are the two-word commands answering a cancellation
// request, matched case-insensitively at the start of the command line.
var cancellationPhrases = []struct {
	phrase string
	action Action
}{
	{"accept cancellation", ActionAcceptCancellation},
	{"refuse cancellation", ActionRefuseCancellation},
}

// parseCancellationAnswer reads "ACCEPT CANCELLATION[: note]" or "REFUSE
// CANCELLATION: reason" from the command line (and the note from the
// lines below it). ok is false when the line is neither, so that ACCEPT
// alone keeps meaning acknowledge.
func parseCancellationAnswer(line string, following []string) (cmd Command, reason string, ok bool) {
	line = strings.TrimSpace(line)
	for _, p := range cancellationPhrases {
		if len(line) < len(p.phrase) || !strings.EqualFold(line[:len(p.phrase)], p.phrase) {
			continue
		}
		rest := line[len(p.phrase):]
		if r, _ := utf8.DecodeRuneInString(rest); rest != "" && r != ':' && r != ' ' && r != '\t' && r != '.' && r != '!' {
			continue // "accept cancellations…" is prose
		}
		word := strings.ToUpper(p.phrase)
		rest = strings.TrimSpace(rest)
		colon := strings.HasPrefix(rest, ":")
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ":"))
		if strings.Trim(rest, ".!") == "" {
			rest = ""
		}
		if rest != "" && !colon {
			return Command{}, fmt.Sprintf("%s must be followed by a colon before its note (\"%s: …\"), but the line reads %q", word, word, clip(line)), true
		}
		cmd = Command{Action: p.action, Note: joinNote(rest, following)}
		if p.action == ActionAcceptCancellation && !colon {
			// A bare ACCEPT CANCELLATION has no note: the lines below are a
			// sign-off, unless they hold a second command.
			if other, n := findCommandWord(following); other != "" {
				return Command{}, fmt.Sprintf("more than one command: %s, then %s %d line(s) below; send one command per email", word, other, n), true
			}
			cmd.Note = ""
		}
		if p.action == ActionRefuseCancellation && cmd.Note == "" {
			return Command{}, fmt.Sprintf("%s needs a reason (e.g. \"%s: already packed\"), but none was given", word, word), true
		}
		return cmd, "", true
	}
	return Command{}, "", false
}

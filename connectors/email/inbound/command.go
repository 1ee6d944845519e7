package inbound

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// commandWords maps each command word to its action.
var commandWords = map[string]Action{
	"ACCEPT":      ActionAcknowledge,
	"ACKNOWLEDGE": ActionAcknowledge,
	"CONFIRM":     ActionAcknowledge,
	"SHIPPED":     ActionShip,
	"DELIVERED":   ActionDeliver,
	"CANCEL":      ActionCancel,
	"REJECT":      ActionReject,
	"BACKORDER":   ActionBackorder,
	"NOTE":        ActionNote,
}

const knownCommands = "ACCEPT, ACKNOWLEDGE, CONFIRM, SHIPPED <carrier> <tracking> [<url>], DELIVERED, CANCEL: <reason>, REJECT: <reason>, BACKORDER[: <note>], NOTE: <text>, ACCEPT CANCELLATION, REFUSE CANCELLATION: <reason>, or one \"line N: accept | backorder <YYYY-MM-DD> | reject <reason_code> [text] | quantity <n> [reason]\" per line"

// parseCommand reads the command from the lines the sender wrote (quote and
// signature already cut off). The command must be the first non-empty line,
// or the second one when the first is a salutation ("Hello,"): a command
// word further down is prose ("… cancel is not possible …") as often as it
// is a command, so it is reported, not obeyed. It returns a reason instead
// when the lines hold no single well-formed command.
func parseCommand(lines []string) (Command, string) {
	idx := nonEmpty(lines)
	if len(idx) == 0 {
		return Command{}, "no command: the reply has no text of its own above the quoted message or signature"
	}
	at := idx[0]
	if _, _, ok := commandWord(lines[at]); !ok && isSalutation(lines[at]) && len(idx) > 1 {
		at = idx[1]
	}
	if cmd, reason, ok := parseCancellationAnswer(lines[at], lines[at+1:]); ok {
		return cmd, reason
	}
	if isLineAnswer(lines[at]) {
		return parseLines(lines[at:])
	}
	line := strings.TrimSpace(lines[at])
	word, n, ok := commandWord(line)
	if !ok {
		return Command{}, notACommand(line, lines[at+1:])
	}
	action := commandWords[word]
	afterWord := strings.TrimSpace(line[n:])
	colon := strings.HasPrefix(afterWord, ":")
	rest := strings.TrimSpace(strings.TrimPrefix(afterWord, ":"))
	if strings.Trim(rest, ".!") == "" {
		rest = "" // "DELIVERED." or "CANCEL!" carry no argument
	}
	following := lines[at+1:]

	var cmd Command
	cmd.Action = action
	switch action {
	case ActionAcknowledge, ActionDeliver:
		if rest != "" {
			return Command{}, fmt.Sprintf("%s takes nothing after it, but the line reads %q; write %s alone on the first line", word, clip(line), word)
		}
	case ActionShip:
		if reason := parseShipped(rest, &cmd); reason != "" {
			return Command{}, reason + "; the line reads " + fmt.Sprintf("%q", clip(line))
		}
	case ActionCancel, ActionReject, ActionNote, ActionBackorder:
		if rest != "" && !colon && action != ActionCancel {
			// Only CANCEL may take its note without a colon: "Reject is
			// not an option" must not reject the order.
			return Command{}, fmt.Sprintf("%s must be followed by a colon before its text (\"%s: …\"), but the line reads %q", word, word, clip(line))
		}
		cmd.Note = joinNote(rest, following)
		if cmd.Note == "" && action != ActionBackorder {
			return Command{}, fmt.Sprintf("%s needs a note (e.g. \"%s: out of stock\"), but none was given", word, word)
		}
		// The lines below are the note: command words in them are prose.
		return cmd, ""
	}
	if other, n := findCommandWord(following); other != "" {
		return Command{}, fmt.Sprintf("more than one command: %s, then %s %d line(s) below; send one command per email", word, other, n)
	}
	return cmd, ""
}

// parseShipped fills carrier, tracking number and URL from the arguments of
// SHIPPED, or says what is wrong with them.
func parseShipped(args string, cmd *Command) string {
	f := strings.Fields(args)
	if len(f) < 2 || len(f) > 3 {
		return "SHIPPED needs a carrier and a tracking number, optionally followed by a tracking URL (e.g. \"SHIPPED DHL 00340434161234567890 https://…\"), without spaces inside the carrier's name"
	}
	if !strings.ContainsFunc(f[1], unicode.IsDigit) {
		// "SHIPPED Royal Mail" must not record "Mail" as tracking number.
		return fmt.Sprintf("SHIPPED: the tracking number %q contains no digit (carrier names cannot contain spaces)", f[1])
	}
	cmd.Carrier, cmd.Tracking = f[0], f[1]
	if len(f) == 3 {
		u, err := url.Parse(f[2])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("SHIPPED: the tracking URL %q is not an http or https URL", f[2])
		}
		cmd.TrackingURL = f[2]
	}
	return ""
}

// commandWord returns the upper-cased command word the line starts with and
// its length in the line: a known word followed by the end of the line
// (trailing "." or "!" allowed), a colon or a space.
func commandWord(line string) (string, int, bool) {
	w, ok := leadingWord(line)
	if !ok {
		return "", 0, false
	}
	_, known := commandWords[strings.ToUpper(w)]
	return strings.ToUpper(w), len(w), known
}

// leadingWord returns the run of letters a (trimmed) line starts with, and
// whether the run is followed by the end of the line, a colon or a space.
func leadingWord(line string) (string, bool) {
	line = strings.TrimSpace(line)
	end := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		return line, line != ""
	}
	if end == 0 {
		return "", false
	}
	next, _ := utf8.DecodeRuneInString(line[end:])
	return line[:end], next == ':' || unicode.IsSpace(next) || strings.Trim(line[end:], ".!") == ""
}

// notACommand explains why a line that should hold the command does not.
func notACommand(line string, following []string) string {
	w, ok := leadingWord(line)
	if _, known := commandWords[strings.ToUpper(w)]; known && !ok {
		return fmt.Sprintf("malformed command %q: put a space or a colon after %s", clip(line), strings.ToUpper(w))
	}
	if ok && len(w) >= 3 && w == strings.ToUpper(w) {
		return fmt.Sprintf("unknown command %q; known commands: %s", w, knownCommands)
	}
	if other, n := findCommandWord(following); other != "" {
		return fmt.Sprintf("no command on the first line %q (after any greeting); %s appears %d line(s) below but is only read as a command on the first line", clip(line), other, n)
	}
	return fmt.Sprintf("no command: the first line %q is none of %s", clip(line), knownCommands)
}

// findCommandWord returns the first command word starting one of lines, and
// its 1-based position.
func findCommandWord(lines []string) (string, int) {
	for i, l := range lines {
		if w, _, ok := commandWord(l); ok {
			return w, i + 1
		}
	}
	return "", 0
}

// joinNote joins the rest of the command line with the lines below it,
// trimming blank lines at both ends.
func joinNote(rest string, following []string) string {
	parts := append([]string{rest}, following...)
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// isSalutation reports whether a line is a short greeting such as "Hi," or
// "Dear Supplyhub team,", which may precede the command line.
func isSalutation(line string) bool {
	line = strings.TrimSpace(line)
	return (strings.HasSuffix(line, ",") || strings.HasSuffix(line, "!")) && len(strings.Fields(line)) <= 5
}

func nonEmpty(lines []string) []int {
	var idx []int
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			idx = append(idx, i)
		}
	}
	return idx
}

// clip shortens a line quoted in a reason.
func clip(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

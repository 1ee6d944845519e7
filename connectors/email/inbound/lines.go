package inbound

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ActionLines answers the supplier order line by line: one "line N: …"
// per line, in Command.Lines.
const ActionLines Action = "lines"

// LineAnswer is one "line N: …" of a reply.
type LineAnswer struct {
	Position int
	// Action is accept, backorder, reject or change_quantity (the
	// pipeline's line actions).
	Action string
	// Quantity is the new quantity of change_quantity.
	Quantity int
	// ExpectedDate is a backorder's date.
	ExpectedDate time.Time
	// ReasonCode and Reason explain a rejection or a quantity change.
	ReasonCode, Reason string
}

// lineRe matches "line 2: …" (also "Line 2 - …", "LINE 2 …").
var lineRe = regexp.MustCompile(`(?i)^\s*line\s+(\d+)\s*[:\-–]?\s*(.*)$`)

// reasonCodeRe is what a reason code looks like: one word, letters,
// digits and underscores ("out_of_range", "OOS").
var reasonCodeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// isLineAnswer reports whether a line starts a per-line answer.
func isLineAnswer(line string) bool {
	return lineRe.MatchString(line)
}

// parseLines reads per-line answers from lines, which start with one:
//
//	line 1: accept
//	line 2: backorder 2026-12-20 [note]
//	line 3: reject out_of_range Discontinued
//	line 4: quantity 2 [reason]
//
// Blank lines between them are allowed; the first other text ends them and
// is kept as the note. It returns a reason instead when a line is malformed
// or another command follows.
func parseLines(lines []string) (Command, string) {
	cmd := Command{Action: ActionLines}
	seen := map[int]bool{}
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		m := lineRe.FindStringSubmatch(l)
		if m == nil {
			break
		}
		pos, err := strconv.Atoi(m[1])
		if err != nil || pos <= 0 {
			return Command{}, fmt.Sprintf("%q: the line number must be a whole number from 1", clip(l))
		}
		if seen[pos] {
			return Command{}, fmt.Sprintf("line %d is answered twice", pos)
		}
		seen[pos] = true
		a, reason := parseLineAnswer(pos, m[2])
		if reason != "" {
			return Command{}, fmt.Sprintf("%q: %s", clip(l), reason)
		}
		cmd.Lines = append(cmd.Lines, a)
	}
	if other, n := findCommandWord(lines[i:]); other != "" {
		return Command{}, fmt.Sprintf("line answers, then %s %d line(s) below; send one command per email", other, n)
	}
	cmd.Note = joinNote("", lines[i:])
	return cmd, ""
}

// parseLineAnswer reads what follows "line N:".
func parseLineAnswer(pos int, s string) (LineAnswer, string) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return LineAnswer{}, "say what for the line: accept, backorder <YYYY-MM-DD>, reject <reason_code> [text] or quantity <n> [reason]"
	}
	a := LineAnswer{Position: pos}
	rest := func(from int) string { return strings.Join(f[from:], " ") }
	switch word := strings.ToLower(strings.Trim(f[0], ".,;")); word {
	case "accept", "accepted", "ok", "confirm", "confirmed":
		a.Action = "accept"
		if len(f) > 1 {
			return LineAnswer{}, "accept takes nothing after it"
		}
	case "backorder", "backordered":
		a.Action = "backorder"
		if len(f) < 2 {
			return LineAnswer{}, "backorder needs the expected date (e.g. \"backorder 2026-12-20\")"
		}
		d, err := time.Parse("2006-01-02", strings.Trim(f[1], ".,;"))
		if err != nil {
			return LineAnswer{}, fmt.Sprintf("backorder: %q is not a date (write YYYY-MM-DD, e.g. 2026-12-20)", f[1])
		}
		a.ExpectedDate, a.Reason = d, rest(2)
	case "reject", "rejected":
		a.Action = "reject"
		if len(f) < 2 {
			return LineAnswer{}, "reject needs a reason code, then optional text (e.g. \"reject out_of_range Discontinued\")"
		}
		if !reasonCodeRe.MatchString(f[1]) {
			return LineAnswer{}, fmt.Sprintf("reject: %q is not a reason code (one word such as out_of_stock or out_of_range)", f[1])
		}
		a.ReasonCode, a.Reason = strings.ToLower(f[1]), rest(2)
	case "quantity", "qty", "change_quantity":
		a.Action = "change_quantity"
		if len(f) < 2 {
			return LineAnswer{}, "quantity needs the new quantity (e.g. \"quantity 2\")"
		}
		n, err := strconv.Atoi(strings.Trim(f[1], ".,;"))
		if err != nil || n <= 0 {
			return LineAnswer{}, fmt.Sprintf("quantity: %q is not a whole number above 0 (reject the line to ship none)", f[1])
		}
		a.Quantity, a.Reason = n, rest(2)
	default:
		return LineAnswer{}, fmt.Sprintf("unknown line answer %q; write accept, backorder <YYYY-MM-DD>, reject <reason_code> [text] or quantity <n> [reason]", f[0])
	}
	return a, ""
}

package inbound

import (
	"regexp"
	"strings"
)

var (
	// An attribution line introducing the quoted original ("On … wrote:",
	// "Le … a écrit :", "Am … schrieb Name:", "Op … schreef Name:"): the
	// verb, in the languages suppliers write in, then anything, then a
	// colon ending the line. Its start carries dates and names in every
	// format, so it is not matched.
	wroteRe = regexp.MustCompile(`(?i)(^|\s)(wrote|a écrit|a ecrit|schrieb|schreef|skrev|escribió|escribio|ha scritto|scrisse|napisał\(a\)|napisał|napisala|kirjoitti|escreveu|написал\(а\)|написал)(\s.*)?\s?:\s*$`)
	// The start of an attribution that a mail client wrapped over two lines
	// ("On Mon, 1 May 2024 at 10:00, Supplyhub <orders@…>" / "wrote:").
	attributionStartRe = regexp.MustCompile(`(?i)^(on|le|am|el|il|op|den|w dniu|em)\s`)
	// "-----Original Message-----", "---------- Forwarded message ---------",
	// "-------- Ursprüngliche Nachricht --------" and plain rules of dashes.
	dashRuleRe = regexp.MustCompile(`^-{3,}.*-{3,}$|^-{5,}$`)
	// Outlook's separator above the original's header block.
	underscoreRuleRe = regexp.MustCompile(`^_{10,}$`)
	// Header lines of a forwarded or Outlook-quoted original; "*From:*" is
	// how Outlook renders bold headers in plain text.
	fromHeaderRe  = regexp.MustCompile(`(?i)^\*?(from|von|de|van|da|od|från|fra)\s?:\*?\s`)
	otherHeaderRe = regexp.MustCompile(`(?i)^\*?(sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado|para|asunto|verzonden|aan|onderwerp|inviato|oggetto)\s?:\*?(\s|$)`)
)

// freshLines returns the lines of body the sender wrote, above the first
// line that starts quoted text, a quoted original's attribution, a
// signature or a forwarded header block. Whatever comes below was written by
// someone else (or is boilerplate) and must never be read as a command.
func freshLines(body string) []string {
	lines := strings.Split(normalizeNewlines(body), "\n")
	for i, l := range lines {
		if cut, from := startsQuote(lines, i); cut {
			return lines[:from]
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	return lines
}

// startsQuote reports whether line i starts the quoted/signature part, and
// the index from which to cut (one earlier when the attribution is wrapped).
func startsQuote(lines []string, i int) (bool, int) {
	raw := lines[i]
	l := strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(l, ">"):
		return true, i
	case raw == "-- " || l == "--":
		// RFC 3676 signature delimiter; many clients drop the trailing space.
		return true, i
	case dashRuleRe.MatchString(l), underscoreRuleRe.MatchString(l):
		return true, i
	case wroteRe.MatchString(l):
		if !attributionStartRe.MatchString(l) && i > 0 && attributionStartRe.MatchString(strings.TrimSpace(lines[i-1])) {
			return true, i - 1
		}
		return true, i
	case fromHeaderRe.MatchString(l):
		// Only a block of headers: "From: the warehouse" alone is prose.
		for j := i + 1; j < len(lines) && j <= i+4; j++ {
			if otherHeaderRe.MatchString(strings.TrimSpace(lines[j])) {
				return true, i
			}
		}
	}
	return false, 0
}

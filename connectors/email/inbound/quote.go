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
	fromHeaderRe = regexp.MustCompile(`(?i)^\*?(from|von|de|van|da|od|från|fra)\s?:\*?\s`)
	// Mobile and webmail footers ("Sent from my iPhone", "Get Outlook for
	// Android", "Von meinem iPhone gesendet", "Envoyé de mon iPhone").
	sentFromRe    = regexp.MustCompile(`(?i)^(sent from my \S.*|sent from (outlook|mail for windows|yahoo mail|gmail|samsung).*|get outlook for \S.*|von meinem \S.* gesendet\.?|gesendet von meinem \S.*|envoyé de mon \S.*|envoyé depuis mon \S.*|enviado desde mi \S.*|verzonden vanaf mijn \S.*|verstuurd vanaf mijn \S.*|inviato da(l mio)? \S.*)$`)
	otherHeaderRe = regexp.MustCompile(`(?i)^\*?(sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado|para|asunto|verzonden|aan|onderwerp|inviato|oggetto)\s?:\*?(\s|$)`)
)

// closings are sign-offs that, alone on a line (with an optional trailing
// comma, full stop or exclamation mark), end what the sender wrote: the
// name, title and company lines below them are signature, not note.
var closings = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range []string{
		// English
		"best", "best regards", "best wishes", "kind regards", "kindest regards", "warm regards", "warmest regards",
		"regards", "many regards", "with regards", "with best regards", "with kind regards", "all the best",
		"thanks", "thank you", "thanks again", "thanks in advance", "many thanks", "thanks a lot", "thank you very much",
		"cheers", "sincerely", "yours sincerely", "sincerely yours", "yours faithfully", "yours truly", "br", "rgds",
		// German
		"mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß", "mit freundlichem gruss",
		"freundliche grüße", "freundliche grüsse", "viele grüße", "viele grüsse", "beste grüße", "beste grüsse",
		"liebe grüße", "liebe grüsse", "herzliche grüße", "grüße", "grüsse", "gruß", "gruss", "mfg", "lg", "vg",
		"danke", "vielen dank", "besten dank",
		// French
		"cordialement", "bien cordialement", "très cordialement", "salutations", "meilleures salutations",
		"sincères salutations", "bien à vous", "merci", "merci beaucoup", "bonne journée",
		// Dutch, Spanish, Italian, Portuguese
		"met vriendelijke groet", "met vriendelijke groeten", "groeten", "saludos", "un saludo", "saludos cordiales",
		"atentamente", "cordiali saluti", "distinti saluti", "saluti", "atenciosamente", "cumprimentos",
	} {
		m[c] = true
	}
	return m
}()

// isClosing reports whether a trimmed line is a sign-off alone.
func isClosing(l string) bool {
	l = strings.TrimRight(l, ",.!; ")
	if len(l) > 40 {
		return false
	}
	return closings[strings.ToLower(strings.Join(strings.Fields(l), " "))]
}

// freshLines returns the lines of body the sender wrote: those above the
// first line that starts quoted text, a quoted original's attribution, a
// forwarded header block, a signature, a mobile footer or a closing
// ("Best regards,"). Whatever comes below was written by someone else (or is
// boilerplate) and must never be read as a command or kept in a note.
//
// A bottom-posted reply writes nothing above the quote (at most the
// attribution line of a mail client this reader does not know, ending in a
// colon): its fresh lines are then the first unquoted ones below the quoted
// block, up to the next cut.
func freshLines(body string) []string {
	lines := strings.Split(normalizeNewlines(body), "\n")
	top, end, quoted := cutFresh(lines, 0)
	if !quoted || hasOwnText(top) {
		return top
	}
	i := end
	for i < len(lines) {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, ">") && !wroteRe.MatchString(l) {
			break
		}
		i++
	}
	if i == len(lines) {
		return top
	}
	below, _, _ := cutFresh(lines, i)
	return below
}

// cutFresh returns the lines from start up to the first cut, trimmed on the
// right, the index of the cut, and whether the cut starts quoted text (as
// opposed to a signature or closing, or the end of the body).
func cutFresh(lines []string, start int) (fresh []string, end int, quoted bool) {
	for i := start; i < len(lines); i++ {
		if k, from := startsQuote(lines, i); k != cutNone {
			return fresh[:len(fresh)-(i-from)], from, k == cutQuote
		}
		fresh = append(fresh, strings.TrimRight(lines[i], " \t"))
	}
	return fresh, len(lines), false
}

// hasOwnText reports whether the lines above a quote hold anything but blank
// lines and an attribution line ending in a colon.
func hasOwnText(top []string) bool {
	idx := nonEmpty(top)
	switch len(idx) {
	case 0:
		return false
	case 1:
		l := strings.TrimSpace(top[idx[0]])
		_, _, cmd := commandWord(l)
		return cmd || !strings.HasSuffix(l, ":")
	default:
		return true
	}
}

type cutKind int

const (
	cutNone      cutKind = iota
	cutQuote             // quoted original, its attribution or header block
	cutSignature         // signature, closing or mobile footer
)

// startsQuote reports whether line i starts the quoted or signature part,
// and the index from which to cut (one earlier when the attribution is
// wrapped).
func startsQuote(lines []string, i int) (cutKind, int) {
	raw := lines[i]
	l := strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(l, ">"):
		return cutQuote, i
	case raw == "-- " || l == "--":
		// RFC 3676 signature delimiter; many clients drop the trailing space.
		return cutSignature, i
	case dashRuleRe.MatchString(l), underscoreRuleRe.MatchString(l):
		return cutQuote, i
	case sentFromRe.MatchString(l), isClosing(l):
		return cutSignature, i
	case wroteRe.MatchString(l):
		if !attributionStartRe.MatchString(l) && i > 0 && attributionStartRe.MatchString(strings.TrimSpace(lines[i-1])) {
			return cutQuote, i - 1
		}
		return cutQuote, i
	case fromHeaderRe.MatchString(l):
		// Only a block of headers: "From: the warehouse" alone is prose.
		for j := i + 1; j < len(lines) && j <= i+4; j++ {
			if otherHeaderRe.MatchString(strings.TrimSpace(lines[j])) {
				return cutQuote, i
			}
		}
	}
	return cutNone, 0
}

package formats

// isFormulaStart reports whether a spreadsheet would treat a cell starting
// with b as a formula (or, for tab and CR, as one after trimming).
func isFormulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// NeutralizeCell prefixes s with a single quote when it starts with a
// formula character, so spreadsheets show it as text instead of running it.
// It is the rule the CSV encoder applies to every free-text cell.
func NeutralizeCell(s string) string {
	if s != "" && isFormulaStart(s[0]) {
		return "'" + s
	}
	return s
}

// cellKind tells the neutraliser whether a cell is free text or a number we
// formatted ourselves.
type cellKind int

const (
	textCell cellKind = iota
	numberCell
)

// neutralizeCell applies the package rule: free text always, our own numbers
// only in strict mode. The number exemption is re-checked against the cell's
// shape so that a bug upstream can never smuggle text through as a "number".
func neutralizeCell(s string, kind cellKind, strict bool) string {
	if kind == numberCell && !strict && isPlainNumber(s) {
		return s
	}
	return NeutralizeCell(s)
}

// isPlainNumber accepts -?digits, optionally with one '.' or ',' followed by
// digits: the only shapes formatAmount and strconv produce.
func isPlainNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	digits, sep := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '.' || c == ',') && !sep && digits > 0 && i < len(s)-1:
			sep = true
		default:
			return false
		}
	}
	return digits > 0
}

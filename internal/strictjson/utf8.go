package strictjson

import (
	"strconv"
	"unicode/utf8"
)

// validString reports whether raw, a JSON string literal with its quotes
// (already syntax-checked by the tokenizer), holds only valid UTF-8 and no
// lone surrogate escape. encoding/json turns both into U+FFFD, which would
// make different inputs decode to the same text.
func validString(raw []byte) bool {
	if len(raw) < 2 || raw[0] != '"' {
		return false
	}
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return false
			}
			if s[i+1] != 'u' {
				i += 2
				continue
			}
			r, ok := hex4(s, i+2)
			if !ok {
				return false
			}
			i += 6
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return false // a low surrogate without its high half
			case r >= 0xD800 && r <= 0xDBFF:
				if i+1 >= len(s) || s[i] != '\\' || s[i+1] != 'u' {
					return false
				}
				lo, ok := hex4(s, i+2)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return false
				}
				i += 6
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
			i += size
		}
	}
	return true
}

// hex4 parses the four hex digits at s[i:].
func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		v := hexValue(c)
		if v < 0 {
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

// quoteRaw shows raw bytes safely in an error message: invalid bytes appear
// as \xff escapes.
func quoteRaw(raw []byte) string {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	if len(raw) > 80 {
		raw = raw[:80]
	}
	return strconv.Quote(string(raw))
}
